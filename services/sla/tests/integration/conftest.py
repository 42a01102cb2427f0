"""The sla service on real PostgreSQL and RabbitMQ: its app, its worker, and what it publishes."""

from __future__ import annotations

import json
import time
import uuid

import psycopg
import pytest
from kombu import Queue
from sqlalchemy.engine import make_url

from servicekit.bus import OutgoingMessage
from servicekit.migrations import upgrade
from sla import config
from sla.app import MIGRATIONS_DIR, build_context, create_app
from sla.worker import build_worker


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sla_template(postgres_databases):
    """A database migrated once on PostgreSQL (``upgrade head``); each test gets a copy of it."""
    url = postgres_databases.create("sla_template")
    upgrade(url, MIGRATIONS_DIR)
    return make_url(url).database


@pytest.fixture
def sla_url(postgres_databases, sla_template):
    name = f"sdt_sla_{postgres_databases.run_id}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_libpq(postgres_databases.server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{sla_template}"')
    postgres_databases.created.append(name)
    return make_url(postgres_databases.server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def settings(sla_url, rabbitmq_url, bus_namespace, identity_keys):
    return config.load({
        "DATABASE_URL": sla_url,
        "AMQP_URL": rabbitmq_url,
        "EVENTS_EXCHANGE": bus_namespace["EVENTS_EXCHANGE"],
        "QUEUE_EXPIRES": bus_namespace["QUEUE_EXPIRES"],
        "QUEUE_PREFIX": f"{bus_namespace['QUEUE_PREFIX']}{uuid.uuid4().hex[:6]}.",
        "IDENTITY_PUBLIC_KEY": identity_keys[1],
        "AUTO_CLOSE_AFTER": "2",
        "TIMER_POLL_INTERVAL": "0.1",
        "REPLAN_BATCH_SIZE": "3",  # re-planning after an admin change runs in several chunks even in small tests
        "RETRY_DELAYS": "0.2,0.5",
        "LOG_FORMAT": "text",
    })


@pytest.fixture
def context(settings):
    ctx = build_context(settings)
    yield ctx
    ctx.database.dispose()


@pytest.fixture
def client(settings, context):
    return create_app(settings, context).test_client()


@pytest.fixture
def call(client, sign_identity):
    """``call("GET", path, identity, json=..., headers=...)`` as the gateway would forward it."""

    def do(method, path, identity, **kwargs):
        headers = {"X-Servicedesk-Identity": sign_identity(identity, "sla"), **kwargs.pop("headers", {})}
        return client.open(path, method=method, headers=headers, **kwargs)

    return do


@pytest.fixture
def make_round_the_clock_policy(call, make_identity):
    """A policy for critical questions on the 24/7 calendar: 60 s to the first response, 120 s to the resolution."""

    def make(*, warning_percent: int) -> dict:
        admin = make_identity(roles=("admin",))
        calendars = call("GET", "/api/v1/sla/calendars", admin).get_json()["items"]
        always = next(c for c in calendars if c["always_open"])
        body = {"name": "Hurtig", "type": "question", "calendar_id": always["id"], "warning_percent": warning_percent,
                "targets": {"critical": {"first_response": 60, "resolution": 120}}}
        response = call("POST", "/api/v1/sla/policies", admin, json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def worker(context):
    """The service's worker (relay, consumer, scheduler) running in threads; its queues removed afterwards."""
    running = build_worker(context)
    running.start()
    assert running.wait_until_consuming(30)
    yield running
    running.stop(timeout=10)
    with context.bus.connect() as conn:
        running.consumer.topology.delete(conn.channel())


@pytest.fixture
def publish(rabbit_bus):
    """Publish events onto the run's exchange, as the other services' relays do."""

    def send(*events):
        rabbit_bus.publish_many([OutgoingMessage(e.type, e.to_json(), e.id) for e in events])

    return send


@pytest.fixture
def spy(rabbit_bus, request):
    """What the sla service publishes (``sla.#``), read from a queue of this test's own."""
    conn = rabbit_bus.connect()
    queue = Queue(f"{rabbit_bus.queue_prefix}spy.{uuid.uuid4().hex[:8]}", exchange=rabbit_bus.exchange,
                  routing_key="sla.#", durable=False, auto_delete=False)
    bound = queue(conn.channel())
    bound.declare()
    received: list[dict] = []

    def read(until=None, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            while (message := bound.get(no_ack=True)) is not None:
                received.append(json.loads(message.body))
            if until is None or until(received) or time.monotonic() > deadline:
                return list(received)
            time.sleep(0.05)

    yield read
    bound.delete()
    conn.release()

