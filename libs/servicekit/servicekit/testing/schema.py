"""The one check every service makes of its Alembic migrations on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect

from .. import inbox, outbox  # noqa: F401  (their tables join the kit's metadata)
from ..db import kit_metadata, normalise_url
from ..migrations import alembic_config, upgrade


def assert_migrations_build_the_models(url: str, migrations_dir: Path, metadata: MetaData,
                                       accepted: Callable[[tuple], bool] = lambda difference: False) -> set[str]:
    """Upgrade to head builds exactly the models' tables (and the kit's outbox and inbox); downgrade to base
    removes them all; upgrading again builds the same tables. Returns the table names.

    ``accepted`` lets a service name differences it means (for example an index only PostgreSQL can build).
    """
    upgrade(url, migrations_dir)
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), [metadata, kit_metadata])
        assert [d for d in differences if not accepted(d)] == []
        tables = set(inspect(engine).get_table_names())
        command.downgrade(alembic_config(url, migrations_dir), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(url, migrations_dir)
        assert set(inspect(engine).get_table_names()) == tables
        return tables
    finally:
        engine.dispose()
