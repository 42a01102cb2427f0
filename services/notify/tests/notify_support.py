"""Test helpers: events as the other services publish them, a real SMTP server, a real HTTP receiver."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from servicekit.events import Event


def wait_for(predicate, timeout=20.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    return predicate()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- events -------------------------------------------------------------------------------------------


def new_id() -> str:
    return str(uuid.uuid4())


def user_data(name: str, email: str, roles=("requester",), language="da", version=1, **extra) -> dict[str, Any]:
    return {"id": extra.pop("id", new_id()), "email": email, "name": name, "roles": list(roles),
            "organisation_id": extra.pop("organisation_id", None), "team_ids": extra.pop("team_ids", []),
            "language": language, "active": extra.pop("active", True), "shared_mailbox": False,
            "version": version, **extra}


def team_data(name: str, member_ids, email=None, version=1, **extra) -> dict[str, Any]:
    return {"id": extra.pop("id", new_id()), "name": name, "email": email,
            "members": [{"user_id": m, "dispatcher": False} for m in member_ids], "version": version, **extra}


def case_data(*, requester_id, team_id=None, assignee_id=None, follower_ids=(), status="registered", version=1,
              number="SAG 2611-0042", title="Printeren på 3. sal virker ikke", **extra) -> dict[str, Any]:
    return {"id": extra.pop("id", new_id()), "number": number, "title": title,
            "description": extra.pop("description", "Den blinker rødt."), "status": status,
            "priority": "normal", "urgency": "medium", "impact": "medium", "type": "incident", "origin": "portal",
            "private": False, "requester_id": requester_id, "organisation_id": None, "team_id": team_id,
            "assignee_id": assignee_id, "follower_ids": list(follower_ids), "version": version,
            "actor_id": extra.pop("actor_id", None), "changes": extra.pop("changes", {}), **extra}


def task_data(*, case_id, team_id, assignee_id=None, approver_id=None, created_by=None, status="registered",
              version=1, **extra) -> dict[str, Any]:
    return {"id": extra.pop("id", new_id()), "number": "TSK 2611-0007", "case_id": case_id,
            "case_number": "SAG 2611-0042", "subject": "Skift toner", "description": "Toneren i printer P3 er tom.",
            "team_id": team_id, "assignee_id": assignee_id, "approver_id": approver_id, "deadline": None,
            "blocks_case_closure": True, "status": status, "created_by": created_by, "solution": None,
            "version": version, "actor_id": extra.pop("actor_id", None), "changes": extra.pop("changes", {}),
            **extra}


def event(type_: str, data: dict[str, Any], source: str = "tests", **attributes) -> Event:
    """An event as another service publishes it (``causationid=`` and friends may be given)."""
    return Event(type=type_, source=f"servicedesk/{source}", subject=str(data.get("id") or data.get("case_id")),
                 data=data, **attributes)


# -- a real SMTP server ------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


@dataclass
class MailCatcher:
    """An aiosmtpd server that keeps what it receives; it can be started late (a server that was down).

    ``refuse_rcpt`` and ``refuse_data`` map an address to the answer the server gives it instead of
    taking it (``"450 4.2.1 Mailbox busy"``): at RCPT TO, or at the end of DATA of a mail to it.
    """

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    controller: Controller | None = None
    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    refuse_data: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if refusal := next((self.refuse_data[a] for a in envelope.rcpt_tos if a in self.refuse_data), None):
            return refusal
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def wait_for_mail_to(self, address: str, count: int = 1, timeout: float = 20.0) -> list[Received]:
        wait_for(lambda: len(self.to(address)) >= count, timeout)
        return self.to(address)


# -- certificates for TLS servers ------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    """A test CA (``ca``, PEM file) and a server certificate it signed (``cert``, ``key``)."""

    ca: str
    cert: str
    key: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_certificates(directory, names=("localhost",), addresses=("127.0.0.1",)) -> Certificates:
    """A fresh CA and a server certificate for ``names`` and ``addresses``, written under ``directory``."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject, issuer, public_key, signing_key, *, ca: bool, san=None):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "servicedesk test CA")])
    ca = certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    san = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    leaf = certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, (names or addresses)[0])]), ca_name,
                       key.public_key(), ca_key, ca=False, san=san)
    paths = {name: str(Path(directory) / f"{name}.pem") for name in ("ca", "cert", "key")}
    Path(paths["ca"]).write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    Path(paths["cert"]).write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    Path(paths["key"]).write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    return Certificates(**paths)


# -- a real HTTP receiver for webhooks ---------------------------------------------------------------


@dataclass
class WebhookReceiver:
    """Answers with the given status codes in turn (the last one repeats), and ``answer_headers``, and keeps
    every request (of any method)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    requests: list[dict[str, Any]] = field(default_factory=list)
    tls: ssl.SSLContext | None = None  # serve https with this context
    host: str = "127.0.0.1"  # the host name in ``url``
    server_names: list[str] = field(default_factory=list)  # the SNI names clients sent
    answer_headers: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                index = min(len(receiver.requests), len(receiver.statuses) - 1)
                receiver.requests.append({"method": self.command, "headers": dict(self.headers), "body": body})
                self.send_response(receiver.statuses[index])
                for name, value in receiver.answer_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_PUT = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            self.tls.sni_callback = lambda sock, name, context: self.server_names.append(name)
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}/hooks/servicedesk"

    def stop(self) -> None:
        self.server.shutdown()

    def json(self, index: int) -> dict[str, Any]:
        return json.loads(self.requests[index]["body"])


@dataclass
class DrippingReceiver:
    """An HTTP receiver that reads the request, sends ``head`` and then one more byte every ``interval``
    seconds for as long as the client listens (a receiver that holds its caller, on purpose or not)."""

    head: bytes
    interval: float = 0.2
    connections: int = 0
    tls: ssl.SSLContext | None = None
    host: str = "127.0.0.1"

    def start(self) -> None:
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(connection,), daemon=True).start()

    def _drip(self, connection: socket.socket) -> None:
        if self.tls is not None:
            try:
                connection = self.tls.wrap_socket(connection, server_side=True)
            except OSError:
                return
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                if not (received := connection.recv(65536)):
                    return
                request += received
            try:
                connection.sendall(self.head)
                while not self.stopped.wait(self.interval):
                    connection.sendall(b"a")
            except OSError:
                return  # the client gave up: what we want

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.listener.getsockname()[1]}/hooks/slow"

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
