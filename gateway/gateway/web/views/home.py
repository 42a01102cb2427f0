"""The front page (tiles) and the agent's workspace (dashboard)."""

from __future__ import annotations

from flask import render_template

from ... import webauth
from ..blueprint import bp
from ..client import page_api
from ..directory import people_names, team_names
from ..viewer import viewer
from .stats import load_case_stats

DASHBOARD_SIZE = 8


@bp.get("/")
@webauth.login_required
def home():
    api = page_api()
    user = viewer()
    mine = api.get("/api/v1/cases", {"view": "mine", "status": "open", "per_page": 1})
    counts = {"mine": mine.total if mine.ok else None}
    if user.is_staff:
        assigned = api.get("/api/v1/cases", {"view": "assigned_to_me", "status": "open", "per_page": 1})
        tasks = api.get("/api/v1/tasks", {"view": "mine", "state": "open", "per_page": 1})
        counts.update(assigned=assigned.total if assigned.ok else None, tasks=tasks.total if tasks.ok else None)
    unread = api.get("/api/v1/notifications", {"unread": "true", "per_page": 1})
    counts["unread"] = unread.total if unread.ok else None
    return render_template("web/home.html", counts=counts)


@bp.get("/arbejdsbord")
@webauth.roles_required("staff")
def dashboard():
    api = page_api()
    size = {"per_page": DASHBOARD_SIZE, "sort": "-updated_at"}
    panels = {
        "assigned": api.get("/api/v1/cases", {"view": "assigned_to_me", "status": "open", **size}),
        "team": api.get("/api/v1/cases", {"view": "team", "status": "open", **size}),
        "unassigned": api.get("/api/v1/cases", {"view": "unassigned", "status": "open", **size}),
    }
    tasks = api.get("/api/v1/tasks", {"view": "mine", "state": "open", "per_page": DASHBOARD_SIZE})
    people = people_names(c.get("assignee_id") for p in panels.values() for c in p.items)
    stats = load_case_stats(days=14)
    return render_template("web/dashboard.html", panels=panels, tasks=tasks, people=people,
                           teams=team_names(), stats=stats)
