"""The real gateway app, served on a local port, for what notify asks of it (contacts, attachments)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import requests
from werkzeug.serving import make_server

from gateway import config as gateway_config
from gateway.app import MIGRATIONS_DIR as GATEWAY_MIGRATIONS
from gateway.app import build_context as gateway_context
from gateway.app import create_app as gateway_app
from servicekit.migrations import upgrade

SERVICE_KEY = "notify-service-key-0123456789abcdef"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@servicedesk.test", "correct horse battery staple"


@dataclass
class RunningGateway:
    url: str
    server: object
    context: object

    def admin_headers(self) -> dict[str, str]:
        response = requests.post(f"{self.url}/api/v1/auth/token",
                                 json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, timeout=10)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.context.database.dispose()


def start_gateway(database_url: str, amqp_url: str, namespace: dict[str, str], keys: tuple[str, str]):
    settings = gateway_config.load({
        "DATABASE_URL": database_url, "AMQP_URL": amqp_url, **namespace,
        "IDENTITY_PRIVATE_KEY": keys[0], "IDENTITY_PUBLIC_KEY": keys[1],
        "SECRET_KEY": "notify-tests-secret-key-0123456789abcdef", "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD, "SERVICE_API_KEYS": f"notify:{SERVICE_KEY}",
        "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "LOG_LEVEL": "WARNING", "LOG_FORMAT": "text",
    })
    upgrade(settings.database_url, GATEWAY_MIGRATIONS)
    context = gateway_context(settings)
    server = make_server("127.0.0.1", 0, gateway_app(settings, context), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return RunningGateway(f"http://127.0.0.1:{server.server_port}", server, context)
