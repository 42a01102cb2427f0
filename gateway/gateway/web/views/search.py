"""Search, and quick open by number from anywhere (Ctrl+O: ``SAG 2611-0042``, ``TSK2611-0007``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for

from ... import webauth
from ...i18n import _
from ..blueprint import bp
from ..client import page_api
from ..numbers import CASE, TASK, case_prefix, parse_number, task_prefix
from ..pages import page_number
from ..viewer import viewer

PER_PAGE = 25


@dataclass(frozen=True)
class Found:
    """A case or task a number names, as the quick open choice lists it."""

    kind: str  # "case" or "task"
    number: str
    title: str
    url: str


def find_by_number(text: str) -> list[Found]:
    """What a typed number names and the user may see: none, one, or a case and a task (another prefix or
    none names either; each is looked up by number)."""
    parsed = parse_number(text)
    if parsed is None:
        return []
    kinds = parsed.kinds(case_prefix=case_prefix(), task_prefix=task_prefix())
    found = []
    api = page_api()
    if CASE in kinds:
        case = api.get(f"/api/v1/cases/by-number/{parsed.case_number(case_prefix=case_prefix())}")
        if case.ok:
            found.append(Found(CASE, case.data["number"], case.data["title"],
                               url_for("web.case_page", case_id=case.data["id"])))
    if TASK in kinds and viewer().is_staff:
        task = api.get(f"/api/v1/tasks/by-number/{parsed.task_number}")
        if task.ok:
            found.append(Found(TASK, task.data["number"], task.data["subject"],
                               url_for("web.task_page", task_id=task.data["id"])))
    return found


def open_found(text: str, found: list[Found]):
    """The one thing found, opened; a choice when a number names both a case and a task; None for nothing."""
    if len(found) == 1:
        return redirect(found[0].url)
    if found:
        return render_template("web/number_choice.html", number=text, found=found)
    return None


@bp.get("/aabn")
@webauth.login_required
def quick_open():
    text = (request.args.get("nummer") or "").strip()
    if answer := open_found(text, find_by_number(text) if text else []):
        return answer
    if text:
        flash(_("Nothing with the number %(number)s was found, or you may not see it.", number=text), "error")
    return redirect(webauth.safe_next(request.args.get("fra"), url_for("web.search", q=text) if text else "/"))


@bp.get("/soeg")
@webauth.login_required
def search():
    query = (request.args.get("q") or "").strip()
    result = tasks = None
    if query:
        if answer := open_found(query, find_by_number(query)):
            return answer
        view = "all" if viewer().is_staff else None
        result = page_api().get("/api/v1/cases", {"q": query, "view": view, "status": "any",
                                                  "page": page_number(), "per_page": PER_PAGE})
        if viewer().is_staff:
            tasks = page_api().get("/api/v1/tasks", {"q": query, "view": "all", "state": "any", "per_page": 10})
    return render_template("web/search.html", query=query, result=result, tasks=tasks, page=page_number(),
                           per_page=PER_PAGE)
