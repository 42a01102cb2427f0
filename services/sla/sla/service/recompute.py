"""Re-planning the open clocks when an admin changes a policy or a calendar.

Every affected clock is checkpointed under the old rules first, so the time
already counted stays counted; then the change is made and each clock is
matched to its policy again and re-planned under the new rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from ..domain import CLOSED, case_timers, checkpoint, select_policy, target_of
from ..models import CaseClock, Policy, Timer
from .clocks import recheck_clock
from .policies import active_policies, rules_of
from .timers import fired_keys, sync_timers


def replan_open_clocks(session: Session, *, now: datetime, auto_close_after: timedelta,
                       change: Callable[[], object], where: ColumnElement[bool] | None = None) -> int:
    """Run ``change`` between checkpointing and re-planning the open clocks; return how many were re-planned."""
    clocks = _lock_open_clocks(session, where)
    timers = _lock_timers_of(session, [c.case_id for c in clocks])
    for clock in clocks:
        calendar = rules_of(clock.policy).calendar
        for metric in clock.metrics:
            checkpoint(metric, calendar, now)
    change()
    session.flush()
    policies = active_policies(session)
    for clock in clocks:
        _rematch(clock, policies, now)
        wanted = case_timers(clock.metrics, fired_keys(timers[clock.case_id]), status=clock.status,
                             resolved_at=clock.resolved_at, resolved_version=clock.resolved_version,
                             auto_close_after=auto_close_after)
        sync_timers(session, clock.case_id, timers[clock.case_id], wanted)
    return len(clocks)


def _lock_open_clocks(session: Session, where: ColumnElement[bool] | None) -> list[CaseClock]:
    statement = (select(CaseClock).where(CaseClock.status != CLOSED).order_by(CaseClock.case_id)
                 .with_for_update(of=CaseClock))
    if where is not None:
        statement = statement.where(where)
    return list(session.scalars(statement).unique())


def _lock_timers_of(session: Session, case_ids: list[str]) -> dict[str, list[Timer]]:
    found: dict[str, list[Timer]] = defaultdict(list)
    for start in range(0, len(case_ids), 1000):
        chunk = case_ids[start:start + 1000]
        for timer in session.scalars(select(Timer).where(Timer.subject_id.in_(chunk)).with_for_update()):
            found[timer.subject_id].append(timer)
    return found


def _rematch(clock: CaseClock, policies: list[Policy], now: datetime) -> None:
    policy = select_policy(policies, priority=clock.priority, organisation_id=clock.organisation_id,
                           category=clock.category, case_type=clock.case_type) or clock.policy
    clock.policy = policy
    for metric in clock.metrics:
        if metric.met_at is None and metric.stopped_at is None:
            metric.target_seconds = target_of(policy, clock.priority, metric.metric)
    recheck_clock(clock, rules_of(policy), at=now)


def policy_scope(*, policy_id: str | None, criteria: dict[str, Any] | None) -> ColumnElement[bool]:
    """The open clocks a policy change can touch: those on the policy, and those ``criteria`` match
    (a new policy, or one whose criteria or activity change, may win clocks from others)."""
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
