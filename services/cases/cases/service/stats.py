"""Figures for the dashboard and charts: one aggregate query each."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from servicekit.auth import Identity
from servicekit.db import utcnow

from ..domain import OPEN_STATUSES, PRIORITY_RANK, STATUS_RANK
from ..models import Case, DirectoryTeam, HistoryEntry
from .common import require_staff


def case_stats(session: Session, viewer: Identity, *, days: int, timezone: str,
               team_id: str | None = None) -> dict[str, Any]:
    require_staff(viewer)
    scope = [Case.status.in_(sorted(OPEN_STATUSES))]
    if team_id:
        scope.append(Case.team_id == team_id)
    by_status = dict(session.execute(select(Case.status, func.count()).where(*scope).group_by(Case.status)).all())
    by_priority = dict(session.execute(select(Case.priority, func.count()).where(*scope)
                                       .group_by(Case.priority)).all())
    by_team = session.execute(
        select(Case.team_id, DirectoryTeam.name, func.count())
        .outerjoin(DirectoryTeam, DirectoryTeam.id == Case.team_id)
        .where(*scope).group_by(Case.team_id, DirectoryTeam.name).order_by(func.count().desc())
    ).all()
    return {
        "open_by_status": [{"key": s.value, "count": by_status.get(s.value, 0)}
                           for s in sorted(OPEN_STATUSES, key=STATUS_RANK.get)],
        "open_by_priority": [{"key": p.value, "count": by_priority.get(p.value, 0)} for p in PRIORITY_RANK],
        "open_by_team": [{"key": t, "name": name, "count": n} for t, name, n in by_team],
        "created_vs_resolved": created_vs_resolved(session, days=days, timezone=timezone, team_id=team_id),
        "days": days,
    }


def created_vs_resolved(session: Session, *, days: int, timezone: str, team_id: str | None) -> list[dict[str, Any]]:
    """Cases created and cases resolved per local day over the last ``days`` days (today included)."""
    zone = ZoneInfo(timezone)
    today = utcnow().astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), zone)
    created = select(literal("created").label("kind"), Case.created_at.label("at")).where(Case.created_at >= since)
    resolved = (select(literal("resolved").label("kind"), HistoryEntry.at.label("at"))
                .where(HistoryEntry.field == "status", cast(HistoryEntry.new_value, String) == '"resolved"',
                       HistoryEntry.at >= since))
    if team_id:
        created = created.where(Case.team_id == team_id)
        resolved = resolved.join(Case, Case.id == HistoryEntry.case_id).where(Case.team_id == team_id)
    counts: Counter[tuple[str, date]] = Counter()
    events = union_all(created, resolved).subquery()
    if session.get_bind().dialect.name == "postgresql":
        day = cast(func.timezone(timezone, events.c.at), Date)
        for kind, on, n in session.execute(select(events.c.kind, day, func.count()).group_by(events.c.kind, day)):
            counts[(kind, on)] = n
    else:  # SQLite has no time zones: the same rows, counted here
        for kind, at in session.execute(select(events.c.kind, events.c.at)):
            moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
            counts[(kind, _as_utc(moment).astimezone(zone).date())] += 1
    return [{"date": first + timedelta(days=i), "created": counts[("created", first + timedelta(days=i))],
             "resolved": counts[("resolved", first + timedelta(days=i))]} for i in range(days)]


def _as_utc(moment: datetime) -> datetime:
    from datetime import UTC

    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
