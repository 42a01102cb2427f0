"""A notify service on real PostgreSQL and RabbitMQ, with a real SMTP server to send to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from kombu import Queue
from notify_support import MailCatcher, free_port
from sqlalchemy import text

from notify import config
from notify.app import MIGRATIONS_DIR, build_context, create_app
from notify.models import Base
from notify.worker import build_worker
from servicekit.bus import OutgoingMessage
from servicekit.db import Database
from servicekit.migrations import upgrade

MAIL_DOMAIN = "sd.example"


@pytest.fixture(scope="session")
def notify_database_url(postgres_databases):
    """One database for the run, migrated with ``upgrade head`` (so the migration itself is tested)."""
    url = postgres_databases.create("notify")
    upgrade(url, MIGRATIONS_DIR)
    return url


@pytest.fixture
def clean_database(notify_database_url):
    database = Database(notify_database_url)
    tables = ", ".join([*Base.metadata.tables, "outbox", "inbox"])
    with database.transaction() as session:
        session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    database.dispose()


@pytest.fixture
def mail_catcher():
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@dataclass
class RunningNotify:
    settings: object
    context: object
    app: object
    worker: object
    bus: object
    inbound_port: int

    @property
    def database(self) -> Database:
        return self.context.database

    def publish(self, *events) -> None:
        self.bus.publish_many([OutgoingMessage(e.type, e.to_json(), e.id) for e in events])

    def client(self, identity, sign_identity):
        client = self.app.test_client()
        client.environ_base["HTTP_X_SERVICEDESK_IDENTITY"] = sign_identity(identity, "notify")
        return client


def notify_environ(database_url, rabbitmq_url, bus_namespace, identity_keys, smtp_url, **overrides):
    environ = {
        "DATABASE_URL": database_url, "AMQP_URL": rabbitmq_url,
        "EVENTS_EXCHANGE": bus_namespace["EVENTS_EXCHANGE"],
        "QUEUE_EXPIRES": bus_namespace["QUEUE_EXPIRES"],
        "QUEUE_PREFIX": f"{bus_namespace['QUEUE_PREFIX']}{uuid.uuid4().hex[:6]}.",
        "IDENTITY_PUBLIC_KEY": identity_keys[1], "LOG_FORMAT": "text",
        "SMTP_URL": smtp_url, "MAIL_FROM": f"Servicedesk <servicedesk@{MAIL_DOMAIN}>",
        "INBOUND_ADDRESS": f"sag@{MAIL_DOMAIN}", "PUBLIC_URL": "https://servicedesk.example",
        "RETRY_DELAYS": "0.2,0.5", "MAIL_RETRY_DELAYS": "0.3", "MAIL_POLL_SECONDS": "0.1",
        "WEBHOOK_RETRY_DELAYS": "0.3", "WEBHOOK_POLL_SECONDS": "0.1", "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "INBOUND_SMTP_HOST": "127.0.0.1", "INBOUND_SMTP_PORT": str(free_port()),
        "GATEWAY_URL": "http://127.0.0.1:9", "SERVICE_API_KEY": "notify-test-key-0123456789",
    }
    environ.update(overrides)
    return environ


@pytest.fixture
def start_notify(clean_database, rabbitmq_url, bus_namespace, identity_keys, rabbit_bus):
    """``start_notify(smtp_url=..., **environment)`` starts the app and the worker; all stop at the end."""
    started = []

    def start(smtp_url: str, **overrides) -> RunningNotify:
        environ = notify_environ(clean_database.url, rabbitmq_url, bus_namespace, identity_keys, smtp_url,
                                 **overrides)
        settings = config.load(environ)
        context = build_context(settings)
        app = create_app(settings, context)
        worker = build_worker(context)
        worker.start()
        assert worker.wait_until_consuming(30)
        running = RunningNotify(settings, context, app, worker, context.bus, settings.inbound_smtp_port)
        started.append(running)
        return running

    yield start
    for running in started:
        running.worker.stop(timeout=10)
        topology = running.worker.consumer.topology
        with running.bus.connect() as conn:
            topology.delete(conn.channel())
        running.context.database.dispose()


@pytest.fixture
def notify_service(start_notify, mail_catcher) -> RunningNotify:
    return start_notify(mail_catcher.url)


@pytest.fixture(scope="module")
def real_gateway(postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    """The gateway app itself (its own database) serving on a local port."""
    from notify_gateway import start_gateway

    gateway = start_gateway(postgres_databases.create("gateway"), rabbitmq_url,
                            {**bus_namespace, "QUEUE_PREFIX": f"{bus_namespace['QUEUE_PREFIX']}gw."}, identity_keys)
    yield gateway
    gateway.stop()


@pytest.fixture
def published(rabbit_bus, request):
    """What is published on the run's exchange under ``email.received``: ``published()`` drains it."""
    conn = rabbit_bus.connect()
    queue = Queue(f"{rabbit_bus.queue_prefix}spy.{uuid.uuid4().hex[:8]}", exchange=rabbit_bus.exchange,
                  routing_key="email.received", durable=False, auto_delete=False)
    bound = queue(conn.channel())
    bound.declare()
    seen = []

    def drain():
        while (message := bound.get(no_ack=True)) is not None:
            seen.append(message)
        return list(seen)

    yield drain
    bound.delete()
    conn.release()
