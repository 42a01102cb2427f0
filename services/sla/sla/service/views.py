"""What the API shows: a case's clocks with their remaining business time, and weekly compliance."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal, literal_column, select, true, union_all
from sqlalchemy.orm import Session

from servicekit import errors

from ..calendar import BusinessCalendar
from ..domain import METRICS, TimerKind, clock_paused, metric_state
from ..i18n import _
from ..models import CaseClock, ClockMetric, Timer
from .policies import rules_of


def case_sla(session: Session, case_id: str, *, now: datetime) -> dict[str, Any]:
    clock = session.scalar(select(CaseClock).where(CaseClock.case_id == case_id))
    if clock is None:
        raise errors.NotFound(_("This case has no SLA clock (yet)."))
    breached = set(session.scalars(select(Timer.metric).where(
        Timer.subject_id == case_id, Timer.kind == TimerKind.SLA_BREACH, Timer.fired_at.is_not(None))))
    rules = rules_of(clock.policy)
    view: dict[str, Any] = {
        "case_id": clock.case_id,
        "policy_id": clock.policy_id,
        "policy_name": clock.policy.name if clock.policy else None,
        "calendar_id": clock.policy.calendar_id if clock.policy else None,
        "priority": clock.priority,
        "paused": clock_paused(clock.status, rules.pause_statuses),
    }
    for name in METRICS:
        metric = clock.metric(name)
        view[name] = metric_state(metric, rules.calendar, now, breach_fired=name in breached) if metric else None
    return view


# -- weekly compliance ---------------------------------------------------------------------------


def sla_stats(session: Session, *, weeks: int, now: datetime, time_zone: str,
              team_id: str | None = None) -> dict[str, Any]:
    """Met in time vs breached, per metric and local week (Monday first), in one aggregate query.

    A clock counts once: as met in the week it was met in time, or as breached in the week its
    breach went out (even if it was met later).
    """
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    mondays = [today - timedelta(days=today.weekday(), weeks=n) for n in reversed(range(weeks))]
    since = datetime.combine(mondays[0], time.min, tzinfo=zone).astimezone(UTC)
    counts: dict[tuple[date, str, str], int] = defaultdict(int)
    for metric, outcome, hour, n in session.execute(_outcomes_by_hour(session, since, team_id)):
        local = _as_utc(hour).astimezone(zone).date()
        counts[(local - timedelta(days=local.weekday()), metric, outcome)] += n
    return {
        "time_zone": time_zone,
        "weeks": [
            {"week": f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}", "week_start": monday,
             **{m: {o: counts[(monday, m, o)] for o in ("met", "breached")} for m in METRICS}}
            for monday in mondays
        ],
    }


def _outcomes_by_hour(session: Session, since: datetime, team_id: str | None):
    is_postgres = session.get_bind().dialect.name == "postgresql"

    def hour(column):
        if is_postgres:
            return func.date_trunc(literal_column("'hour'"), column)
        return func.strftime(literal_column("'%Y-%m-%d %H:00:00'"), column)

    team = (CaseClock.team_id == team_id) if team_id else true()
    met = (
        select(ClockMetric.metric, literal("met").label("outcome"), hour(ClockMetric.met_at).label("hour"),
               func.count().label("n"))
        .join(CaseClock, CaseClock.case_id == ClockMetric.case_id)
        .where(ClockMetric.met_at >= since, ClockMetric.met_late.is_(False), team)
        .group_by(ClockMetric.metric, hour(ClockMetric.met_at))
    )
    breached = (
        select(Timer.metric, literal("breached").label("outcome"), hour(Timer.fired_at).label("hour"),
               func.count().label("n"))
        .join(CaseClock, CaseClock.case_id == Timer.subject_id)
        .where(Timer.kind == TimerKind.SLA_BREACH.value, Timer.fired_at >= since, team)
        .group_by(Timer.metric, hour(Timer.fired_at))
    )
    return union_all(met, breached)


def _as_utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def calendar_days(calendar: BusinessCalendar, first: date, count: int, *, language: str) -> list[dict[str, Any]]:
    """Day by day: open hours, why (weekday, holiday, special day), the holiday's name in ``language``."""
    days = []
    for day in calendar.days(first, count, language=language):
        seconds = sum((closes - opens).total_seconds() for opens, closes in calendar.open_periods(day.day))
        days.append({"date": day.day, "hours": [i.as_dict() for i in day.hours], "reason": day.reason,
                     "name": day.name, "business_seconds": round(seconds)})
    return days
