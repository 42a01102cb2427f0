"""Fixtures of the tasks service's tests: the service on PostgreSQL and RabbitMQ, its worker, a spy on
the events it publishes, the people of seed 001's two teams, and callers signed as the gateway signs."""

from __future__ import annotations

import socket
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))

from tasks_testkit import (
    Caller,
    EventDesk,
    Person,
    Spy,
    World,
    case_data,
    task_body,
    team_data,
    user_data,
)

from servicekit.migrations import upgrade
from tasks import config
from tasks.app import MIGRATIONS_DIR, build_context, create_app
from tasks.worker import build_worker

TABLES = ("tasks", "task_comments", "task_changes", "task_number_counters", "case_replicas", "directory_users",
          "directory_teams", "outbox", "inbox")


@pytest.fixture(scope="session")
def tasks_database_url(postgres_databases):
    url = postgres_databases.create("tasks")
    upgrade(url, MIGRATIONS_DIR)
    return url


def closed_port() -> int:
    """A local port nothing listens on: the gateway is away (these tests run the tasks service alone)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def tasks_environ(tasks_database_url, rabbitmq_url, bus_namespace, identity_keys) -> dict[str, str]:
    return {
        "DATABASE_URL": tasks_database_url, "AMQP_URL": rabbitmq_url,
        "GATEWAY_URL": f"http://127.0.0.1:{closed_port()}", "SERVICE_API_KEY": "tasks-test-key-0123456789",
        "EVENTS_EXCHANGE": bus_namespace["EVENTS_EXCHANGE"],
        "QUEUE_EXPIRES": bus_namespace["QUEUE_EXPIRES"],
        "QUEUE_PREFIX": f"{bus_namespace['QUEUE_PREFIX']}{uuid.uuid4().hex[:6]}.",
        "IDENTITY_PUBLIC_KEY": identity_keys[1], "LOG_FORMAT": "text", "RETRY_DELAYS": "0.2,0.5",
    }


@pytest.fixture
def context(tasks_environ):
    ctx = build_context(config.load(tasks_environ))
    with ctx.database.transaction() as session:
        session.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    yield ctx
    ctx.database.dispose()


@pytest.fixture
def app(context):
    return create_app(context.settings, context)


@pytest.fixture
def worker(context):
    """The real worker: outbox relay and event consumer on RabbitMQ."""
    running = build_worker(context)
    running.start()
    assert running.wait_until_consuming(20), "the tasks worker did not start consuming"
    yield running
    running.stop(timeout=10)
    with context.bus.connect() as conn:
        running.consumer.topology.delete(conn.channel())


@pytest.fixture
def desk(context, rabbit_bus):
    return EventDesk(context, rabbit_bus)

@pytest.fixture
def world(desk) -> World:
    """The people and teams, known to the tasks service from the gateway's events."""
    people = World()
    for person in people.users:
        desk.apply("user.created", user_data(person), source="gateway")
    desk.apply("team.created", team_data(people.support, "Support", [people.sofie, people.svend]), "gateway")
    desk.apply("team.created", team_data(people.drift, "Drift", [people.dorte, people.anders]), "gateway")
    return people

@pytest.fixture
def as_(app, sign_identity):
    client = app.test_client()
    return lambda person, language="da": Caller(client, sign_identity, person, language)

@pytest.fixture
def open_case(desk, world):
    """A registered case in support's team, known to the tasks service."""
    case_id = str(uuid.uuid4())
    desk.apply("case.created", case_data(case_id, team_id=world.support, actor_id=world.sofie.id))
    return case_id

@pytest.fixture
def make_task(as_, world, open_case):
    """Create a task through the API as ``by`` (Sofie by default) and return its JSON."""

    def make(case_id: str | None = None, by: Person | None = None, **fields: Any) -> dict:
        response = as_(by or world.sofie).post(f"/api/v1/cases/{case_id or open_case}/tasks",
                                              json=task_body(world, **fields))
        assert response.status_code == 201, response.json
        return response.json

    return make

@pytest.fixture
def spy(rabbit_bus, request):
    watcher = Spy(rabbit_bus, f"{request.node.name}.{uuid.uuid4().hex[:6]}")
    yield watcher
    watcher.close()

