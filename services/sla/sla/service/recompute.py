"""Re-planning the open clocks when an admin changes a policy or a calendar, a chunk at a time.

No transaction locks every open case: first the open clocks in scope are checkpointed under the
old rules (time already counted stays counted), a chunk per transaction; then the change commits
together with a :class:`ReplanJob`; then each chunk is matched to its policy again and re-planned
under the new rules in a transaction that also advances the job's cursor.  The request that made
the change works the job to its end; a job it left unfinished is finished by the worker.

Until its chunk is re-planned, a clock keeps the timers planned under the old rules; a case event
for it in between already uses the new ones.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from servicekit.db import Database, utcnow

from ..domain import CLOSED, case_timers, checkpoint, select_policy, target_of
from ..models import CaseClock, Policy, ReplanJob, Timer
from .clocks import recheck_clock
from .policies import active_policies, rules_of
from .timers import auto_closed_versions, fired_keys, sync_timers

log = logging.getLogger(__name__)

T = TypeVar("T")
MATCHING = ("organisation_id", "category", "case_type")


def replan_open_clocks(session: Session, *, scope: dict[str, Any], change: Callable[[], T], now: datetime,
                       auto_close_after: timedelta, batch_size: int) -> T:
    """Make ``change`` and re-plan the open clocks in ``scope``; each step commits on its own.

    The change is tried (and rolled back) first, so a refused change leaves everything as it was.
    """
    result, job_id = start_replanning(session, scope=scope, change=change, now=now, batch_size=batch_size)
    finish_replanning(session, job_id, auto_close_after=auto_close_after, batch_size=batch_size)
    return result


def start_replanning(session: Session, *, scope: dict[str, Any], change: Callable[[], T], now: datetime,
                     batch_size: int) -> tuple[T, int]:
    """Checkpoint the clocks in ``scope``, then commit ``change`` with the job that re-plans them."""
    change()
    session.rollback()
    checkpoint_open_clocks(session, scope, now=now, batch_size=batch_size)
    result = change()
    job = ReplanJob(scope=scope, effective_at=now, cursor="", replanned=0)
    session.add(job)
    session.commit()
    return result, job.id


def finish_replanning(session: Session, job_id: int, *, auto_close_after: timedelta, batch_size: int) -> None:
    while not replan_next_chunk(session, job_id, auto_close_after=auto_close_after, batch_size=batch_size):
        pass


def checkpoint_open_clocks(session: Session, scope: dict[str, Any], *, now: datetime, batch_size: int) -> None:
    """Bank the time each open clock in ``scope`` has counted up to ``now``, under the rules it runs on."""
    after = ""
    while True:
        clocks = _lock_open_clocks(session, scope_condition(scope), after=after, limit=batch_size)
        for clock in clocks:
            calendar = rules_of(clock.policy).calendar
            for metric in clock.metrics:
                checkpoint(metric, calendar, now)
        session.commit()
        if len(clocks) < batch_size:
            return
        after = clocks[-1].case_id


def replan_next_chunk(session: Session, job_id: int, *, auto_close_after: timedelta, batch_size: int) -> bool:
    """Re-plan the job's next chunk of clocks and commit; True once the job is finished."""
    job = session.scalar(select(ReplanJob).where(ReplanJob.id == job_id).with_for_update()
                         .execution_options(**_FRESH))
    if job is None or job.finished_at is not None:
        session.commit()
        return True
    clocks = _lock_open_clocks(session, scope_condition(job.scope), after=job.cursor, limit=batch_size)
    timers = _lock_timers_of(session, [c.case_id for c in clocks])
    policies = active_policies(session)
    for clock in clocks:
        _rematch(clock, policies, job.effective_at)
        wanted = case_timers(clock.metrics, fired_keys(timers[clock.case_id]), status=clock.status,
                             resolved_at=clock.resolved_at, resolved_version=clock.resolved_version,
                             auto_closed_versions=auto_closed_versions(timers[clock.case_id]),
                             auto_close_after=auto_close_after)
        sync_timers(session, clock.case_id, timers[clock.case_id], wanted)
    job.replanned += len(clocks)
    if len(clocks) < batch_size:
        job.finished_at = utcnow()
    else:
        job.cursor = clocks[-1].case_id
    session.commit()
    return job.finished_at is not None


# The session lives through several transactions (a request's), and what it loaded in an earlier one
# may have changed since (a case event, a fired timer): every locking read refreshes what it finds.
_FRESH = {"populate_existing": True}


def _lock_open_clocks(session: Session, where: ColumnElement[bool], *, after: str, limit: int) -> list[CaseClock]:
    statement = (select(CaseClock).where(CaseClock.status != CLOSED, CaseClock.case_id > after, where)
                 .order_by(CaseClock.case_id).limit(limit).with_for_update(of=CaseClock).execution_options(**_FRESH))
    return list(session.scalars(statement).unique())


def _lock_timers_of(session: Session, case_ids: list[str]) -> dict[str, list[Timer]]:
    found: dict[str, list[Timer]] = defaultdict(list)
    if case_ids:
        statement = select(Timer).where(Timer.subject_id.in_(case_ids)).with_for_update().execution_options(**_FRESH)
        for timer in session.scalars(statement):
            found[timer.subject_id].append(timer)
    return found


def _rematch(clock: CaseClock, policies: list[Policy], at: datetime) -> None:
    policy = select_policy(policies, priority=clock.priority, organisation_id=clock.organisation_id,
                           category=clock.category, case_type=clock.case_type) or clock.policy
    clock.policy = policy
    for metric in clock.metrics:
        if metric.met_at is None and metric.stopped_at is None:
            metric.target_seconds = target_of(policy, clock.priority, metric.metric)
    recheck_clock(clock, rules_of(policy), at=at)


# -- what a change can touch ---------------------------------------------------------------------


def calendar_scope(calendar_id: str) -> dict[str, Any]:
    """The open clocks whose policy runs on the calendar."""
    return {"calendar_id": calendar_id}


def policy_scope(*, policy_id: str | None, criteria: dict[str, Any] | None) -> dict[str, Any]:
    """The open clocks on the policy, and those ``criteria`` match (a new policy, or one whose
    criteria or activity change, may win clocks from others)."""
    matching = {k: criteria.get(k) for k in MATCHING} if criteria is not None else None
    return {"policy_id": policy_id, "criteria": matching}


def scope_condition(scope: dict[str, Any]) -> ColumnElement[bool]:
    if "calendar_id" in scope:
        return CaseClock.policy_id.in_(select(Policy.id).where(Policy.calendar_id == scope["calendar_id"]))
    policy_id, criteria = scope.get("policy_id"), scope.get("criteria")
    on_policy = CaseClock.policy_id == policy_id if policy_id else false()
    if criteria is None:
        return on_policy
    conditions = []
    if criteria.get("organisation_id"):
        conditions.append(CaseClock.organisation_id == criteria["organisation_id"])
    if criteria.get("category"):
        conditions.append(func.lower(CaseClock.category) == criteria["category"].casefold())
    if criteria.get("case_type"):
        conditions.append(CaseClock.case_type == criteria["case_type"])
    return or_(on_policy, and_(true(), *conditions))


# -- the worker's side ---------------------------------------------------------------------------


class ReplanFinisher:
    """A loop of the worker: finishes re-planning jobs whose request did not (it died, or timed out)."""

    def __init__(self, database: Database, *, auto_close_after: timedelta, batch_size: int,
                 poll_interval: float = 5.0):
        self.database = database
        self.auto_close_after = auto_close_after
        self.batch_size = batch_size
        self.poll_interval = poll_interval

    def finish_unfinished(self) -> int:
        """Work every unfinished job to its end; return how many there were."""
        finished = 0
        while (job_id := self._next_job()) is not None:
            session = self.database.session()
            try:
                finish_replanning(session, job_id, auto_close_after=self.auto_close_after,
                                  batch_size=self.batch_size)
            finally:
                session.close()
            finished += 1
        return finished

    def _next_job(self) -> int | None:
        with self.database.transaction() as session:
            return session.scalar(select(ReplanJob.id).where(ReplanJob.finished_at.is_(None))
                                  .order_by(ReplanJob.id).limit(1))

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.finish_unfinished()
            except Exception:
                log.exception("re-planning the open clocks failed; trying again")
            stop.wait(self.poll_interval)
