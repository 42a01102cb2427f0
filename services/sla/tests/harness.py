"""Drive the sla service's use cases on one database with time given by the test."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from servicekit.config import Settings
from servicekit.db import Database
from servicekit.events import Event
from servicekit.outbox import outbox_table
from servicekit.worker import EventDispatcher
from sla.consumers import handlers
from sla.models import Timer
from sla.scheduler import TimerScheduler
from sla.service.views import case_sla


class SlaHarness:
    def __init__(self, database: Database, *, auto_close_after: int = 604_800):
        self.database = database
        self.now: datetime | None = None
        settings = Settings({"auto_close_after": auto_close_after})
        self.dispatch = EventDispatcher("sla", database, handlers(settings, clock=lambda: self.now))
        self.scheduler = TimerScheduler(database, clock=lambda: self.now)

    def deliver(self, event: Event, *, at: datetime) -> None:
        self.now = at
        self.dispatch(event)

    def fire(self, *, at: datetime) -> int:
        self.now = at
        return self.scheduler.fire_due()

    def sla(self, case_id: str, *, at: datetime) -> dict:
        with self.database.transaction() as session:
            return case_sla(session, case_id, now=at)

    def published(self, prefix: str = "sla.") -> list[tuple[str, dict]]:
        """The events waiting in the outbox, oldest first: (type, data)."""
        with self.database.transaction() as session:
            rows = session.execute(select(outbox_table.c.event_type, outbox_table.c.body)
                                   .order_by(outbox_table.c.id)).all()
        return [(t, json.loads(body)["data"]) for t, body in rows if t.startswith(prefix)]

    def types(self) -> list[str]:
        return [t for t, _ in self.published()]

    def pending_timers(self, subject_id: str) -> list[tuple[str, str, datetime]]:
        """The timers of a case or task that have not fired: (kind, metric, due_at)."""
        with self.database.transaction() as session:
            return [(t.kind, t.metric, t.due_at) for t in session.scalars(
                select(Timer).where(Timer.subject_id == subject_id, Timer.fired_at.is_(None)).order_by(Timer.id))]
