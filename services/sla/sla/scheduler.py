"""The scheduler loop of the worker: fires due timers, safe with any number of replicas.

Each round claims a batch of due timers with ``FOR UPDATE SKIP LOCKED`` and
commits their events through the outbox in the same transaction, so a timer
fires exactly once.  Timers that fell due while no scheduler ran fire at the
first round after the start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from prometheus_client import Counter

from servicekit.db import Database, utcnow

from .service.timers import fire_due_timers, next_due

log = logging.getLogger(__name__)


class TimerScheduler:
    def __init__(self, database: Database, *, batch_size: int = 500, poll_interval: float = 1.0,
                 clock: Callable[[], datetime] = utcnow, fired_counter: Counter | None = None):
        self.database = database
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.clock = clock
        self.fired_counter = fired_counter

    def fire_due(self) -> int:
        """One round: fire up to a batch of due timers; return how many fired."""
        with self.database.transaction() as session:
            fired = fire_due_timers(session, now=self.clock(), limit=self.batch_size)
        if fired and self.fired_counter is not None:
            self.fired_counter.inc(fired)
        return fired

    def seconds_until_next(self) -> float:
        with self.database.transaction() as session:
            due = next_due(session)
        if due is None:
            return self.poll_interval
        return min(self.poll_interval, max(0.0, (due - self.clock()).total_seconds()))

    def run(self, stop: threading.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                if self.fire_due() >= self.batch_size:
                    continue
                # A due timer another replica holds shows as due: do not spin on it.
                wait = max(self.seconds_until_next(), 0.05)
                backoff = 0.5
            except Exception:
                log.exception("timer scheduler failed; retrying in %.1fs", backoff)
                wait, backoff = backoff, min(backoff * 2, 30.0)
            stop.wait(wait)

