"""Jinja filters: dates in Danish time, sizes, labels of codes, remaining SLA time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import Flask
from flask_babel import format_datetime, format_decimal, format_timedelta, get_locale, to_user_timezone

from ..i18n import _
from . import labels


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def local_to_rfc3339(value: str) -> str | None:
    """A date-time typed in a form (Danish local time, as ``<input type=datetime-local>`` sends it) in RFC 3339."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # passed on as typed: the API answers with a clear field error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Europe/Copenhagen"))
    return moment.isoformat()


def to_local_input(value: Any) -> str:
    """An API time as the value of an ``<input type=datetime-local>`` in Danish time."""
    moment = parse_time(value)
    return moment.astimezone(ZoneInfo("Europe/Copenhagen")).strftime("%Y-%m-%dT%H:%M") if moment else ""


def when(value: Any, style: str = "medium") -> str:
    moment = parse_time(value)
    if moment is None:
        return ""
    pattern = {"medium": "d. MMMM y 'kl.' HH.mm", "short": "dd.MM.yy HH.mm", "date": "d. MMM y"}.get(style, style)
    from .language import current_language

    if current_language() == "en":
        pattern = {"medium": "d MMMM y, HH:mm", "short": "dd/MM/yy HH:mm", "date": "d MMM y"}.get(style, style)
    return format_datetime(moment, pattern)


def day(value: Any) -> str:
    """A day as a chart's axis names it, the page's language's way: "2. dec." in Danish, "Dec 2" in English.

    A time is the day it is in Danish time (a plain date, read as its midnight UTC, stays that day)."""
    moment = parse_time(value)
    if moment is None:
        return str(value or "")
    return format_skeleton("MMMd", to_user_timezone(moment).date(), locale=get_locale())


def iso(value: Any) -> str:
    moment = parse_time(value)
    return moment.isoformat() if moment else ""


def ago(value: Any) -> str:
    moment = parse_time(value)
    if moment is None:
        return ""
    return format_timedelta(moment - datetime.now(UTC), add_direction=True, granularity="minute")


def filesize(value: Any) -> str:
    try:
        size = float(value or 0)
    except (TypeError, ValueError):
        return ""
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{format_decimal(round(size, 1))} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1000
    return ""


def remaining(seconds: Any) -> str:
    """SLA time left in business time, e.g. '3 t 20 min' or 'overskredet med 1 t 5 min'."""
    try:
        total = int(seconds)
    except (TypeError, ValueError):
        return ""
    late = total < 0
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(_("%(n)s d", n=days))
    if hours or days:
        parts.append(_("%(n)s h", n=hours))
    parts.append(_("%(n)s min", n=minutes))
    text = " ".join(parts)
    return _("overdue by %(time)s", time=text) if late else text


def install_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        when=when,
        iso=iso,
        local_input=to_local_input,
        ago=ago,
        filesize=filesize,
        remaining=remaining,
        case_status=lambda code: labels.label(labels.CASE_STATUSES, code),
        case_status_help=lambda code: labels.label(labels.CASE_STATUS_EXPLANATIONS, code),
        case_status_variant=lambda code: labels.CASE_STATUS_VARIANTS.get(code, ""),
        task_status=lambda code: labels.label(labels.TASK_STATUSES, code),
        priority=lambda code: labels.label(labels.PRIORITIES, code),
        priority_variant=lambda code: labels.PRIORITY_VARIANTS.get(code, ""),
        level=lambda code: labels.label(labels.LEVELS, code),
        case_type=lambda code: labels.label(labels.CASE_TYPES, code),
        origin=lambda code: labels.label(labels.ORIGINS, code),
    )
