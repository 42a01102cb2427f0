"""The real gateway app, served on a local port, for what notify asks of it (contacts, attachments), and
the real cases service behind it for a case's files."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import requests
from werkzeug.serving import make_server

from cases import config as cases_config
from cases.api.common import OPTIONS_KEY
from cases.app import MIGRATIONS_DIR as CASES_MIGRATIONS
from cases.app import build_context as cases_context
from cases.app import create_app as cases_app
from cases.consumers import make_handlers
from gateway import config as gateway_config
from gateway.app import MIGRATIONS_DIR as GATEWAY_MIGRATIONS
from gateway.app import build_context as gateway_context
from gateway.app import create_app as gateway_app
from servicekit.events import Event
from servicekit.migrations import upgrade
from servicekit.worker import EventDispatcher

SERVICE_KEY = "notify-service-key-0123456789abcdef"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@servicedesk.test", "correct horse battery staple"


@dataclass
class RunningGateway:
    url: str
    server: object
    context: object
    app: object

    def admin_headers(self) -> dict[str, str]:
        response = requests.post(f"{self.url}/api/v1/auth/token",
                                 json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, timeout=10)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.context.database.dispose()


def serve(app, port: int = 0):
    """``app`` served on a local port in a thread (``server.shutdown()`` stops it)."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_gateway(database_url: str, amqp_url: str, namespace: dict[str, str], keys: tuple[str, str],
                  **environ: str):
    settings = gateway_config.load({
        "DATABASE_URL": database_url, "AMQP_URL": amqp_url, **namespace,
        "IDENTITY_PRIVATE_KEY": keys[0], "IDENTITY_PUBLIC_KEY": keys[1],
        "SECRET_KEY": "notify-tests-secret-key-0123456789abcdef", "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD, "SERVICE_API_KEYS": f"notify:{SERVICE_KEY}",
        "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "LOG_LEVEL": "WARNING", "LOG_FORMAT": "text",
        **environ,
    })
    upgrade(settings.database_url, GATEWAY_MIGRATIONS)
    context = gateway_context(settings)
    app = gateway_app(settings, context)
    server = serve(app)
    return RunningGateway(f"http://127.0.0.1:{server.server_port}", server, context, app)


@dataclass
class RunningCases:
    url: str
    server: object
    context: object
    data_dir: str

    def tell(self, event: Event) -> None:
        """Hand the service an event (a team, a user) through its own handlers, as its consumer would."""
        handlers = make_handlers(self.context.extras[OPTIONS_KEY])
        EventDispatcher("cases", self.context.database, handlers)(event)

    def stored_file(self, sha256: str) -> Path:
        """Where the cases service keeps a file's bytes (``files.AttachmentStore``)."""
        return self.context.extras[OPTIONS_KEY].store.path_of(sha256)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.context.database.dispose()


def start_cases(database_url: str, amqp_url: str, namespace: dict[str, str], public_key: str,
                data_dir: str) -> RunningCases:
    settings = cases_config.load({
        "DATABASE_URL": database_url, "AMQP_URL": amqp_url, **namespace, "IDENTITY_PUBLIC_KEY": public_key,
        "DATA_DIR": data_dir, "LOG_LEVEL": "WARNING", "LOG_FORMAT": "text",
    })
    upgrade(settings.database_url, CASES_MIGRATIONS)
    context = cases_context(settings)
    server = serve(cases_app(settings, context))
    return RunningCases(f"http://127.0.0.1:{server.server_port}", server, context, data_dir)
