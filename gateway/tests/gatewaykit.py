"""Test helpers: start the real gateway app and act as its users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from gateway import config
from gateway.app import MIGRATIONS_DIR, build_context, create_app
from servicekit.migrations import upgrade

ADMIN_EMAIL = "admin@servicedesk.test"
ADMIN_PASSWORD = "correct horse battery staple"
SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
SERVICE_KEYS = {"notify": "notify-key-0123456789abcdef", "tasks": "tasks-key-0123456789abcdef"}


def gateway_environ(database_url: str, amqp_url: str, namespace: dict[str, str], keys: tuple[str, str],
                    **overrides: str) -> dict[str, str]:
    environ = {
        "DATABASE_URL": database_url,
        "AMQP_URL": amqp_url,
        **namespace,
        "IDENTITY_PRIVATE_KEY": keys[0],
        "IDENTITY_PUBLIC_KEY": keys[1],
        "SECRET_KEY": SECRET_KEY,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SERVICE_API_KEYS": ",".join(f"{name}:{key}" for name, key in SERVICE_KEYS.items()),
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
        "SMTP_URL": "smtp://127.0.0.1:9",  # mails are queued; no test worker sends them unless a test does
    }
    environ.update(overrides)
    return environ


@dataclass
class GatewayHarness:
    app: Flask
    context: Any
    environ: dict[str, str]
    _tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, database_url: str, amqp_url: str, namespace: dict[str, str], keys: tuple[str, str],
              **overrides: str) -> GatewayHarness:
        environ = gateway_environ(database_url, amqp_url, namespace, keys, **overrides)
        settings = config.load(environ)
        upgrade(settings.database_url, MIGRATIONS_DIR)
        context = build_context(settings)
        return cls(app=create_app(settings, context), context=context, environ=environ)

    def stop(self) -> None:
        self.context.database.dispose()

    @property
    def client(self):
        return self.app.test_client()

    def token(self, email: str, password: str) -> str:
        key = f"{email}\n{password}"
        if key not in self._tokens:
            response = self.client.post("/api/v1/auth/token", json={"email": email, "password": password})
            assert response.status_code == 200, response.json
            self._tokens[key] = response.json["access_token"]
        return self._tokens[key]

    def headers(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(email, password)}", **extra}

    @property
    def admin(self) -> dict[str, str]:
        return self.headers()

    def create_organisation(self, **fields: Any) -> dict:
        fields.setdefault("name", f"Org {uuid.uuid4().hex[:8]}")
        response = self.client.post("/api/v1/organisations", json=fields, headers=self.admin)
        assert response.status_code == 201, response.json
        return response.json

    def create_user(self, roles=("requester",), password: str | None = "a fine long password", **fields: Any) -> dict:
        fields.setdefault("email", f"user-{uuid.uuid4().hex[:8]}@example.dk")
        fields.setdefault("name", f"User {uuid.uuid4().hex[:6]}")
        body = {**fields, "roles": list(roles)}
        if password:
            body["password"] = password
        response = self.client.post("/api/v1/users", json=body, headers=self.admin)
        assert response.status_code == 201, response.json
        return {**response.json, "password": password}

    def as_user(self, user: dict) -> dict[str, str]:
        return self.headers(user["email"], user["password"])

    def create_team(self, **fields: Any) -> dict:
        fields.setdefault("name", f"Team {uuid.uuid4().hex[:8]}")
        response = self.client.post("/api/v1/teams", json=fields, headers=self.admin)
        assert response.status_code == 201, response.json
        return response.json

    def add_member(self, team: dict, user: dict, dispatcher: bool = False) -> None:
        response = self.client.post(f"/api/v1/teams/{team['id']}/members",
                                    json={"user_id": user["id"], "dispatcher": dispatcher}, headers=self.admin)
        assert response.status_code == 201, response.json

    def service_headers(self, name: str = "notify") -> dict[str, str]:
        return {"Authorization": f"Bearer {SERVICE_KEYS[name]}"}

    def outbox(self, event_type: str | None = None) -> list[dict]:
        """The events recorded so far (decoded CloudEvents), oldest first."""
        import json

        from sqlalchemy import select

        from servicekit.outbox import outbox_table

        with self.context.database.transaction() as session:
            query = select(outbox_table.c.body).order_by(outbox_table.c.id)
            if event_type:
                query = query.where(outbox_table.c.event_type == event_type)
            return [json.loads(body) for body in session.scalars(query)]


def start_service_app(name: str, database_url: str, amqp_url: str, namespace: dict[str, str],
                      public_key: str):
    """The real app of one service (``cases``, ``tasks``, ...), migrated, ready to serve."""
    import importlib

    package = importlib.import_module(f"{name}.app")
    service_config = importlib.import_module(f"{name}.config")
    settings = service_config.load({"DATABASE_URL": database_url, "AMQP_URL": amqp_url, **namespace,
                                    "IDENTITY_PUBLIC_KEY": public_key, "LOG_LEVEL": "WARNING"})
    upgrade(settings.database_url, package.MIGRATIONS_DIR)
    return package.create_app(settings)
