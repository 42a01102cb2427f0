"""Pure SLA rules: which policy applies to a case, how its clocks run, which timers they need.

No I/O here.  The clock functions work on anything shaped like
:class:`sla.models.ClockMetric` (they read and set its attributes); time is
always passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from .calendar import BusinessCalendar

PRIORITIES = ("critical", "high", "normal", "low")
CASE_TYPES = ("incident", "request", "question", "complaint")
CASE_STATUSES = (
    "registered", "in_progress", "assigned", "waiting_internal", "waiting_requester", "resolved", "closed",
)
PAUSABLE_STATUSES = CASE_STATUSES[:5]
DEFAULT_PAUSE_STATUSES = ("waiting_requester",)
RESOLVED, CLOSED = "resolved", "closed"
FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
METRICS = (FIRST_RESPONSE, RESOLUTION)
STAFF_ROLES = frozenset({"agent", "dispatcher", "admin"})
OPEN_TASK_STATUSES = frozenset({"registered", "assigned", "in_progress"})
MAX_TARGET_SECONDS = 366 * 86_400


class TimerKind(StrEnum):
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    AUTO_CLOSE = "auto_close"
    TASK_DEADLINE = "task_deadline"


# -- policies ------------------------------------------------------------------------------------


class PolicyLike(Protocol):
    organisation_id: str | None
    category: str | None
    case_type: str | None
    targets: Mapping[str, Mapping[str, int]]


P = TypeVar("P", bound=PolicyLike)


def match_key(organisation_id: str | None, category: str | None, case_type: str | None) -> str:
    """What a policy matches on, as one string: two active policies may not share it."""
    return "|".join(value or "*" for value in (organisation_id, category and category.casefold(), case_type))


def specificity(policy: PolicyLike) -> int:
    """Organisation outweighs category, which outweighs type; every combination ranks uniquely."""
    return 4 * bool(policy.organisation_id) + 2 * bool(policy.category) + bool(policy.case_type)


def policy_applies(policy: PolicyLike, *, priority: str, organisation_id: str | None, category: str | None,
                   case_type: str | None) -> bool:
    return (
        priority in policy.targets
        and (not policy.organisation_id or policy.organisation_id == organisation_id)
        and (not policy.category or (category or "").casefold() == policy.category.casefold())
        and (not policy.case_type or policy.case_type == case_type)
    )


def select_policy(policies: Iterable[P], *, priority: str, organisation_id: str | None,
                  category: str | None, case_type: str | None) -> P | None:
    """The most specific active policy that matches the case and has targets for its priority."""
    matching = [
        p for p in policies
        if policy_applies(p, priority=priority, organisation_id=organisation_id, category=category,
                          case_type=case_type)
    ]
    return max(matching, key=specificity, default=None)


def target_of(policy: PolicyLike, priority: str, metric: str) -> int:
    return int(policy.targets[priority][metric])


# -- clocks --------------------------------------------------------------------------------------


class MetricLike(Protocol):
    metric: str
    target_seconds: int
    consumed_seconds: float
    running_since: datetime | None
    due_at: datetime | None
    warning_at: datetime | None
    met_at: datetime | None
    met_late: bool | None
    stopped_at: datetime | None


def metric_runs(status: str, pause_statuses: Iterable[str]) -> bool:
    """Whether an unmet clock counts time while the case has ``status``."""
    return status not in (RESOLVED, CLOSED) and status not in set(pause_statuses)


def is_settled(metric: MetricLike) -> bool:
    """Met or stopped: the clock no longer moves."""
    return metric.met_at is not None or metric.stopped_at is not None


def used_seconds(metric: MetricLike, calendar: BusinessCalendar, at: datetime) -> float:
    """Business seconds the clock has counted up to ``at``."""
    if metric.running_since is None:
        return metric.consumed_seconds
    return metric.consumed_seconds + calendar.seconds_between(metric.running_since, at)


def remaining_seconds(metric: MetricLike, calendar: BusinessCalendar, at: datetime) -> float:
    """Business seconds left (negative once overdue); frozen while paused, met or stopped."""
    return metric.target_seconds - used_seconds(metric, calendar, at)


def metric_status(metric: MetricLike) -> str:
    if metric.met_at is not None:
        return "met"
    if metric.stopped_at is not None:
        return "stopped"
    return "paused" if metric.running_since is None else "running"


def clock_paused(status: str, pause_statuses: Iterable[str]) -> bool:
    """An open case in a pausing status of its policy (a resolved or closed case is done, not paused)."""
    return status not in (RESOLVED, CLOSED) and not metric_runs(status, pause_statuses)


def metric_state(metric: MetricLike, calendar: BusinessCalendar, at: datetime, *, breach_fired: bool) -> dict:
    """A clock as the API and the ``sla.*`` events show it at ``at``."""
    left = remaining_seconds(metric, calendar, at)
    breached = bool(metric.met_late) if metric.met_at is not None else breach_fired or left < 0
    return {
        "status": metric_status(metric),
        "target_seconds": metric.target_seconds,
        "due_at": metric.due_at,
        "warning_at": metric.warning_at,
        "met_at": metric.met_at,
        "breached": breached,
        "remaining_seconds": round(left),
        "elapsed_seconds": round(used_seconds(metric, calendar, at)),
    }


def checkpoint(metric: MetricLike, calendar: BusinessCalendar, at: datetime) -> None:
    """Bank the time counted so far, so that the calendar or the target may change from ``at`` on."""
    if metric.running_since is not None and at > metric.running_since:
        metric.consumed_seconds = used_seconds(metric, calendar, at)
        metric.running_since = at


def pause(metric: MetricLike, calendar: BusinessCalendar, at: datetime) -> None:
    if metric.running_since is not None:
        metric.consumed_seconds = used_seconds(metric, calendar, at)
        metric.running_since = None


def resume(metric: MetricLike, at: datetime) -> None:
    if metric.running_since is None and not is_settled(metric):
        metric.running_since = at


def meet(metric: MetricLike, calendar: BusinessCalendar, at: datetime, *, breach_fired: bool) -> None:
    """The clock's goal was reached at ``at``.

    Met exactly at the due time is in time (the scheduler likewise fires a breach only once its
    instant has passed).  Late: met after the due instant, counted past the target, or a breach
    already went out (subscribers were told; the statistics count it).
    """
    due_at = metric.due_at if metric.running_since is not None else None
    pause(metric, calendar, at)
    metric.met_at = at
    over_target = metric.consumed_seconds - metric.target_seconds > _ROUNDING_SECONDS
    metric.met_late = breach_fired or over_target or (due_at is not None and at > due_at)


_ROUNDING_SECONDS = 0.001  # business seconds are sums of float spans; a millisecond hides their rounding


def unmeet(metric: MetricLike, at: datetime, *, runs: bool) -> None:
    """A reopened case: the resolution clock goes on from where it stood when the case was resolved."""
    metric.met_at = None
    metric.met_late = None
    if runs:
        metric.running_since = at


def stop(metric: MetricLike, calendar: BusinessCalendar, at: datetime) -> None:
    """A closed or merged case: an unmet clock stops for good."""
    if not is_settled(metric):
        pause(metric, calendar, at)
        metric.stopped_at = at


def plan(metric: MetricLike, calendar: BusinessCalendar, warning_percent: int) -> None:
    """Work out when a running clock is due and when it warns; a paused one has no due time yet."""
    if is_settled(metric):
        return
    if metric.running_since is None:
        if metric.consumed_seconds < metric.target_seconds:
            metric.due_at = metric.warning_at = None
        return
    left = metric.target_seconds - metric.consumed_seconds
    metric.due_at = calendar.add(metric.running_since, left) if left > 0 else _overdue_since(metric, calendar)
    warn_left = metric.target_seconds * warning_percent / 100 - metric.consumed_seconds
    metric.warning_at = calendar.add(metric.running_since, warn_left) if left > 0 else None


def _overdue_since(metric: MetricLike, calendar: BusinessCalendar) -> datetime:
    """A clock already past its target (a shorter target after a priority change): due when it resumed."""
    if metric.due_at is not None and metric.due_at <= metric.running_since:
        return metric.due_at
    return metric.running_since


# -- case changes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSnapshot:
    """The parts of a case (as its events carry it) that the clocks depend on."""

    id: str
    version: int
    status: str
    priority: str
    organisation_id: str | None
    category: str | None
    case_type: str | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None

    @property
    def entered_at(self) -> datetime:
        """Since when the case has had this snapshot's status: when it was resolved or closed, else
        the instant of this version (an edit that keeps an open status changes nothing for the clocks)."""
        if self.status == RESOLVED and self.resolved_at:
            return self.resolved_at
        if self.status == CLOSED and self.closed_at:
            return self.closed_at
        return self.updated_at


@dataclass(frozen=True)
class ClockRules:
    """What the applicable policy says for one case."""

    calendar: BusinessCalendar
    pause_statuses: tuple[str, ...]
    warning_percent: int


def apply_status(metrics: Iterable[MetricLike], rules: ClockRules, *, old_status: str, new_status: str,
                 at: datetime, resolved_at: datetime, targets: Mapping[str, int],
                 fired_breaches: set[str]) -> list[str]:
    """Move the clocks from ``old_status`` to ``new_status``; return the metrics met by this change.

    ``targets`` are the case's targets now (its priority and policy): every clock still counting after
    the change runs on them, also a resolution clock a reopening brings back after the priority changed
    while the case was resolved.
    """
    met: list[str] = []
    runs = metric_runs(new_status, rules.pause_statuses)
    for metric in metrics:
        if metric.stopped_at is not None:
            continue
        _take_target(metric, targets)
        if new_status == RESOLVED and old_status != RESOLVED and metric.met_at is None:
            # Resolving meets the resolution, and also the first response when none was given: the
            # requester has had an answer (as Dynamics 365 and Zendesk count a case solved unanswered).
            meet(metric, rules.calendar, resolved_at, breach_fired=metric.metric in fired_breaches)
            met.append(metric.metric)
        elif metric.metric == RESOLUTION and old_status == RESOLVED and new_status not in (RESOLVED, CLOSED):
            unmeet(metric, at, runs=runs)
            _take_target(metric, targets)
        if new_status == CLOSED:
            stop(metric, rules.calendar, at)
        elif metric.met_at is None:
            (resume(metric, at) if runs else pause(metric, rules.calendar, at))
        plan(metric, rules.calendar, rules.warning_percent)
    return met


def _take_target(metric: MetricLike, targets: Mapping[str, int]) -> None:
    """A met or stopped clock keeps the target it was measured against."""
    if not is_settled(metric):
        metric.target_seconds = targets[metric.metric]


class TransitionLike(Protocol):
    """The case's status from ``version`` on, entered at ``at``."""

    version: int
    status: str
    at: datetime


def count_late_transition(metrics: Iterable[MetricLike], rules: ClockRules, *, before: TransitionLike | None,
                          late: TransitionLike, after: TransitionLike, created_at: datetime) -> None:
    """Count a status learnt late, from an event older than one already applied.

    From ``late.at`` until ``after.at`` the case was in ``late.status``, where the clocks counted it as
    in ``before``'s status (registered, as a clock starts, when nothing older is known). Only the time
    counted changes: a late event does not meet, reopen or stop a clock; the newer events decided that.
    """
    assumed = before.status if before is not None else "registered"
    change = int(metric_runs(late.status, rules.pause_statuses)) - int(metric_runs(assumed, rules.pause_statuses))
    if change == 0:
        return
    start = max(late.at, created_at)
    for metric in metrics:
        end = min(after.at, metric.met_at or metric.stopped_at or after.at)  # a settled clock counts no more
        metric.consumed_seconds += change * rules.calendar.seconds_between(start, end)
        plan(metric, rules.calendar, rules.warning_percent)


def rewind(metric: MetricLike, rules: ClockRules, transitions: Sequence[TransitionLike], to: datetime, *,
           created_at: datetime) -> None:
    """Take a clock back to ``to``, not counting what it counted after that instant: it was met then,
    as an event tells that arrives after later changes of the case were applied."""
    until = metric.running_since or (transitions[-1].at if transitions else to)
    if to >= until:
        return
    segments = _status_segments(transitions, created_at=created_at, until=until)
    metric.consumed_seconds -= sum(
        rules.calendar.seconds_between(max(start, to), end)
        for status, start, end in segments if metric_runs(status, rules.pause_statuses))
    status_then = next(status for status, start, _ in reversed(segments) if start <= to)
    metric.running_since = to if metric_runs(status_then, rules.pause_statuses) else None
    plan(metric, rules.calendar, rules.warning_percent)


def _status_segments(transitions: Sequence[TransitionLike], *, created_at: datetime,
                     until: datetime) -> list[tuple[str, datetime, datetime]]:
    """(status, from, to) in version order up to ``until``; registered from the creation to the first version."""
    starts = [("registered", created_at), *((t.status, t.at) for t in transitions)]
    ends = [min(at, until) for _, at in starts[1:]] + [until]
    return [(status, start, end) for (status, start), end in zip(starts, ends, strict=True)]


def resolved_since(transitions: Sequence[TransitionLike]) -> int | None:
    """The version that resolved the case, if it is resolved now (in version order, the first of the
    resolved versions it ends with)."""
    version = None
    for transition in reversed(transitions):
        if transition.status != RESOLVED:
            break
        version = transition.version
    return version


def is_agent_response(message: Mapping[str, Any], *, author_is_staff: bool | None, author_roles: Iterable[str] | None,
                      requester_id: str | None, follower_ids: Iterable[str]) -> bool:
    """An external message written by staff (not the system, not the requester or a follower).

    Who is staff: what the cases service said when the message was written (``author_is_staff``), else
    the roles our directory holds, else anyone but the requester and the followers.
    """
    author = message.get("author_id")
    if message.get("visibility") != "external" or not author or str(author).startswith("service:"):
        return False
    if author_is_staff is not None:
        return bool(author_is_staff)
    if author_roles is not None:
        return bool(STAFF_ROLES & set(author_roles))
    return author != requester_id and author not in set(follower_ids)


# -- timers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WantedTimer:
    kind: TimerKind
    metric: str
    due_at: datetime
    payload: dict[str, Any]


def case_timers(metrics: Iterable[MetricLike], fired: set[tuple[str, str]], *, status: str,
                resolved_at: datetime | None, resolved_version: int | None, auto_closed_versions: Collection[int],
                auto_close_after: timedelta) -> list[WantedTimer]:
    """The timers a case needs now: warning and breach of each running clock, and the auto-close.

    ``auto_closed_versions``: the resolutions (by the version that resolved the case) whose auto-close
    has fired; a resolution is closed once, however the still resolved case changes afterwards.
    """
    wanted: list[WantedTimer] = []
    for metric in metrics:
        if is_settled(metric) or metric.running_since is None or metric.due_at is None:
            continue
        if (TimerKind.SLA_BREACH, metric.metric) in fired:
            continue
        wanted.append(WantedTimer(TimerKind.SLA_BREACH, metric.metric, metric.due_at, {}))
        if metric.warning_at is not None and (TimerKind.SLA_WARNING, metric.metric) not in fired:
            wanted.append(WantedTimer(TimerKind.SLA_WARNING, metric.metric, metric.warning_at, {}))
    if status == RESOLVED and resolved_at is not None and resolved_version not in auto_closed_versions:
        wanted.append(WantedTimer(TimerKind.AUTO_CLOSE, "", resolved_at + auto_close_after,
                                  {"case_version": resolved_version, "resolved_at": resolved_at.isoformat()}))
    return wanted


def task_deadline_timer(*, status: str, deadline: datetime | None, fired_deadlines: set[datetime],
                        payload: dict[str, Any]) -> WantedTimer | None:
    """An open task with a deadline it has not yet been told has passed needs a timer at that deadline."""
    if status not in OPEN_TASK_STATUSES or deadline is None or deadline in fired_deadlines:
        return None
    return WantedTimer(TimerKind.TASK_DEADLINE, "", deadline, payload)
