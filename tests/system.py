"""The whole system as real processes, for cross-service tests.

Each service runs as it does in production: its migrations, a gunicorn web process and a worker process,
on its own fresh PostgreSQL database, all on one RabbitMQ exchange of this test run alone; the gateway in
front; a real SMTP server (aiosmtpd) catching the mail that the notify service sends.
"""

from __future__ import annotations

import email
import email.policy
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import requests
from aiosmtpd.controller import Controller

from servicekit.auth import generate_keypair

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SERVICES = ("cases", "tasks", "notify", "sla")
ADMIN_EMAIL = "admin@servicedesk.test"
ADMIN_PASSWORD = "Admin-Password-1234"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, interval: float = 0.1, message: str = ""):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}")
        time.sleep(interval)


class Mailbox:
    """A real SMTP server that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        message["X-Test-Rcpt-To"] = ", ".join(envelope.rcpt_tos)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address.lower() in m["X-Test-Rcpt-To"].lower()]

    def wait_for(self, predicate: Callable[[EmailMessage], bool], timeout: float = 20.0) -> EmailMessage:
        def find():
            with self._lock:
                return next((m for m in self.messages if predicate(m)), None)

        return wait_for(find, timeout, message="a matching mail")

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                      cwd=str(ROOT), start_new_session=True)

    def stop(self, timeout: float = 20.0) -> int | None:
        if self.popen is None or self.popen.poll() is not None:
            return self.popen.returncode if self.popen else None
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            return self.popen.wait(5)

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class System:
    """Start with ``System.start(...)``; stop with ``system.stop()``."""

    env: dict[str, dict[str, str]]
    ports: dict[str, int]
    mailbox: Mailbox
    log_dir: Path
    processes: list[Process] = field(default_factory=list)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def url_of(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @classmethod
    def start(cls, databases, amqp_url: str, namespace: dict[str, str], log_dir: Path,
              overrides: dict[str, dict[str, str]] | None = None) -> System:
        mailbox = Mailbox()
        mailbox.start()
        keys_dir = log_dir / "keys"
        keys_dir.mkdir(parents=True, exist_ok=True)
        private_pem, public_pem = generate_keypair()
        (keys_dir / "identity.key").write_text(private_pem)
        (keys_dir / "identity.pub").write_text(public_pem)
        ports = {name: free_port() for name in (*SERVICES, "gateway")}
        service_keys = {name: secrets.token_urlsafe(24) for name in SERVICES}
        env = {}
        for name in (*SERVICES, "gateway"):
            env[name] = cls._environ(name, databases.create(name), amqp_url, namespace, keys_dir, ports,
                                     service_keys, mailbox, log_dir)
            env[name].update((overrides or {}).get(name, {}))
        system = cls(env=env, ports=ports, mailbox=mailbox, log_dir=log_dir)
        try:
            system._migrate()
            system._launch()
            system.wait_until_ready()
        except BaseException:
            system.stop()
            raise
        return system

    @staticmethod
    def _environ(name, database_url, amqp_url, namespace, keys_dir, ports, service_keys, mailbox, log_dir):
        env = {
            **os.environ,
            **namespace,
            "SERVICE_NAME": name,
            "DATABASE_URL": database_url,
            "AMQP_URL": amqp_url,
            "IDENTITY_PUBLIC_KEY_FILE": str(keys_dir / "identity.pub"),
            "PORT": str(ports[name]),
            "DATA_DIR": str(log_dir / "data" / name),
            "LOG_FORMAT": "json",
            "RETRY_DELAYS": "0.5,1,2",
            "GATEWAY_URL": f"http://127.0.0.1:{ports['gateway']}",
            "SERVICE_API_KEY": service_keys.get(name, ""),
            "PUBLIC_URL": f"http://127.0.0.1:{ports['gateway']}",
            "SMTP_URL": mailbox.url,
            "INBOUND_SMTP_PORT": str(free_port()) if name == "notify" else "",
            "MAIL_FROM": "servicedesk@servicedesk.test",
            "INBOUND_ADDRESS": "sager@servicedesk.test",
        }
        if name == "gateway":
            env.update({
                "IDENTITY_PRIVATE_KEY_FILE": str(keys_dir / "identity.key"),
                "GATEWAY_PORT": str(ports["gateway"]),
                "SERVICE_API_KEYS": ",".join(f"{svc}:{key}" for svc, key in service_keys.items()),
                "ADMIN_EMAIL": ADMIN_EMAIL,
                "ADMIN_PASSWORD": ADMIN_PASSWORD,
                "SECRET_KEY": secrets.token_urlsafe(32),
                # every test person logs in from 127.0.0.1: the per-client limit would throttle the suite
                # (it is tested on a gateway of its own); the per-address lock-out stays as configured
                "LOGIN_RATE_PER_CLIENT": "100000",
                **{f"{svc.upper()}_URL": f"http://127.0.0.1:{ports[svc]}" for svc in SERVICES},
            })
        return {k: v for k, v in env.items() if v != ""}

    def _migrate(self) -> None:
        for name, env in self.env.items():
            result = subprocess.run([str(BIN / f"{name}-manage"), "migrate"], env=env, cwd=str(ROOT),
                                    capture_output=True, text=True, timeout=120)
            if result.returncode != 0:
                raise RuntimeError(f"{name} migrate failed:\n{result.stdout}\n{result.stderr}")

    def _launch(self) -> None:
        for name, env in self.env.items():
            worker_class = ["-k", "gthread", "--threads", "8"] if name == "gateway" else ["-k", "gthread",
                                                                                          "--threads", "4"]
            web = Process(f"{name}-web", [
                str(BIN / "gunicorn"), f"{name}.wsgi:app", "-b", f"127.0.0.1:{self.ports[name]}", "-w", "2",
                *worker_class, "--no-control-socket", "--timeout", "60", "--graceful-timeout", "10",
            ], env, self.log_dir / f"{name}-web.log")
            worker = Process(f"{name}-worker", [str(BIN / f"{name}-manage"), "worker"], env,
                             self.log_dir / f"{name}-worker.log")
            self.processes += [web, worker]
        for process in self.processes:
            process.start()

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        def all_ready():
            dead = [p.name for p in self.processes if not p.alive()]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} stopped at start; see the logs in {self.log_dir}")
            return all(self._ready(name) for name in self.ports)

        wait_for(all_ready, timeout, interval=0.25, message="every service to be ready")

    def _ready(self, name: str) -> bool:
        try:
            return requests.get(f"{self.url_of(name)}/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def process(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.mailbox.stop()

    # -- convenience for tests ------------------------------------------------------------------

    def session_for(self, email_address: str, password: str) -> requests.Session:
        """A requests session that calls the gateway with a Bearer token for this user."""
        response = requests.post(f"{self.gateway_url}/api/v1/auth/token",
                                 json={"email": email_address, "password": password}, timeout=10)
        assert response.status_code == 200, response.text
        session = ApiSession(self.gateway_url)
        session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return session

    def admin(self) -> requests.Session:
        return self.session_for(ADMIN_EMAIL, ADMIN_PASSWORD)


class ApiSession(requests.Session):
    """requests.Session with the gateway's base URL and a default time-out."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 20)
        if url.startswith("/"):
            url = self.base_url + url
        return super().request(method, url, *args, **kwargs)
