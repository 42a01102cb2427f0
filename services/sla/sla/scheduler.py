"""The scheduler loop of the worker: fires due timers, safe with any number of replicas.

Each round claims a batch of due timers with ``FOR UPDATE SKIP LOCKED`` and
commits their events through the outbox in the same transaction, so a timer
fires exactly once.  Timers that fell due while no scheduler ran fire at the
first round after the start.  A due timer another replica holds is not polled
for every few milliseconds: the wait doubles while it stays held.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from prometheus_client import Counter

from servicekit.db import Database, utcnow

from .service.timers import any_due, fire_due_timers, next_due

log = logging.getLogger(__name__)


MIN_WAIT = 0.05


def doubled(first: float, times: int, *, cap: float) -> float:
    """``first`` doubled ``times`` times, at most ``cap`` (however long it has been going on)."""
    return min(cap, first * 2 ** min(times, 32))


class TimerScheduler:
    def __init__(self, database: Database, *, batch_size: int = 500, poll_interval: float = 1.0,
                 clock: Callable[[], datetime] = utcnow, fired_counter: Counter | None = None):
        self.database = database
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.clock = clock
        self.fired_counter = fired_counter

    def fire_due(self, now: datetime | None = None) -> int:
        """One round: fire up to a batch of the timers due at ``now`` (default: the clock); return how many."""
        with self.database.transaction() as session:
            fired = fire_due_timers(session, now=now or self.clock(), limit=self.batch_size)
        if fired and self.fired_counter is not None:
            self.fired_counter.inc(fired)
        return fired

    def wait_after_round(self, now: datetime, *, held_rounds: int) -> tuple[float, bool]:
        """How long to wait after a round at ``now`` that claimed all it could, and whether a due timer is held.

        A timer still due at ``now`` is held by another replica (or a consumer moving it): rather than look
        again every few milliseconds, wait longer each round it stays held, up to the poll interval. Never
        past the next timer that was not due yet.
        """
        with self.database.transaction() as session:
            held = any_due(session, at=now)
            upcoming = next_due(session, after=now)
        wait = doubled(MIN_WAIT, held_rounds, cap=self.poll_interval) if held else self.poll_interval
        if upcoming is not None:
            wait = min(wait, max(0.0, (upcoming - self.clock()).total_seconds()))
        return wait, held

    def run(self, stop: threading.Event) -> None:
        failures = held_rounds = 0
        while not stop.is_set():
            try:
                now = self.clock()
                if self.fire_due(now) >= self.batch_size:
                    continue
                wait, held = self.wait_after_round(now, held_rounds=held_rounds)
                held_rounds = held_rounds + 1 if held else 0
                failures = 0
            except Exception:
                wait = doubled(0.5, failures, cap=30.0)
                failures += 1
                log.exception("timer scheduler failed; retrying in %.1fs", wait)
            stop.wait(wait)
