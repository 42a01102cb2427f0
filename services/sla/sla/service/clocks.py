"""The clocks of a case, driven by ``case.*`` events (applied in version order)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from servicekit.events import Event
from servicekit.outbox import record_event

from .. import events
from ..domain import (
    METRICS,
    RESOLVED,
    ClockRules,
    TimerKind,
    apply_status,
    case_timers,
    checkpoint,
    count_late_transition,
    is_agent_response,
    meet,
    metric_runs,
    pause,
    plan,
    resolved_since,
    resume,
    rewind,
    select_policy,
    target_of,
)
from ..models import CaseClock, CaseTransition, ClockMetric, DirectoryUser, Policy
from .policies import active_policies, rules_of
from .rows import insert_unless_present
from .snapshots import case_snapshot, parse_time
from .timers import auto_closed_versions, fire_now, fired_keys, lock_timers, sync_timers
from .transitions import record_transition, transitions_of

MESSAGE_ADDED = "case.message_added"


def on_case_event(session: Session, event: Event, *, auto_close_after: timedelta, now: datetime) -> None:
    """Bring our replica and the case's clocks up to the event, and the case's timers up to the clocks."""
    snapshot = case_snapshot(event)
    clock = _lock_clock(session, snapshot.id)
    if clock is None:
        _start_clock(session, snapshot)
        clock = _lock_clock(session, snapshot.id)
    timers = lock_timers(session, snapshot.id)
    recorded = record_transition(session, snapshot)
    transitions = transitions_of(session, snapshot.id)
    met: list[str] = []
    if snapshot.version > clock.version:
        met += _apply_snapshot(session, clock, event.data, snapshot, timers)
    elif recorded:
        _count_late_transition(clock, transitions, snapshot.version)
    clock.resolved_version = resolved_since(transitions) if clock.status == RESOLVED else None
    if event.type == MESSAGE_ADDED and _meets_first_response(session, clock, event.data, timers, transitions):
        met.append("first_response")
    _publish_met(session, clock, met, timers, now)
    wanted = case_timers(clock.metrics, fired_keys(timers), status=clock.status, resolved_at=clock.resolved_at,
                         resolved_version=clock.resolved_version, auto_closed_versions=auto_closed_versions(timers),
                         auto_close_after=auto_close_after)
    sync_timers(session, clock.case_id, timers, wanted)


def _lock_clock(session: Session, case_id: str) -> CaseClock | None:
    return session.scalar(select(CaseClock).where(CaseClock.case_id == case_id).with_for_update(of=CaseClock))


def _start_clock(session: Session, snapshot) -> None:
    """A case we have not seen: its clocks run from its creation, as a registered case (version 0).

    Another consumer may be starting the same case at this moment: the insert that loses waits for
    the winner's transaction and leaves its clock be.
    """
    policy = _policy_for(session, snapshot)
    started = session.execute(
        insert_unless_present(session, CaseClock.__table__)
        .values(case_id=snapshot.id, version=0, status="registered", priority=snapshot.priority,
                created_at=snapshot.created_at, policy_id=policy.id)
        .returning(CaseClock.__table__.c.case_id)
    ).first()
    if started is not None:
        session.execute(insert(ClockMetric), [
            {"case_id": snapshot.id, "metric": name, "target_seconds": target_of(policy, snapshot.priority, name),
             "consumed_seconds": 0.0, "running_since": snapshot.created_at}
            for name in METRICS
        ])


def _policy_for(session: Session, snapshot) -> Policy:
    policy = select_policy(active_policies(session), priority=snapshot.priority,
                           organisation_id=snapshot.organisation_id, category=snapshot.category,
                           case_type=snapshot.case_type)
    if policy is None:
        raise LookupError(f"no SLA policy covers priority {snapshot.priority!r}")
    return policy


def _apply_snapshot(session: Session, clock: CaseClock, data: dict[str, Any], snapshot, timers) -> list[str]:
    old_status = clock.status
    at = snapshot.entered_at
    old_rules = rules_of(clock.policy)
    for metric in clock.metrics:
        checkpoint(metric, old_rules.calendar, at)
    _copy_case(clock, data, snapshot)
    clock.policy, clock.priority = _policy_for(session, snapshot), snapshot.priority
    targets = {name: target_of(clock.policy, clock.priority, name) for name in METRICS}
    fired_breaches = {metric for kind, metric in fired_keys(timers) if kind == TimerKind.SLA_BREACH}
    met = apply_status(clock.metrics, rules_of(clock.policy), old_status=old_status, new_status=snapshot.status,
                       at=at, resolved_at=snapshot.resolved_at or at, targets=targets, fired_breaches=fired_breaches)
    clock.status = snapshot.status
    return met


def _count_late_transition(clock: CaseClock, transitions: list[CaseTransition], version: int) -> None:
    """An event older than the clock's state: count the time from its status until the next version's."""
    index = next(n for n, transition in enumerate(transitions) if transition.version == version)
    if index + 1 == len(transitions):
        return  # the version the clock holds: nothing newer to correct
    before = transitions[index - 1] if index else None
    count_late_transition(clock.metrics, rules_of(clock.policy), before=before, late=transitions[index],
                          after=transitions[index + 1], created_at=clock.created_at)


def _copy_case(clock: CaseClock, data: dict[str, Any], snapshot) -> None:
    clock.version = snapshot.version
    clock.number = data.get("number") or clock.number or ""
    clock.organisation_id = snapshot.organisation_id
    clock.category = snapshot.category
    clock.case_type = snapshot.case_type
    clock.team_id = data.get("team_id")
    clock.assignee_id = data.get("assignee_id")
    clock.requester_id = data.get("requester_id")
    clock.follower_ids = [str(f) for f in data.get("follower_ids") or []]
    clock.merged_into_id = data.get("merged_into_id")
    clock.created_at = snapshot.created_at
    clock.resolved_at = snapshot.resolved_at
    clock.closed_at = snapshot.closed_at


def _meets_first_response(session: Session, clock: CaseClock, data: dict[str, Any], timers,
                          transitions: list[CaseTransition]) -> bool:
    metric = clock.metric("first_response")
    if metric is None or metric.met_at is not None or metric.stopped_at is not None:
        return False
    message = data.get("message") or {}
    author = session.get(DirectoryUser, str(message.get("author_id") or ""))
    if not is_agent_response(message, author_is_staff=data.get("author_is_staff"),
                             author_roles=author.roles if author else None,
                             requester_id=clock.requester_id, follower_ids=clock.follower_ids):
        return False
    rules = rules_of(clock.policy)
    written_at = max(parse_time(message.get("created_at")) or clock.created_at, clock.created_at)
    fired = {m for kind, m in fired_keys(timers) if kind == TimerKind.SLA_BREACH}
    rewind(metric, rules, transitions, written_at, created_at=clock.created_at)
    meet(metric, rules.calendar, written_at, breach_fired="first_response" in fired)
    return True


def _publish_met(session: Session, clock: CaseClock, met: list[str], timers, now: datetime) -> None:
    """``sla.met`` for each clock met now; one met late whose breach never went out gets it first."""
    rules = rules_of(clock.policy)
    fired = fired_keys(timers)
    for name in met:
        metric = clock.metric(name)
        if metric.met_late and (TimerKind.SLA_BREACH, name) not in fired:
            fire_now(session, timers, kind=TimerKind.SLA_BREACH, subject_id=clock.case_id, metric=name,
                     due_at=metric.due_at or metric.met_at, now=now)
            record_event(session, events.sla_notice(events.SLA_BREACHED, clock, metric, rules=rules, at=now))
        record_event(session, events.sla_notice(events.SLA_MET, clock, metric, rules=rules, at=now))


def recheck_clock(clock: CaseClock, rules: ClockRules, *, at: datetime) -> None:
    """Re-plan a clock after its policy or calendar changed (already checkpointed at ``at``)."""
    runs = metric_runs(clock.status, rules.pause_statuses)
    for metric in clock.metrics:
        if metric.met_at is None:
            (resume(metric, at) if runs else pause(metric, rules.calendar, at))
        plan(metric, rules.calendar, rules.warning_percent)
