"""Transactional outbox: events commit with the change that caused them.

``record_event`` inserts the event into the service's ``outbox`` table inside
the caller's transaction.  The :class:`OutboxRelay` publishes unpublished rows
in batches with publisher confirms and marks them published.  On PostgreSQL
several relays share the work through ``FOR UPDATE SKIP LOCKED`` and wake on
``NOTIFY`` (sent by the writing transaction, delivered only on commit); in one
process a commit hook wakes the relay directly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from .bus import EventBus, OutgoingMessage, PublishConnection
from .db import Database, UtcDateTime, kit_metadata, utcnow
from .events import Event

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "servicekit_outbox"

outbox_table = Table(
    "outbox",
    kit_metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(120), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("published_at", UtcDateTime(), nullable=True),
    Index(
        "ix_outbox_unpublished",
        "id",
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    ),
    Index("ix_outbox_published_at", "published_at"),
)


class _Wakeups:
    """In-process signals from committing sessions to the relay of the same database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signals: dict[str, threading.Event] = {}

    def signal_for(self, url: str) -> threading.Event:
        with self._lock:
            return self._signals.setdefault(url, threading.Event())


wakeups = _Wakeups()


_RECORD = insert(outbox_table)  # made once, not for every event


def record_event(session: Session, event_: Event) -> None:
    """Add ``event_`` to the outbox in the session's current transaction."""
    session.execute(_RECORD, {"event_id": event_.id, "event_type": event_.type, "body": event_.to_json().decode()})
    _wake_relay_after_commit(session)


def record_events(session: Session, events: Iterable[Event]) -> None:
    """Add several events to the outbox in one statement (a batch of timers, a bulk change)."""
    rows = [{"event_id": e.id, "event_type": e.type, "body": e.to_json().decode()} for e in events]
    if rows:
        session.execute(insert(outbox_table), rows)
        _wake_relay_after_commit(session)


_WAKE_KEY = "servicekit_outbox_wake"


def _wake_relay_after_commit(session: Session) -> None:
    """Arrange, once per transaction, that the relays hear of the commit (and only of a commit)."""
    if _WAKE_KEY in session.info:
        return
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
    session.info[_WAKE_KEY] = bind.url.render_as_string(hide_password=False)


@event.listens_for(Session, "after_commit")
def _signal_relay(session: Session) -> None:
    url = session.info.pop(_WAKE_KEY, None)
    if url:
        wakeups.signal_for(url).set()


@event.listens_for(Session, "after_rollback")
def _forget_wake(session: Session) -> None:
    session.info.pop(_WAKE_KEY, None)


def pending_count(database: Database) -> int:
    """How many committed events wait to be published."""
    with database.transaction() as session:
        return session.scalar(
            select(func.count()).select_from(outbox_table).where(outbox_table.c.published_at.is_(None))
        )


def publish_again_since(database: Database, since: datetime) -> int:
    """Put the events published since ``since`` back in the outbox, to be published once more.

    For a broker that lost what it held (the in-process one, when its process was killed): the
    consumers' inbox drops the copies they had already handled.
    """
    with database.transaction() as session:
        result = session.execute(
            update(outbox_table).where(outbox_table.c.published_at >= since).values(published_at=None)
        )
    return result.rowcount or 0


class OutboxRelay:
    """Publishes the outbox of one database; safe to run in several replicas on PostgreSQL."""

    def __init__(self, database: Database, bus: EventBus, *, batch_size: int = 200, idle_wait: float = 1.0,
                 retention: timedelta = timedelta(days=7),
                 on_published: Callable[[int], None] | None = None):
        self.database = database
        self.bus = bus
        self.batch_size = batch_size
        self.idle_wait = idle_wait
        self.retention = retention
        self.on_published = on_published or (lambda n: None)
        self._wake = wakeups.signal_for(database.engine.url.render_as_string(hide_password=False))
        self._last_purge = datetime.min.replace(tzinfo=UTC)

    def publish_pending(self, conn=None) -> int:
        """Publish one batch; return how many rows were published."""
        with self.database.transaction() as session:
            rows = session.execute(
                select(outbox_table.c.id, outbox_table.c.event_id, outbox_table.c.event_type, outbox_table.c.body)
                .where(outbox_table.c.published_at.is_(None))
                .order_by(outbox_table.c.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            messages = [OutgoingMessage(r.event_type, r.body.encode(), r.event_id) for r in rows]
            self.bus.publish_many(messages, conn)
            session.execute(
                update(outbox_table)
                .where(outbox_table.c.id.in_([r.id for r in rows]))
                .values(published_at=datetime.now(UTC))
            )
        self.on_published(len(rows))
        return len(rows)

    def pending_count(self) -> int:
        return pending_count(self.database)

    def purge_published(self, now: datetime | None = None) -> int:
        cutoff = (now or datetime.now(UTC)) - self.retention
        with self.database.transaction() as session:
            result = session.execute(delete(outbox_table).where(outbox_table.c.published_at < cutoff))
        return result.rowcount or 0

    def run(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set, waking on commits and polling every ``idle_wait`` seconds."""
        listener = _PostgresListener(self.database.url) if self.database.is_postgres else None
        if listener:
            listener.listen()  # before the first look at the outbox, so no commit after it goes unheard
        backoff = 0.5
        publisher = PublishConnection(self.bus)
        try:
            while not stop.is_set():
                try:
                    published = self.publish_pending(publisher.get())
                    if published:
                        publisher.used()
                    backoff = 0.5
                    self._purge_now_and_then()
                except Exception:
                    log.exception("outbox relay failed; retrying in %.1fs", backoff)
                    publisher.release()
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 30.0)
                    continue
                if published < self.batch_size:
                    self._wait_for_work(stop, listener)
        finally:
            publisher.release()
            if listener:
                listener.close()

    def _wait_for_work(self, stop: threading.Event, listener: _PostgresListener | None) -> None:
        """Sleep until a commit, a NOTIFY, the poll interval or a stop, whichever comes first."""
        deadline = time.monotonic() + self.idle_wait
        while not stop.is_set() and time.monotonic() < deadline:
            slice_ = min(0.25, max(0.0, deadline - time.monotonic()))
            if self._wake.is_set() or (listener.wait(slice_) if listener else self._wake.wait(slice_)):
                break
        self._wake.clear()

    def _purge_now_and_then(self) -> None:
        now = datetime.now(UTC)
        if now - self._last_purge > timedelta(hours=1):
            self._last_purge = now
            purged = self.purge_published(now)
            if purged:
                log.info("purged %d published outbox rows", purged)


class _PostgresListener:
    """A LISTEN connection that tells the relay a writer has committed."""

    def __init__(self, url: str):
        self.conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn: psycopg.Connection | None = None
        self._retry_at = 0.0

    def listen(self) -> bool:
        """Open the LISTEN connection if it is not open; False (the relay polls) when that fails."""
        if self.conn is not None and not self.conn.closed:
            return True
        if time.monotonic() < self._retry_at:
            return False
        try:
            self.conn = psycopg.connect(self.conninfo, autocommit=True)
            self.conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            return True
        except psycopg.Error:
            log.warning("outbox LISTEN connection failed; polling", exc_info=True)
            self.close()
            self._retry_at = time.monotonic() + 5.0
            return False

    def wait(self, timeout: float) -> bool:
        if not self.listen():
            time.sleep(timeout)
            return False
        try:
            woke = False
            for _ in self.conn.notifies(timeout=timeout, stop_after=1):
                woke = True
            return woke
        except psycopg.Error:
            log.warning("outbox LISTEN connection lost; polling", exc_info=True)
            self.close()
            return False

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
