"""Helpers of the tasks service's tests: people, event payloads, callers signed as the gateway signs,
and a spy on the events the service publishes."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from kombu import Queue
from sqlalchemy import select

from servicekit.auth import IDENTITY_HEADER, Identity
from servicekit.bus import OutgoingMessage
from servicekit.events import Event
from servicekit.inbox import inbox_table
from servicekit.worker import EventDispatcher
from tasks.consumers import HANDLERS


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    return predicate()


@dataclass(frozen=True)
class Person:
    name: str
    identity: Identity

    @property
    def id(self) -> str:
        return self.identity.user_id


class World:
    """Seed 001's two teams: support and operations (drift), each with a dispatcher and agents."""

    def __init__(self):
        self.support, self.drift = str(uuid.uuid4()), str(uuid.uuid4())

        def person(name, roles, teams=(), dispatches=()):
            return Person(name, Identity(user_id=str(uuid.uuid4()), roles=frozenset(roles), name=name,
                                         email=f"{name.lower()}@example.dk", team_ids=frozenset(teams),
                                         dispatcher_team_ids=frozenset(dispatches)))

        self.sofie = person("Sofie", ["agent"], [self.support])  # support agent, case agent
        self.svend = person("Svend", ["agent", "dispatcher"], [self.support], [self.support])  # support dispatcher
        self.dorte = person("Dorte", ["agent", "dispatcher"], [self.drift], [self.drift])  # drift dispatcher
        self.anders = person("Anders", ["agent"], [self.drift])  # drift agent
        self.admin = person("Admin", ["admin"])
        self.rikke = person("Rikke", ["requester"])  # a requester
        self.notify = Person("notify", Identity(user_id="service:notify", roles=frozenset({"service"})))

    @property
    def users(self) -> list[Person]:
        return [self.sofie, self.svend, self.dorte, self.anders, self.admin, self.rikke]

    def forged(self, person: Person, **changes: Any) -> Person:
        """The same user with other claims (e.g. a token that lacks the team)."""
        fields = {name: getattr(person.identity, name) for name in person.identity.__dataclass_fields__}
        fields.update(changes)
        return Person(person.name, Identity(**fields))


def user_data(person: Person, version: int = 1, active: bool = True) -> dict:
    identity = person.identity
    return {"id": identity.user_id, "email": identity.email, "name": identity.name, "roles": sorted(identity.roles),
            "organisation_id": None, "team_ids": sorted(identity.team_ids), "language": "da", "active": active,
            "shared_mailbox": False, "version": version}


def team_data(team_id: str, name: str, members: list[Person], version: int = 1) -> dict:
    return {"id": team_id, "name": name, "email": None, "version": version,
            "members": [{"user_id": m.id, "dispatcher": m.identity.is_dispatcher_of(team_id)} for m in members]}


def case_data(case_id: str, *, number: str = "SAG 2611-0042", status: str = "registered", team_id: str | None = None,
              version: int = 1, actor_id: str | None = None, changes: dict | None = None, **fields: Any) -> dict:
    data = {"id": case_id, "number": number, "title": "Printeren på 3. sal virker ikke", "description": "…",
            "status": status, "priority": "normal", "team_id": team_id, "assignee_id": None,
            "merged_into_id": None, "open_blocking_tasks": 0, "version": version, "actor_id": actor_id,
            "changes": changes or {}}
    data.update(fields)
    return data


class EventDesk:
    """Events into the tasks service: straight through its dispatcher, or over RabbitMQ."""

    def __init__(self, context, bus):
        self.context, self.bus = context, bus
        self.dispatcher = EventDispatcher(context.name, context.database, HANDLERS)

    @staticmethod
    def event(event_type: str, data: dict, source: str = "cases") -> Event:
        return Event.new(event_type, service=source, subject=data.get("id") or data.get("task_id") or "-", data=data)

    def apply(self, event_type: str, data: dict, source: str = "cases") -> Event:
        """Hand the event to the consumer code as the worker does, without the broker."""
        event = self.event(event_type, data, source)
        self.dispatcher(event)
        return event

    def publish(self, event_type: str, data: dict, source: str = "cases") -> Event:
        event = self.event(event_type, data, source)
        self.bus.publish_many([OutgoingMessage(event.type, event.to_json(), event.id)])
        return event

    def deliver(self, event_type: str, data: dict, source: str = "cases", timeout: float = 20.0) -> Event:
        """Publish over RabbitMQ and wait until the worker has committed its effects."""
        event = self.publish(event_type, data, source)
        assert wait_for(lambda: self.handled(event.id), timeout), f"{event_type} was not consumed in time"
        return event

    def handled(self, event_id: str) -> bool:
        with self.context.database.transaction() as session:
            return session.execute(select(inbox_table.c.event_id).where(inbox_table.c.event_id == event_id)).first() \
                is not None


class Caller:
    """An HTTP client acting as one person, with the identity token the gateway would forward."""

    def __init__(self, client, sign, person: Person, language: str = "da"):
        self.client, self.sign, self.person, self.language = client, sign, person, language

    def request(self, method: str, path: str, json: Any = None, headers: dict | None = None, **kwargs):
        all_headers = {IDENTITY_HEADER: self.sign(self.person.identity, "tasks"), "Accept-Language": self.language,
                       **(headers or {})}
        return self.client.open(path, method=method, json=json, headers=all_headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json=json if json is not None else {}, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.request("PATCH", path, json=json, **kwargs)


def task_body(world: World, **fields: Any) -> dict:
    body = {"subject": "Genstart printserver", "team_id": world.drift, "approver_id": world.sofie.id,
            "description": "Printserveren PRN-03 svarer ikke; genstart den og tjek printkøen bagefter."}
    body.update(fields)
    return body


class Spy:
    """A queue bound to every event of this test run's exchange: what the service published."""

    def __init__(self, bus, name: str):
        self.conn = bus.connect()
        queue = Queue(f"{bus.queue_prefix}spy.{name}"[:200], exchange=bus.exchange, routing_key="task.#",
                      durable=False, auto_delete=False)
        self.queue = queue(self.conn.channel())
        self.queue.declare()
        self.queue.purge()
        self.seen: list[Event] = []

    def drain(self) -> list[Event]:
        while (message := self.queue.get(no_ack=True)) is not None:
            self.seen.append(Event.from_json(message.body))
        return self.seen

    def wait_for(self, event_type: str, timeout: float = 20.0, **data: Any) -> Event:
        def found():
            return next((e for e in self.drain() if e.type == event_type
                         and all(e.data.get(k) == v for k, v in data.items())), None)

        event = wait_for(found, timeout)
        assert event is not None, f"no {event_type} with {data}; saw {[e.type for e in self.seen]}"
        return event

    def close(self) -> None:
        self.queue.delete()
        self.conn.release()
