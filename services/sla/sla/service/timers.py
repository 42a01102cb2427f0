"""Timers in the database: kept in step with the clocks, fired once each by the scheduler.

Lock order, which keeps the consumers and any number of schedulers free of deadlocks:
a consumer locks the case (or task) row, then its timers; the scheduler locks only
timers, and skips those someone holds.  A timer and the event it causes commit together.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from servicekit.events import Event
from servicekit.outbox import record_events

from .. import events
from ..domain import TimerKind, WantedTimer, remaining_seconds
from ..models import CaseClock, Timer
from .policies import rules_of

log = logging.getLogger(__name__)

timers_table = Timer.__table__


def lock_timers(session: Session, subject_id: str) -> list[Timer]:
    """Every timer of a case or task, pending ones locked (waits for a scheduler firing one of them)."""
    return list(session.scalars(
        select(Timer).where(Timer.subject_id == subject_id).with_for_update().execution_options(
            populate_existing=True)
    ))


def fired_keys(timers: Iterable[Timer]) -> set[tuple[str, str]]:
    return {(t.kind, t.metric) for t in timers if t.fired_at is not None}


def auto_closed_versions(timers: Iterable[Timer]) -> set[int]:
    """The resolutions (the versions that resolved the case) whose auto-close has fired."""
    return {t.payload.get("case_version") for t in timers if t.kind == TimerKind.AUTO_CLOSE and t.fired_at is not None}


def sync_timers(session: Session, subject_id: str, timers: list[Timer], wanted: Iterable[WantedTimer]) -> None:
    """Make the pending timers of ``subject_id`` exactly ``wanted``: move, add, or cancel."""
    pending = {(t.kind, t.metric): t for t in timers if t.fired_at is None}
    for want in wanted:
        timer = pending.pop((want.kind, want.metric), None)
        if timer is None:
            timer = Timer(kind=want.kind.value, subject_id=subject_id, metric=want.metric, due_at=want.due_at,
                          payload=want.payload)
            session.add(timer)
            timers.append(timer)
        elif timer.due_at != want.due_at or timer.payload != want.payload:
            timer.due_at, timer.payload = want.due_at, want.payload
    for timer in pending.values():
        session.delete(timer)
        timers.remove(timer)


def fire_now(session: Session, timers: list[Timer], *, kind: TimerKind, subject_id: str, metric: str,
             due_at: datetime, now: datetime) -> None:
    """Mark a timer fired outside the scheduler (a breach noticed when a clock is met late)."""
    for timer in timers:
        if timer.kind == kind and timer.metric == metric and timer.fired_at is None:
            timer.fired_at = now
            return
    timer = Timer(kind=kind.value, subject_id=subject_id, metric=metric, due_at=due_at, fired_at=now, payload={})
    session.add(timer)
    timers.append(timer)


# -- the scheduler's side ------------------------------------------------------------------------


def fire_due_timers(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Claim up to ``limit`` due timers (each exactly once across replicas) and record their events.

    A timer is due once its instant has passed (``due_at < now``): a clock met exactly at its due
    time is in time, so its breach must not go out at that instant.
    """
    due = (
        select(timers_table.c.id)
        .where(timers_table.c.fired_at.is_(None), timers_table.c.due_at < now)
        .order_by(timers_table.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = session.execute(
        update(timers_table).where(timers_table.c.id.in_(due.scalar_subquery())).values(fired_at=now)
        .returning(timers_table.c.kind, timers_table.c.subject_id, timers_table.c.metric, timers_table.c.due_at,
                   timers_table.c.payload)
    ).all()
    if not claimed:
        return 0
    clocks = _clocks_of(session, [t.subject_id for t in claimed if t.kind in _CASE_KINDS])
    found = (_event_for(timer, clocks.get(timer.subject_id), now) for timer in claimed)
    record_events(session, [event for event in found if event is not None])
    return len(claimed)


_CASE_KINDS = {TimerKind.SLA_WARNING.value, TimerKind.SLA_BREACH.value, TimerKind.AUTO_CLOSE.value}
_NOTICE_TYPES = {TimerKind.SLA_WARNING.value: events.SLA_WARNING, TimerKind.SLA_BREACH.value: events.SLA_BREACHED}


def _clocks_of(session: Session, case_ids: list[str]) -> dict[str, CaseClock]:
    if not case_ids:
        return {}
    rows = session.scalars(
        select(CaseClock).where(CaseClock.case_id.in_(set(case_ids)))
        .options(selectinload(CaseClock.metrics))
    ).all()
    return {clock.case_id: clock for clock in rows}


def _event_for(timer, clock: CaseClock | None, now: datetime) -> Event | None:
    if timer.kind == TimerKind.TASK_DEADLINE:
        return events.task_deadline_passed(timer.subject_id, timer.due_at, timer.payload)
    if timer.kind == TimerKind.AUTO_CLOSE:
        return events.auto_close_due(timer.subject_id, timer.payload, clock)
    metric = clock.metric(timer.metric) if clock is not None else None
    if metric is None or clock.policy is None:
        log.warning("timer %s for case %s has no clock; nothing published", timer.kind, timer.subject_id)
        return None
    rules = rules_of(clock.policy)
    if timer.kind == TimerKind.SLA_WARNING and remaining_seconds(metric, rules.calendar, now) <= 0:
        return None  # already overdue (a clock first seen late): the breach says it, a warning would mislead
    return events.sla_notice(_NOTICE_TYPES[timer.kind], clock, metric, rules=rules, at=now)


def next_due(session: Session, *, after: datetime | None = None) -> datetime | None:
    """When the first pending timer is due (of those not due yet at ``after``, if given)."""
    pending = select(timers_table.c.due_at).where(timers_table.c.fired_at.is_(None))
    if after is not None:
        pending = pending.where(timers_table.c.due_at >= after)
    return session.scalar(pending.order_by(timers_table.c.due_at).limit(1))


def any_due(session: Session, *, at: datetime) -> bool:
    """Whether a timer due at ``at`` is pending: after a round at ``at``, one someone else holds."""
    return session.scalar(select(timers_table.c.id).where(
        timers_table.c.fired_at.is_(None), timers_table.c.due_at < at).limit(1)) is not None


def timer_status(session: Session, *, now: datetime, late_after: float = 60.0) -> dict:
    """For operators: pending timers, those overdue by more than ``late_after`` seconds, the next due time."""
    late = now - timedelta(seconds=late_after)
    pending, overdue, first = session.execute(
        select(func.count(), func.count().filter(timers_table.c.due_at <= late), func.min(timers_table.c.due_at))
        .where(timers_table.c.fired_at.is_(None))
    ).one()
    return {"pending": pending, "overdue": overdue, "next_due": first}
