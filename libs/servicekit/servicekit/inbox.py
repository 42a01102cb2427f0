"""Inbox: one row per (consumer, event id), claimed in the handler's transaction.

A redelivered event finds its row already there and changes nothing twice.  Rows older
than the retention (``INBOX_RETENTION_DAYS``, 30 days by default, far beyond any redelivery
or DLQ replay) are purged by the worker in small batches, found by the index on ``received_at``.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import Column, Index, Insert, PrimaryKeyConstraint, String, Table, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .db import Database, UtcDateTime, kit_metadata, utcnow

log = logging.getLogger(__name__)

inbox_table = Table(
    "inbox",
    kit_metadata,
    Column("consumer", String(80), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(120), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False, default=utcnow),
    PrimaryKeyConstraint("consumer", "event_id"),
    Index(None, "received_at"),  # the retention purge looks for the oldest claims
)


def _claim_statement(insert) -> Insert:
    return (insert(inbox_table).on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(inbox_table.c.event_id))


# Made once: building the statement anew for each event cost more than a tenth of a millisecond.
_CLAIM_ON_POSTGRESQL = _claim_statement(postgresql.insert)
_CLAIM_ON_SQLITE = _claim_statement(sqlite.insert)


def claim(session: Session, consumer: str, event_id: str, event_type: str) -> bool:
    """True the first time this consumer sees ``event_id``; False for a duplicate."""
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = _CLAIM_ON_POSTGRESQL if postgres else _CLAIM_ON_SQLITE
    row = session.execute(statement, {"consumer": consumer, "event_id": event_id, "event_type": event_type}).first()
    return row is not None


class InboxRetention:
    """Forgets inbox claims older than ``keep``, a batch per transaction, so no purge holds long locks.

    A duplicate of an event older than ``keep`` would be applied again: keep it far beyond the
    longest a message can wait for redelivery (retries, a DLQ before its replay).
    """

    def __init__(self, database: Database, keep: timedelta, *, batch_size: int = 1000,
                 interval: float = 3600.0):
        self.database = database
        self.keep = keep
        self.batch_size = batch_size
        self.interval = interval

    def purge_batch(self, cutoff: datetime) -> int:
        """Delete at most one batch of claims received before ``cutoff``; return how many went."""
        old = (select(inbox_table.c.consumer, inbox_table.c.event_id)
               .where(inbox_table.c.received_at < cutoff).limit(self.batch_size))
        with self.database.transaction() as session:
            result = session.execute(
                delete(inbox_table).where(tuple_(inbox_table.c.consumer, inbox_table.c.event_id).in_(old))
            )
        return result.rowcount or 0

    def purge(self, stop: threading.Event | None = None, now: datetime | None = None) -> int:
        """Delete every claim older than the retention, batch by batch, until none is left (or ``stop``)."""
        cutoff = (now or utcnow()) - self.keep
        total = 0
        while stop is None or not stop.is_set():
            removed = self.purge_batch(cutoff)
            total += removed
            if removed < self.batch_size:
                break
        return total

    def run(self, stop: threading.Event) -> None:
        """Purge now and every ``interval`` seconds until ``stop``; a failed round is tried again next time."""
        while not stop.is_set():
            try:
                if purged := self.purge(stop):
                    log.info("forgot %d inbox claims older than %s", purged, self.keep)
            except Exception:  # the database may be away for a while
                log.exception("purging the inbox failed; trying again in %.0f s", self.interval)
            stop.wait(self.interval)
