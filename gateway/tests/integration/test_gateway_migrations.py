"""The migrations build exactly the tables of the models on PostgreSQL, and can be undone and redone."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from gateway.app import MIGRATIONS_DIR
from gateway.models import Base
from servicekit import inbox, outbox  # noqa: F401  (their tables join the kit's metadata)
from servicekit.db import kit_metadata, normalise_url
from servicekit.migrations import alembic_config, upgrade


def test_upgrade_head_on_postgresql_matches_the_models_and_downgrade_undoes_it(postgres_databases):
    url = postgres_databases.create("gateway_migrations")
    upgrade(url, MIGRATIONS_DIR)
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), [Base.metadata, kit_metadata])
        assert differences == []
        tables = set(inspect(engine).get_table_names())
        command.downgrade(alembic_config(url, MIGRATIONS_DIR), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(url, MIGRATIONS_DIR)
        assert set(inspect(engine).get_table_names()) == tables
    finally:
        engine.dispose()
