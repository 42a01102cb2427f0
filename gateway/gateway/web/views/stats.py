"""Statistics for leads: open cases by status and team, created vs resolved per day, SLA compliance per week."""

from __future__ import annotations

from flask import render_template, request

from ... import webauth
from ...i18n import _
from ..blueprint import bp
from ..charts import Series, columns, horizontal_bars
from ..client import page_api
from ..directory import team_names
from ..formatting import day, parse_time
from ..labels import CASE_STATUSES, label

DAY_CHOICES = (7, 14, 30, 90)


def load_case_stats(days: int = 30) -> dict:
    """Charts from ``GET /api/v1/cases/stats``; an empty dict when the statistics cannot be had."""
    result = page_api().get("/api/v1/cases/stats", {"days": days})
    if not result.ok:
        return {}
    data = result.data
    charts = {}
    by_status = _pairs(data.get("open_by_status") or data.get("by_status"), "status")
    if by_status is not None:
        ordered = [(s, by_status.get(s, 0)) for s in CASE_STATUSES if s in by_status]
        charts["by_status"] = horizontal_bars(_("Open cases by status"),
                                              [label(CASE_STATUSES, s) for s, _n in ordered],
                                              [n for _s, n in ordered])
    by_team = _pairs(data.get("open_by_team") or data.get("by_team"), "team_id")
    if by_team is not None:
        names = {**team_names(), **{str(row.get("key")): row["name"] for row in data.get("open_by_team") or []
                                    if isinstance(row, dict) and row.get("name")}}
        ordered = sorted(by_team.items(), key=lambda kv: -kv[1])
        charts["by_team"] = horizontal_bars(_("Open cases by team"),
                                            [names.get(str(t), _("No team")) for t, _n in ordered],
                                            [n for _t, n in ordered], css_class="chart-series-2")
    per_day = data.get("per_day") or data.get("created_vs_resolved") or data.get("daily")
    if isinstance(per_day, list) and per_day:
        labels = [day(d.get("date") or d.get("day")) for d in per_day]
        charts["per_day"] = columns(_("Created and resolved cases per day"), labels, [
            Series(_("Created"), [d.get("created", 0) for d in per_day], "chart-series-1"),
            Series(_("Resolved"), [d.get("resolved", 0) for d in per_day], "chart-series-3"),
        ])
    return charts


def load_sla_stats(weeks: int = 8) -> dict:
    result = page_api().get("/api/v1/sla/stats", {"weeks": weeks})
    if not result.ok:
        return {}
    rows = result.data.get("weeks") or result.data.get("items") or []
    charts = {}
    for metric, title in (("first_response", _("First response within SLA per week")),
                          ("resolution", _("Resolution within SLA per week"))):
        met, breached, labels = [], [], []
        for row in rows:
            numbers = row.get(metric) or {}
            labels.append(_week_label(row))
            met.append(numbers.get("met", 0))
            breached.append(numbers.get("breached", 0))
        if labels:
            charts[metric] = columns(title, labels, [Series(_("Met"), met, "chart-series-3"),
                                                     Series(_("Breached"), breached, "chart-series-4")],
                                     stacked=True)
    return charts


def _pairs(value, key: str) -> dict | None:
    """Counts as ``{"a": 1}`` or as the cases service sends them: ``[{"key": "a", "count": 1}]``."""
    if isinstance(value, dict):
        return {str(k): int(v or 0) for k, v in value.items()}
    if isinstance(value, list):
        return {str(row.get("key", row.get(key))): int(row.get("count") or 0) for row in value}
    return None


def _week_label(row: dict) -> str:
    """``2026-W48`` (ISO week, as the SLA service names weeks) becomes "uge 48" / "w48"."""
    week = str(row.get("week") or "")
    if "-W" in week:
        return _("w%(n)s", n=int(week.rpartition("-W")[2]))
    moment = parse_time(row.get("week_start"))
    return _("w%(n)s", n=moment.isocalendar().week) if moment else week


@bp.get("/statistik")
@webauth.roles_required("staff")
def statistics():
    try:
        days = int(request.args.get("dage", "30"))
    except ValueError:
        days = 30
    days = days if days in DAY_CHOICES else 30
    return render_template("web/statistics.html", cases=load_case_stats(days), sla=load_sla_stats(8), days=days,
                           day_choices=DAY_CHOICES)
