"""Alembic per service: one call to upgrade, one helper for each ``env.py``.

On PostgreSQL an advisory lock serialises replicas that migrate at the same
start; SQLite uses batch mode so ALTERs work there too.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool, text

from .db import normalise_url


def alembic_config(database_url: str, script_location: str | Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["database_url"] = normalise_url(database_url)
    return config


def upgrade(database_url: str, script_location: str | Path, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url, script_location), revision)


def _render_item(type_: str, obj, autogen_context):
    """Write our column types as plain SQLAlchemy types in generated migrations."""
    from .db import UtcDateTime

    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(service_metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py``: its own tables plus outbox and inbox."""
    from alembic import context

    from . import inbox, outbox  # noqa: F401  (registers the shared tables on kit_metadata)
    from .db import kit_metadata

    target_metadata = [service_metadata, kit_metadata]

    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        import os

        url = normalise_url(os.environ["DATABASE_URL"])
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                          render_as_batch=url.startswith("sqlite"), render_item=_render_item)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        is_postgres = connection.dialect.name == "postgresql"
        lock_key = zlib.crc32(b"servicekit-migrations")
        if is_postgres:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key})
            connection.commit()
        try:
            context.configure(connection=connection, target_metadata=target_metadata,
                              render_as_batch=not is_postgres, compare_type=True,
                              render_item=_render_item)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if is_postgres:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
                connection.commit()
    engine.dispose()
