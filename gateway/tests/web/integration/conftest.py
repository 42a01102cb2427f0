"""The whole system in threads for the page tests: every service on PostgreSQL and RabbitMQ, the gateway in front.

Built with the embedded launcher's own ``EmbeddedSystem`` (real apps and workers, the run's own exchange),
so the pages are tested through the gateway against the real services and their events.
"""

from __future__ import annotations

import json
import socket
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # webkit: the helpers of the page tests

from webkit import MAX_ATTACHMENT_BYTES

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@pages.test", "Pages-Admin-Password-1"
PASSWORD = "En god lang adgangskode 42"
SERVICES = ("cases", "tasks", "notify", "sla", "gateway")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    system: object
    people: dict[str, dict] = field(default_factory=dict)
    teams: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def app(self):
        return next(c.app for c in self.system.components if c.name == "gateway")

    def database_of(self, service: str):
        """A service's own database (for setting up what would take too long through its API)."""
        return next(c.app for c in self.system.components if c.name == service).extensions["servicekit"].database

    def api(self, method: str, path: str, user: dict | None = None, **kwargs):
        client = self.app.test_client()
        who = user or {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        if who["email"] not in self.tokens:
            token = client.post("/api/v1/auth/token", json={"email": who["email"], "password": who["password"]})
            assert token.status_code == 200, token.json
            self.tokens[who["email"]] = token.json["access_token"]
        headers = {"Authorization": f"Bearer {self.tokens[who['email']]}", **kwargs.pop("headers", {})}
        return client.open(path, method=method, headers=headers, **kwargs)


def _web_bus(bus_namespace) -> dict[str, str]:
    """An exchange and queues of these tests alone: the services' own tests in this run use the run's."""
    return {"EVENTS_EXCHANGE": bus_namespace["EVENTS_EXCHANGE"] + ".web",
            "QUEUE_PREFIX": bus_namespace["QUEUE_PREFIX"] + "web."}


@pytest.fixture(scope="session")
def stack(postgres_databases, rabbitmq_url, bus_namespace, tmp_path_factory):
    from servicedesk_embedded.system import EmbeddedSystem

    environ = {
        **bus_namespace,
        **_web_bus(bus_namespace),
        "AMQP_URL": rabbitmq_url,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
        "LOG_LEVEL": "WARNING",
        "RETRY_DELAYS": "0.5,1",
        "LOGIN_RATE_PER_CLIENT": "100000",  # every test signs in from 127.0.0.1
        "MAX_ATTACHMENT_BYTES": str(MAX_ATTACHMENT_BYTES),  # the cases service's and the gateway's alike
        **{f"{name.upper()}_DATABASE_URL": postgres_databases.create(f"web_{name}") for name in SERVICES},
        **{f"{name.upper()}_PORT": str(_free_port()) for name in SERVICES},
    }
    system = EmbeddedSystem(tmp_path_factory.mktemp("pages"), base_environ=environ)
    system.build()
    system.start()
    try:
        assert system.wait_until_consuming(120)
        yield _with_people(Stack(system))
    finally:
        system.stop()


def _with_people(stack: Stack) -> Stack:
    suffix = uuid.uuid4().hex[:6]

    def created(path: str, body: dict) -> dict:
        answer = stack.api("POST", path, json=body)
        assert answer.status_code == 201, answer.json
        return answer.json

    own = created("/api/v1/organisations", {"name": f"Styrelsen {suffix}", "case_visibility": "own"})
    other = created("/api/v1/organisations", {"name": f"Andre {suffix}", "case_visibility": "own"})
    for team in ("Support", "Drift"):
        stack.teams[team] = created("/api/v1/teams", {"name": f"{team} {suffix}"})
    people = {"rita": ("Rita Rekvirent", ["requester"], own), "rasmus": ("Rasmus Kollega", ["requester"], own),
              "olga": ("Olga Anden", ["requester"], other), "anne": ("Anne Support", ["agent"], None),
              "dennis": ("Dennis Drift", ["agent"], None)}
    for key, (name, roles, organisation) in people.items():
        body = {"email": f"{key}.{suffix}@pages.test", "name": name, "password": PASSWORD, "roles": roles}
        if organisation:
            body["organisation_id"] = organisation["id"]
        stack.people[key] = {**created("/api/v1/users", body), "password": PASSWORD}
    created(f"/api/v1/teams/{stack.teams['Support']['id']}/members",
            {"user_id": stack.people["anne"]["id"], "dispatcher": True})
    created(f"/api/v1/teams/{stack.teams['Drift']['id']}/members", {"user_id": stack.people["dennis"]["id"]})
    return stack


@pytest.fixture
def browser_of(stack):
    """A fresh cookie jar signed in as one of the people (through the real log-in form)."""
    from webkit import sign_in

    def open_as(key: str):
        client = stack.app.test_client()
        answer = sign_in(client, stack.people[key])
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
        return client

    return open_as


class CaseEvents:
    """The case events the system publishes while a test runs, as read from a queue of the test's own."""

    def __init__(self, queue):
        self.queue = queue
        self.seen: list[dict] = []

    def first(self, event_type: str, case_id: str, predicate=lambda data: True, timeout: float = 20.0) -> dict:
        """The data of the first ``event_type`` about the case that passes ``predicate``."""
        from webkit import wait_for

        def find():
            while (message := self.queue.get(no_ack=True)) is not None:
                self.seen.append(json.loads(message.body))
            return next((e["data"] for e in self.seen
                         if e["type"] == event_type and e["subject"] == case_id and predicate(e["data"])), None)

        return wait_for(find, timeout)

    def of(self, case_id: str) -> list[dict]:
        """Every event about the case seen so far (after a ``first``), in the order published."""
        return [e for e in self.seen if e["subject"] == case_id]


@pytest.fixture
def case_events(stack, rabbitmq_url, bus_namespace):
    from kombu import Connection, Exchange, Queue

    web_bus = _web_bus(bus_namespace)
    exchange = Exchange(web_bus["EVENTS_EXCHANGE"], type="topic", durable=True)
    with Connection(rabbitmq_url) as conn:
        queue = Queue(f"{web_bus['QUEUE_PREFIX']}spy.{uuid.uuid4().hex[:6]}", exchange=exchange, routing_key="case.#",
                      durable=False, auto_delete=False)(conn.channel())
        queue.declare()
        try:
            yield CaseEvents(queue)
        finally:
            queue.delete()
