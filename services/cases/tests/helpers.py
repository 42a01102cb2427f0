"""Test helpers: calling the service as the gateway would, and a directory fed through the real handlers."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import select, text

from cases import config
from cases.api.common import OPTIONS_KEY
from cases.consumers import make_handlers
from cases.models import Base
from servicekit.auth import IDENTITY_HEADER, Identity
from servicekit.events import Event
from servicekit.outbox import outbox_table
from servicekit.worker import EventDispatcher

TABLES = [t.name for t in reversed(Base.metadata.sorted_tables)] + ["outbox", "inbox"]


def make_settings(database_url: str, data_dir: str, public_key: str, amqp_url: str = "memory://", **extra: str):
    environ = {
        "DATABASE_URL": database_url,
        "AMQP_URL": amqp_url,
        "IDENTITY_PUBLIC_KEY": public_key,
        "DATA_DIR": data_dir,
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    return config.load(environ)


def truncate_all(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


@dataclass
class Answer:
    status: int
    json: Any
    headers: Any
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


class Api:
    """Calls the app with a signed identity, like the gateway: ``api.as_(alice).get("/api/v1/cases")``."""

    def __init__(self, app: Flask, sign):
        self.app = app
        self.client = app.test_client()
        self.sign = sign

    def as_(self, identity: Identity) -> Caller:
        return Caller(self, identity)


@dataclass
class Caller:
    api: Api
    identity: Identity

    def request(self, method: str, path: str, *, headers: dict | None = None, **kwargs: Any) -> Answer:
        all_headers = {IDENTITY_HEADER: self.api.sign(self.identity, "cases"), "Accept-Language": "en",
                       **(headers or {})}
        response = self.api.client.open(path, method=method, headers=all_headers, **kwargs)
        body = response.get_data()
        payload = response.get_json(silent=True) if response.is_json else None
        return Answer(response.status_code, payload, response.headers, body)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Answer:
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Answer:
        return self.request("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Answer:
        return self.request("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Answer:
        return self.request("DELETE", path, **kwargs)


def outbox_events(app: Flask, subject: str | None = None) -> list[dict[str, Any]]:
    """The events the service recorded (in order), as CloudEvent dicts; only those about ``subject`` if given."""
    with app.extensions["servicekit"].database.transaction() as session:
        bodies = session.scalars(select(outbox_table.c.body).order_by(outbox_table.c.id)).all()
    events = [Event.from_json(body) for body in bodies]
    return [{"type": e.type, "subject": e.subject, "id": e.id, "causationid": e.causationid, "data": e.data}
            for e in events if subject in (None, e.subject)]


def event(type_: str, data: dict[str, Any], source: str = "servicedesk/gateway", id: str | None = None) -> Event:
    subject = str(data.get("id") or data.get("case_id") or "none")
    return Event(type=type_, source=source, subject=subject, data=data, id=id or str(uuid.uuid4()))


def mail(sender, *, subject="Hjælp", body="Min skærm er sort", case=None, attachments=(), message_id=None,
         from_email=None, event_id=None):
    """An ``email.received`` as notify publishes it; ``case`` (a case as the API shows it) names it in the subject."""
    data = {
        "id": str(uuid.uuid4()), "message_id": message_id or f"<{uuid.uuid4()}@mail.example.dk>",
        "in_reply_to": None, "references": [], "from_email": from_email or sender.email,
        "from_name": sender.name, "sender_user_id": sender.user_id, "to": ["support@servicedesk.dk"], "cc": [],
        "subject": subject if case is None else f"SV: [{case['number']}] {subject}", "body": body,
        "case_number": case["number"] if case else None, "case_id": None,
        "matched_by": "subject" if case else None,
        "attachments": [{"filename": name, "content_type": "application/octet-stream", "size": len(content),
                         "sha256": hashlib.sha256(content).hexdigest(),
                         "content_base64": base64.b64encode(content).decode()} for name, content in attachments],
        "received_at": "2026-11-25T10:00:00+01:00",
    }
    return event("email.received", data, source="servicedesk/notify", id=event_id)


@dataclass
class World:
    """Organisations, teams and users, told to the service through its own event handlers."""

    app: Flask
    versions: dict[str, int] = field(default_factory=dict)
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def context(self):
        return self.app.extensions["servicekit"]

    def deliver(self, event_: Event) -> None:
        handlers = make_handlers(self.context.extras[OPTIONS_KEY])
        EventDispatcher("cases", self.context.database, handlers)(event_)

    def _next_version(self, key: str) -> int:
        self.versions[key] = self.versions.get(key, 0) + 1
        return self.versions[key]

    def organisation(self, name: str = "Styrelsen", case_visibility: str = "own") -> str:
        org_id = str(uuid.uuid4())
        self.deliver(event("organisation.created", {"id": org_id, "name": name, "case_visibility": case_visibility,
                                                    "mail_domains": [], "version": self._next_version(org_id)}))
        return org_id

    def team(self, name: str = "Support") -> str:
        team_id = str(uuid.uuid4())
        self.teams[team_id] = {"id": team_id, "name": name, "email": None, "members": []}
        self._announce_team(team_id, "team.created")
        return team_id

    def _announce_team(self, team_id: str, type_: str) -> None:
        team = self.teams[team_id]
        self.deliver(event(type_, {**team, "version": self._next_version(team_id)}))

    def user(self, roles=("requester",), organisation_id: str | None = None, teams=(), dispatcher_of=(),
             name: str = "Test Person", email: str | None = None, active: bool = True) -> Identity:
        user_id = str(uuid.uuid4())
        email = email or f"{user_id[:8]}@example.dk"
        all_teams = sorted({*teams, *dispatcher_of})
        self.deliver(event("user.created", {
            "id": user_id, "email": email, "name": name, "roles": list(roles), "organisation_id": organisation_id,
            "team_ids": all_teams, "language": "da", "active": active, "shared_mailbox": False,
            "version": self._next_version(user_id)}))
        for team_id in all_teams:
            self.teams[team_id]["members"].append({"user_id": user_id, "dispatcher": team_id in dispatcher_of})
            self._announce_team(team_id, "team.member_added")
        return Identity(user_id=user_id, roles=frozenset(roles), email=email, name=name,
                        organisation_id=organisation_id, team_ids=frozenset(all_teams),
                        dispatcher_team_ids=frozenset(dispatcher_of))

    def task(self, case_id: str, *, task_id: str | None = None, version: int = 1, status: str = "registered",
             blocks: bool = True, number: str = "TSK 2611-0001", subject: str = "Opdatér serveren") -> str:
        task_id = task_id or str(uuid.uuid4())
        self.deliver(event(f"task.{'created' if version == 1 else 'updated'}", {
            "id": task_id, "case_id": case_id, "number": number, "subject": subject, "status": status,
            "blocks_case_closure": blocks, "version": version}, source="servicedesk/tasks"))
        return task_id
