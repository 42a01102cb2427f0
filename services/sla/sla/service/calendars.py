"""Calendars: create, change, read, and the working-time arithmetic of each (cached by version)."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.db import utcnow
from servicekit.pagination import fetch_page

from ..calendar import (
    WEEKDAYS,
    BusinessCalendar,
    CalendarNeverOpen,
    Interval,
    SpecialDay,
    default_mode,
    normalise_intervals,
    supported_holiday_countries,
    week_from_mapping,
)
from ..i18n import _
from ..models import Calendar
from . import concurrency

_cache: dict[tuple[object, ...], BusinessCalendar] = {}
_cache_lock = threading.Lock()


def business_calendar(row: Calendar) -> BusinessCalendar:
    """The arithmetic of a stored calendar; built once per calendar version and process.

    ``updated_at`` is part of the key so that two databases (tests, or a restored backup) holding
    different calendars under the same id and version never share an entry.
    """
    key = (row.id, row.version, row.updated_at)
    with _cache_lock:
        found = _cache.get(key)
    if found is None:
        found = build_calendar(as_config(row))
        with _cache_lock:
            if len(_cache) > 256:
                _cache.clear()
            _cache[key] = found
    return found


def as_config(row: Calendar) -> dict[str, Any]:
    return {
        "time_zone": row.time_zone,
        "always_open": row.always_open,
        "working_hours": row.working_hours,
        "holiday_country": row.holiday_country,
        "include_optional_holidays": row.include_optional_holidays,
        "special_days": row.special_days,
    }


def build_calendar(config: dict[str, Any]) -> BusinessCalendar:
    """A calendar from its stored or requested settings; ValidationFailed names what is wrong."""
    problems: dict[str, list[str]] = {}
    week = _week(config.get("working_hours") or {}, problems)
    special_days = _special_days(config.get("special_days") or [], problems)
    country = config.get("holiday_country")
    if country and country not in supported_holiday_countries():
        problems["holiday_country"] = [_("No public holidays are known for this country code.")]
    if problems:
        raise errors.ValidationFailed(_("The calendar is not valid."), errors=problems)
    try:
        return BusinessCalendar(
            time_zone=config["time_zone"], week=week, holiday_country=country or None,
            include_optional_holidays=bool(config.get("include_optional_holidays")),
            special_days=special_days, always_open=bool(config.get("always_open")),
        )
    except CalendarNeverOpen:
        raise errors.ValidationFailed(
            _("The calendar is not valid."),
            errors={"working_hours": [_("Give working hours on at least one weekday, or make it always open.")]},
        ) from None


def _week(hours: dict[str, Any], problems: dict[str, list[str]]) -> list[tuple[Interval, ...]]:
    try:
        return week_from_mapping(hours)
    except (ValueError, KeyError, TypeError):
        problems["working_hours"] = [_("Working hours must be intervals of HH:MM that start before they end "
                                       "and do not overlap, per weekday.")]
        return [()] * 7


def _special_days(items: list[dict[str, Any]], problems: dict[str, list[str]]) -> list[SpecialDay]:
    days: list[SpecialDay] = []
    try:
        for item in items:
            hours = normalise_intervals(Interval.parse(i["start"], i["end"]) for i in item.get("hours") or ())
            day = item["date"] if isinstance(item["date"], date) else date.fromisoformat(item["date"])
            mode = item.get("mode") or default_mode(hours)
            days.append(SpecialDay(day, hours, item.get("name") or "", bool(item.get("recurring")), mode))
        if len({special.key for special in days}) != len(days):
            raise ValueError("the same day twice")
    except (ValueError, KeyError, TypeError):
        problems["special_days"] = [_("Each special day needs its own date, and hours of HH:MM that start "
                                      "before they end and do not overlap; a closed day has no hours and "
                                      "an opening has some.")]
    return days


def special_days_json(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        ({"date": (d["date"].isoformat() if isinstance(d["date"], date) else d["date"]),
          "name": d.get("name") or "", "recurring": bool(d.get("recurring")),
          "mode": d.get("mode") or default_mode(d.get("hours") or ()),
          "hours": [{"start": i["start"], "end": i["end"]} for i in d.get("hours") or ()]}
         for d in items),
        key=lambda d: (d["recurring"], d["date"]),
    )


# -- use cases -----------------------------------------------------------------------------------


def create_calendar(session: Session, values: dict[str, Any]) -> Calendar:
    build_calendar(values)
    row = Calendar(**_stored(values))
    session.add(row)
    session.flush()
    return row


def update_calendar(session: Session, calendar_id: str, changes: dict[str, Any],
                    if_match: int | None) -> Calendar:
    """Change a calendar; the clocks that run on it are re-planned by the caller's hook."""
    row = get_calendar(session, calendar_id, for_update=True)
    concurrency.check_version(row.version, if_match)
    merged = {**as_config(row), **changes}
    build_calendar(merged)
    for name, value in _stored(changes).items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    return row


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    stored = dict(values)
    if "special_days" in stored:
        stored["special_days"] = special_days_json(stored["special_days"] or [])
    if "working_hours" in stored:
        hours = stored["working_hours"] or {}
        stored["working_hours"] = {day: list(hours.get(day) or []) for day in WEEKDAYS}
    return stored


def get_calendar(session: Session, calendar_id: str, *, for_update: bool = False) -> Calendar:
    statement = select(Calendar).where(Calendar.id == calendar_id)
    if for_update:
        statement = statement.with_for_update()
    row = session.scalar(statement)
    if row is None:
        raise errors.NotFound(_("There is no such calendar."))
    return row


def list_calendars(session: Session, *, page: int, per_page: int) -> tuple[list[Calendar], int]:
    statement = select(Calendar).order_by(Calendar.name, Calendar.id)
    rows, total = fetch_page(session, statement, page=page, per_page=per_page)
    return [calendar for (calendar,) in rows], total
