"""pytest fixtures every service's tests share (loaded through the ``pytest11`` entry point)."""

from __future__ import annotations

import uuid
from contextlib import ExitStack

import pytest

from ..auth import Identity, IdentitySigner, generate_keypair
from ..bus import EventBus
from .servers import DatabaseFactory, ServerMissing, amqp_url, on_ci, postgres_server_url

# A test run's queues vanish ten minutes after their last use, even when the run is killed: quorum queues
# left behind by hundreds of runs would otherwise wear the broker down.
TEST_QUEUE_EXPIRES_MS = 10 * 60 * 1000


def _require(find):
    stack = ExitStack()
    try:
        return stack, find(stack)
    except ServerMissing as err:
        stack.close()
        if on_ci():
            pytest.fail(f"CI=true and {err}", pytrace=False)
        pytest.skip(str(err))


@pytest.fixture(scope="session")
def test_run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def postgres_databases(test_run_id):
    """Factory: ``postgres_databases.create("cases")`` gives the URL of a fresh, empty database."""
    stack, server = _require(postgres_server_url)
    factory = DatabaseFactory(server, test_run_id)
    yield factory
    factory.drop_all()
    stack.close()


@pytest.fixture(scope="session")
def rabbitmq_url():
    stack, url = _require(amqp_url)
    yield url
    stack.close()


@pytest.fixture(scope="session")
def bus_namespace(test_run_id) -> dict[str, str]:
    """An exchange and queue prefix of this run alone, so runs never see each other's events."""
    return {"EVENTS_EXCHANGE": f"sdt.{test_run_id}.events", "QUEUE_PREFIX": f"sdt.{test_run_id}.",
            "QUEUE_EXPIRES": str(TEST_QUEUE_EXPIRES_MS)}


@pytest.fixture(scope="session")
def rabbit_bus(rabbitmq_url, bus_namespace):
    bus = EventBus(rabbitmq_url, exchange=bus_namespace["EVENTS_EXCHANGE"], queue_prefix=bus_namespace["QUEUE_PREFIX"],
                   queue_expires_ms=TEST_QUEUE_EXPIRES_MS)
    yield bus
    with bus.connect() as conn:
        bus.exchange(conn.channel()).delete()


@pytest.fixture(scope="session")
def identity_keys() -> tuple[str, str]:
    """A gateway key pair for the run: (private PEM, public PEM)."""
    return generate_keypair()


@pytest.fixture(scope="session")
def sign_identity(identity_keys):
    """``sign_identity(identity, audience)`` mints what the gateway would forward."""
    signer = IdentitySigner(identity_keys[0])
    return lambda identity, audience: signer.sign(identity, audience)


@pytest.fixture
def make_identity():
    def make(roles=("requester",), **fields) -> Identity:
        fields.setdefault("user_id", str(uuid.uuid4()))
        for name in ("team_ids", "dispatcher_team_ids"):
            fields[name] = frozenset(str(t) for t in fields.get(name, ()))
        return Identity(roles=frozenset(roles), **fields)

    return make
