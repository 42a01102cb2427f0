"""The migrations build exactly the tables of the models on PostgreSQL, and can be undone and redone."""

import uuid
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, insert, select

from servicekit.migrations import alembic_config, upgrade
from servicekit.testing.schema import assert_migrations_build_the_models
from tasks.app import MIGRATIONS_DIR
from tasks.models import Base, Task


def test_upgrade_head_on_postgresql_matches_the_models_and_downgrade_undoes_it(postgres_databases):
    url = postgres_databases.create("tasks_migrations")
    tables = assert_migrations_build_the_models(url, MIGRATIONS_DIR, Base.metadata)
    assert {"tasks", "task_comments", "task_changes", "case_replicas", "outbox", "inbox"} <= tables


def test_numbers_stored_with_their_prefix_are_keyed_by_month_and_counter_after_the_upgrade(postgres_databases):
    url = postgres_databases.create("tasks_number_keys")
    upgrade(url, MIGRATIONS_DIR, "009cc8f48c30")
    engine = create_engine(url)
    now = datetime.now(UTC)
    rows = [("TSK 2611-0007", "TSK2611-0007"), ("OPGAVE 2611-0008", "OPGAVE2611-0008"),
            ("TSK 2611-12345", "TSK2611-12345")]
    try:
        with engine.begin() as conn:
            conn.execute(insert(Task), [
                {"id": str(uuid.uuid4()), "number": number, "number_key": key, "case_id": str(uuid.uuid4()),
                 "subject": "Emne", "description": "En rigtig beskrivelse af opgaven.", "team_id": str(uuid.uuid4()),
                 "blocks_case_closure": False, "status": "registered", "created_by": str(uuid.uuid4()),
                 "created_at": now, "updated_at": now, "version": 1}
                for number, key in rows])

        def keys() -> list[str]:
            with engine.connect() as conn:
                return list(conn.scalars(select(Task.number_key).order_by(Task.number_key)))

        upgrade(url, MIGRATIONS_DIR)
        assert keys() == ["2611-0007", "2611-0008", "2611-12345"]
        command.downgrade(alembic_config(url, MIGRATIONS_DIR), "009cc8f48c30")
        assert keys() == sorted(key for _, key in rows)
    finally:
        engine.dispose()
