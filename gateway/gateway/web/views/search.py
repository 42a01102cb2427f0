"""Search, and quick open by number from anywhere (Ctrl+O: ``SAG 2611-0042``, ``TSK2611-0007``)."""

from __future__ import annotations

import os

from flask import flash, redirect, render_template, request, url_for

from ... import webauth
from ...i18n import _
from ..blueprint import bp
from ..client import page_api
from ..numbers import parse_number
from ..pages import page_number
from ..viewer import viewer

PER_PAGE = 25


def task_prefix() -> str:
    return os.environ.get("TASK_NUMBER_PREFIX", "TSK")


def find_by_number(text: str) -> str | None:
    """The page of the case or task a number names, or None."""
    parsed = parse_number(text, task_prefix=task_prefix())
    if parsed is None:
        return None
    api = page_api()
    if parsed.kind in ("case", "either"):
        number = parsed.number if parsed.kind == "case" else f"{os.environ.get('CASE_NUMBER_PREFIX', 'SAG')} " \
                                                              f"{parsed.number}"
        found = api.get(f"/api/v1/cases/by-number/{number}")
        if found.ok:
            return url_for("web.case_page", case_id=found.data["id"])
    if parsed.kind in ("task", "either") and viewer().is_staff:
        number = parsed.number if parsed.kind == "task" else f"{task_prefix()} {parsed.number}"
        found = api.get(f"/api/v1/tasks/by-number/{number}")
        if found.ok:
            return url_for("web.task_page", task_id=found.data["id"])
    return None


@bp.get("/aabn")
@webauth.login_required
def quick_open():
    text = (request.args.get("nummer") or "").strip()
    target = find_by_number(text) if text else None
    if target:
        return redirect(target)
    if text:
        flash(_("Nothing with the number %(number)s was found, or you may not see it.", number=text), "error")
    return redirect(webauth.safe_next(request.args.get("fra"), url_for("web.search", q=text) if text else "/"))


@bp.get("/soeg")
@webauth.login_required
def search():
    query = (request.args.get("q") or "").strip()
    result = tasks = None
    if query:
        target = find_by_number(query)
        if target:
            return redirect(target)
        view = "all" if viewer().is_staff else None
        result = page_api().get("/api/v1/cases", {"q": query, "view": view, "status": "any",
                                                  "page": page_number(), "per_page": PER_PAGE})
        if viewer().is_staff:
            tasks = page_api().get("/api/v1/tasks", {"q": query, "view": "all", "state": "any", "per_page": 10})
    return render_template("web/search.html", query=query, result=result, tasks=tasks, page=page_number(),
                           per_page=PER_PAGE)
