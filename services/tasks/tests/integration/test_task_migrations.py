"""The migrations build exactly the tables of the models on PostgreSQL, and can be undone and redone."""

from servicekit.testing.schema import assert_migrations_build_the_models
from tasks.app import MIGRATIONS_DIR
from tasks.models import Base


def test_upgrade_head_on_postgresql_matches_the_models_and_downgrade_undoes_it(postgres_databases):
    url = postgres_databases.create("tasks_migrations")
    tables = assert_migrations_build_the_models(url, MIGRATIONS_DIR, Base.metadata)
    assert {"tasks", "task_comments", "task_changes", "case_replicas", "outbox", "inbox"} <= tables
