"""The migrations build exactly the tables of the models on PostgreSQL, and can be undone and redone."""

from gateway.app import MIGRATIONS_DIR
from gateway.models import Base
from servicekit.testing.schema import assert_migrations_build_the_models


def test_upgrade_head_on_postgresql_matches_the_models_and_downgrade_undoes_it(postgres_databases):
    url = postgres_databases.create("gateway_migrations")
    tables = assert_migrations_build_the_models(url, MIGRATIONS_DIR, Base.metadata)
    assert {"users", "api_tokens", "login_throttle", "outbox"} <= tables
