"""Builds and runs every service of the system inside one process.

Each service keeps its own database (a SQLite file unless ``<SERVICE>_DATABASE_URL``
is set) and its own HTTP port; they talk over the in-process broker unless
``AMQP_URL`` is set.  The code paths are those of the real deployment: only the
URLs differ.

The in-process broker keeps nothing: what its queues hold when the process ends is gone,
although the outbox rows say published.  A stop by signal drains the queues first; after a
stop that could not (the process was killed), the next start publishes again every event the
previous run had published, and the consumers' inbox drops those they had already handled.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, make_server

from servicekit.auth import generate_keypair
from servicekit.db import utcnow
from servicekit.migrations import upgrade
from servicekit.outbox import publish_again_since
from servicekit.worker import drain_workers

log = logging.getLogger("servicedesk.embedded")

SERVICES = ("cases", "tasks", "notify", "sla")
# written at the start of a run on the in-process broker, removed once a stop has drained it
RUN_MARKER = "in-process-broker-since"
DEFAULT_PORTS = {"gateway": 8080, "cases": 8101, "tasks": 8102, "notify": 8103, "sla": 8104}


@dataclass
class Component:
    name: str
    port: int
    environ: dict[str, str]
    context: object = None
    app: object = None
    worker: object = None
    server: BaseWSGIServer | None = None
    threads: list[threading.Thread] = field(default_factory=list)


def ensure_keys(data_dir: Path) -> tuple[Path, Path]:
    """The gateway's signing key pair, made once and kept in the data folder."""
    private, public = data_dir / "identity.key", data_dir / "identity.pub"
    if not private.exists():
        private_pem, public_pem = generate_keypair()
        private.write_text(private_pem)
        private.chmod(0o600)
        public.write_text(public_pem)
    return private, public


def ensure_secret(data_dir: Path) -> Path:
    """The gateway's session-signing secret, made once and kept in the data folder."""
    path = data_dir / "secret.key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path


def ensure_service_keys(data_dir: Path) -> dict[str, str]:
    """The key each service uses to call the gateway as a service principal, made once."""
    path = data_dir / "service-keys.json"
    if not path.exists():
        path.write_text(json.dumps({name: secrets.token_urlsafe(32) for name in SERVICES}))
        path.chmod(0o600)
    return json.loads(path.read_text())


def port_of(name: str, base: dict[str, str]) -> int:
    return int(base.get(f"{name.upper()}_PORT") or DEFAULT_PORTS[name])


def component_environ(name: str, base: dict[str, str], data_dir: Path, keys: tuple[Path, Path],
                      smtp_url: str | None) -> dict[str, str]:
    service_keys = ensure_service_keys(data_dir)
    gateway_url = f"http://127.0.0.1:{port_of('gateway', base)}"
    env = {
        "GATEWAY_URL": gateway_url,
        "PUBLIC_URL": gateway_url,
        "MAIL_FROM": "servicedesk@servicedesk.example",
        "INBOUND_ADDRESS": "sager@servicedesk.example",
        "INBOUND_SMTP_PORT": "2525",
        "INBOUND_SMTP_HOST": "127.0.0.1",
        **base,
    }
    env.update({
        "SERVICE_NAME": name,
        "DATABASE_URL": base.get(f"{name.upper()}_DATABASE_URL") or f"sqlite:///{data_dir / (name + '.db')}",
        "AMQP_URL": base.get("AMQP_URL") or "memory://",
        "PORT": str(port_of(name, base)),
        "DATA_DIR": str(data_dir / name),
        "IDENTITY_PUBLIC_KEY_FILE": str(keys[1]),
        "LOG_FORMAT": base.get("LOG_FORMAT", "text"),
    })
    if name == "gateway":
        env["IDENTITY_PRIVATE_KEY_FILE"] = str(keys[0])
        env["GATEWAY_PORT"] = str(port_of("gateway", base))
        if not base.get("SECRET_KEY"):
            env.setdefault("SECRET_KEY_FILE", str(ensure_secret(data_dir)))
        for service in SERVICES:
            env.setdefault(f"{service.upper()}_URL", f"http://127.0.0.1:{port_of(service, base)}")
        env.setdefault("SERVICE_API_KEYS", ",".join(f"{svc}:{key}" for svc, key in service_keys.items()))
    else:
        env.setdefault("SERVICE_API_KEY", service_keys[name])
    if smtp_url:
        env.setdefault("SMTP_URL", smtp_url)
    return env


class EmbeddedSystem:
    def __init__(self, data_dir: Path, base_environ: dict[str, str] | None = None, smtp_url: str | None = None):
        self.data_dir = data_dir.resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.base = dict(os.environ if base_environ is None else base_environ)
        self.base.setdefault("ADMIN_EMAIL", "admin@servicedesk.example")
        keys = ensure_keys(self.data_dir)
        self.components = [
            Component(name, port_of(name, self.base),
                      component_environ(name, self.base, self.data_dir, keys, smtp_url))
            for name in (*SERVICES, "gateway")
        ]

    def build(self) -> None:
        for component in self.components:
            package = importlib.import_module(f"{component.name}.app")
            config = importlib.import_module(f"{component.name}.config")
            settings = config.load(component.environ)
            upgrade(settings.database_url, package.MIGRATIONS_DIR)
            component.context = package.build_context(settings)
            component.app = package.create_app(settings, component.context)
            worker_module = importlib.import_module(f"{component.name}.worker")
            component.worker = worker_module.build_worker(component.context)

    def start(self) -> None:
        """Consumers first, so that every queue is bound before the first event is published; then the
        relays and loops; then HTTP."""
        self._recover_from_an_undrained_stop()
        for component in self.components:
            component.worker.start_consuming()
        if not self.wait_until_consuming():
            log.warning("not every consumer is consuming yet; starting the relays all the same")
        for component in self.components:
            component.worker.start_publishing()
        for component in self.components:
            component.server = make_server("127.0.0.1", component.port, component.app, threaded=True)
            thread = threading.Thread(target=component.server.serve_forever, name=f"{component.name}-http",
                                      daemon=True)
            thread.start()
            component.threads.append(thread)
            log.info("%s listening on http://127.0.0.1:%d", component.name, component.port)

    @property
    def run_marker(self) -> Path:
        return self.data_dir / RUN_MARKER

    def _recover_from_an_undrained_stop(self) -> None:
        """Publish again what a run on the in-process broker published, unless it stopped drained."""
        if self.run_marker.exists():
            since = datetime.fromisoformat(self.run_marker.read_text().strip())
            for component in self.components:
                if again := publish_again_since(component.context.database, since):
                    log.warning("%s: the last run ended without draining the in-process broker; publishing "
                                "%d event(s) again", component.name, again)
        if any(c.context.bus.is_memory for c in self.components):
            self.run_marker.write_text(utcnow().isoformat())
        else:
            self.run_marker.unlink(missing_ok=True)

    def wait_until_consuming(self, timeout: float = 30.0) -> bool:
        return all(c.worker.wait_until_consuming(timeout) for c in self.components)

    def failure(self) -> str | None:
        """Why a worker stopped by itself (a loop died), if one did."""
        return next((f"{c.name}: {c.worker.failure}" for c in self.components
                     if c.worker is not None and c.worker.failure), None)

    def stop(self, drain_timeout: float = 10.0) -> None:
        """Take no more requests, let the events in flight reach their consumers, then stop the workers.

        The in-process broker keeps nothing: an event still in one of its queues when the workers
        stop is gone (its outbox row is already marked published), so the queues are drained first.
        """
        for component in reversed(self.components):
            if component.server is not None:
                component.server.shutdown()
        busy = drain_workers([c.worker for c in self.components if c.worker is not None], drain_timeout)
        if busy:
            log.warning("stopping with events still in flight after %.0f s in %s%s", drain_timeout,
                        ", ".join(w.context.name for w in busy),
                        "; the next start publishes them again" if self.run_marker.exists() else "")
        else:
            self.run_marker.unlink(missing_ok=True)
        for component in reversed(self.components):
            if component.worker is not None:
                component.worker.stop(timeout=10)
            if component.context is not None:
                component.context.database.dispose()

    def url_of(self, name: str) -> str:
        return f"http://127.0.0.1:{port_of(name, self.base)}"
