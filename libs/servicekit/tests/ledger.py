"""A tiny service used by servicekit's own tests: each handled event adds one ledger row.

Run as a worker process: ``python ledger.py`` with DATABASE_URL, AMQP_URL,
EVENTS_EXCHANGE, QUEUE_PREFIX and LEDGER_DELAY (seconds per event) set.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from sqlalchemy import Column, Integer, String, Table, insert, select
from sqlalchemy.orm import Session

from servicekit.bus import EventBus
from servicekit.cli import service_cli
from servicekit.config import Settings
from servicekit.db import Database, new_metadata
from servicekit.events import Event
from servicekit.metrics import ServiceMetrics
from servicekit.outbox import record_event
from servicekit.web import ServiceContext
from servicekit.worker import Worker

MIGRATIONS_DIR = Path(__file__).parent / "ledger_migrations"

metadata = new_metadata()
ledger = Table(
    "ledger",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("kind", String(50), nullable=False),
)


def create_schema(database: Database) -> None:
    from servicekit import inbox, outbox  # noqa: F401
    from servicekit.db import kit_metadata

    kit_metadata.create_all(database.engine)
    metadata.create_all(database.engine)


def add_entry_and_event(session: Session, kind: str, service: str = "ledger") -> Event:
    """The typical write: a business row and its event, in one transaction."""
    session.execute(insert(ledger).values(event_id="-", kind=kind))
    event = Event.new(f"ledger.{kind}", service=service, subject="ledger", data={"kind": kind, "version": 1})
    record_event(session, event)
    return event


def entries(database: Database) -> list[tuple[str, str]]:
    with database.transaction() as session:
        return [tuple(r) for r in session.execute(select(ledger.c.event_id, ledger.c.kind).order_by(ledger.c.id))]


def make_handlers(delay: float = 0.0, fail_kinds: tuple[str, ...] = ()):
    def on_any(session: Session, event: Event) -> None:
        if event.data.get("kind") in fail_kinds:
            raise RuntimeError(f"cannot handle {event.data['kind']}")
        if delay:
            time.sleep(delay)
        session.execute(insert(ledger).values(event_id=event.id, kind=event.data.get("kind", "?")))

    return {"ledger.#": on_any}


def make_context(database_url: str, amqp_url: str, exchange: str, prefix: str, name: str = "ledger",
                 retry_delays=(0.2, 0.4), max_deliveries: int = 5, inbox_retention_days: int = 30) -> ServiceContext:
    settings = Settings({
        "service_name": name, "database_url": database_url, "amqp_url": amqp_url,
        "retry_delays": list(retry_delays), "max_deliveries": max_deliveries, "consumer_prefetch": 10,
        "worker_metrics_port": None, "inbox_retention_days": inbox_retention_days,
    })
    return ServiceContext(
        name=name, settings=settings, database=Database(database_url),
        bus=EventBus(amqp_url, exchange=exchange, queue_prefix=prefix), verifier=None,
        metrics=ServiceMetrics(name),
    )


def ledger_cli(context: ServiceContext):
    """``ledger-manage``, built as every service's ``manage.py`` builds its own."""
    return service_cli("ledger", load_settings=lambda: context.settings, build_context=lambda settings: context,
                       build_worker=lambda ctx: Worker(ctx, handlers=make_handlers()), migrations_dir=MIGRATIONS_DIR)


if __name__ == "__main__":
    context = make_context(os.environ["DATABASE_URL"], os.environ["AMQP_URL"], os.environ["EVENTS_EXCHANGE"],
                           os.environ["QUEUE_PREFIX"], max_deliveries=int(os.environ.get("LEDGER_MAX_DELIVERIES", "5")))
    worker = Worker(context, handlers=make_handlers(float(os.environ.get("LEDGER_DELAY", "0"))))
    print("ready", flush=True)
    sys.exit(worker.run_forever())
