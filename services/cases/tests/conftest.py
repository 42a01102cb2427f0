import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest
from helpers import Api, World, make_settings, truncate_all

from cases.app import MIGRATIONS_DIR, build_context, create_app
from servicekit.migrations import upgrade


@pytest.fixture(scope="session")
def cases_database_url(postgres_databases):
    """One PostgreSQL database for the run, migrated with the service's own migrations."""
    url = postgres_databases.create("cases")
    upgrade(url, MIGRATIONS_DIR)
    return url


@pytest.fixture
def app(cases_database_url, tmp_path, identity_keys):
    settings = make_settings(cases_database_url, str(tmp_path / "data"), identity_keys[1])
    context = build_context(settings)
    truncate_all(context.database.engine)
    application = create_app(settings, context)
    yield application
    context.database.dispose()


@pytest.fixture
def api(app, sign_identity):
    return Api(app, sign_identity)


@pytest.fixture
def world(app):
    return World(app)


@pytest.fixture
def office(world):
    """A small organisation: support and operations teams, their agents, two colleagues, an admin."""

    class Office:
        org = world.organisation("Statens Administration", case_visibility="own")
        support = world.team("Support")
        drift = world.team("Drift")
        agent = world.user(("agent",), teams=[support], name="Anne Agent")
        drift_agent = world.user(("agent",), teams=[drift], name="Dan Drift")
        dispatcher = world.user(("agent", "dispatcher"), dispatcher_of=[drift], name="Dorte Dispatcher")
        admin = world.user(("admin", "agent"), teams=[support], name="Ada Admin")
        requester = world.user(("requester",), organisation_id=org, name="Rikke Rekvirent")
        colleague = world.user(("requester",), organisation_id=org, name="Kim Kollega")
        other_org = world.organisation("Andet Ministerium", case_visibility="organisation")
        outsider = world.user(("requester",), organisation_id=other_org, name="Ole Udenfor")

    return Office
