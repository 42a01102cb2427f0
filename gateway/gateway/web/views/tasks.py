"""Tasks (seed 001): my tasks as agent or approver, the task page, comments, resolve, reopen, return."""

from __future__ import annotations

from flask import flash, render_template, request

from ... import webauth
from ...i18n import _, _l
from ..blueprint import bp
from ..client import page_api
from ..directory import people_names, staff, team_names, teams
from ..formatting import local_to_rfc3339
from ..labels import TASK_STATUSES
from ..pages import back_to, changed_fields, form_text, need, page_number, patch_as_read, report, swaps_in_place
from ..viewer import viewer

PER_PAGE = 25
TASK_VIEWS = {
    "mine": ("mine", _l("My tasks (agent or approver)")),
    "team": ("team", _l("My teams' tasks")),
    "ufordelt": ("unassigned", _l("Unassigned")),
    "godkender": ("approver", _l("I approve")),
    "oprettet": ("created_by_me", _l("Created by me")),
}
COMMENT_KINDS = {"solution": _l("Solution"), "reopen": _l("Reopened"), "return": _l("Sent back"),
                 "case_closed": _l("Case closed")}
STATES = {"aabne": ("open", _l("Open")), "lukkede": ("closed", _l("Closed")), "alle": ("any", _l("All"))}


@bp.get("/opgaver")
@webauth.roles_required("staff")
def task_list():
    view_key = request.args.get("visning") if request.args.get("visning") in TASK_VIEWS else "mine"
    state_key = request.args.get("vis") if request.args.get("vis") in STATES else "aabne"
    result = page_api().get("/api/v1/tasks", {"view": TASK_VIEWS[view_key][0], "state": STATES[state_key][0],
                                              "page": page_number(), "per_page": PER_PAGE})
    people = people_names(t.get(k) for t in result.items for k in ("assignee_id", "approver_id"))
    return render_template("web/task_list.html", result=result, views=TASK_VIEWS, view_key=view_key,
                           states=STATES, state_key=state_key, people=people, teams=team_names(),
                           page=page_number(), per_page=PER_PAGE)


@bp.get("/opgaver/<uuid:task_id>")
@webauth.roles_required("staff")
def task_page(task_id):
    return render_task_page(task_id)


def render_task_page(task_id):
    """The task page; an action posted by htmx gets only the part its actions change, with the flashed outcome."""
    api = page_api()
    task = need(api.get(f"/api/v1/tasks/{task_id}")).data
    comments = api.get(f"/api/v1/tasks/{task_id}/comments", {"per_page": 200}).items
    comments.sort(key=lambda c: c.get("created_at") or "", reverse=True)
    case = api.get(f"/api/v1/cases/{task['case_id']}")
    ids = [task.get(k) for k in ("assignee_id", "approver_id", "created_by")] + [c.get("author_id") for c in comments]
    context = {"task": task, "comments": comments, "case": case.data if case.ok else None, "people": people_names(ids),
               "teams": teams(), "team_names": team_names(), "agents": staff(), "statuses": TASK_STATUSES,
               "comment_kinds": COMMENT_KINDS}
    if swaps_in_place():
        return render_template("web/partials/swapped.html", swapped_part="web/partials/task_body.html", **context)
    return render_template("web/task_page.html", **context)


def _to_task(task_id):
    """Back to the task after an action: its changed part for htmx, a redirect (303) for a plain form post."""
    return render_task_page(task_id) if swaps_in_place() else back_to("web.task_page", task_id=task_id)


@bp.post("/opgaver/<uuid:task_id>/tag")
@webauth.roles_required("staff")
def task_take(task_id):
    """Take the task as its agent (seed 001: the team's dispatcher or an agent of the team)."""
    result = patch_as_read(f"/api/v1/tasks/{task_id}", {"assignee_id": viewer().id})
    report(result, _("You are now the agent of the task."))
    return _to_task(task_id)


@bp.post("/opgaver/<uuid:task_id>/kommentar")
@webauth.roles_required("staff")
def task_comment(task_id):
    body = form_text("body")
    if not body:
        flash(_("Write a comment."), "error")
    else:
        report(page_api().post(f"/api/v1/tasks/{task_id}/comments", {"body": body}), _("The comment is saved."))
    return _to_task(task_id)


@bp.post("/opgaver/<uuid:task_id>/loes")
@webauth.roles_required("staff")
def task_resolve(task_id):
    """Resolve with a written solution, or (seed 001) mark an internal comment already written as the solution."""
    solution, comment_id = form_text("solution"), form_text("comment_id")
    if not solution and not comment_id:
        flash(_("Write the solution before you mark the task as resolved."), "error")
    else:
        body = {"comment_id": comment_id} if comment_id else {"solution": solution}
        report(page_api().post(f"/api/v1/tasks/{task_id}/resolve", body), _("The task is resolved."))
    return _to_task(task_id)


@bp.post("/opgaver/<uuid:task_id>/genaabn")
@webauth.roles_required("staff")
def task_reopen(task_id):
    reason = form_text("reason")
    if not reason:
        flash(_("Write why the task is not solved."), "error")
        return _to_task(task_id)
    body = {"reason": reason}
    if deadline := local_to_rfc3339(form_text("deadline")):
        body["deadline"] = deadline
    report(page_api().post(f"/api/v1/tasks/{task_id}/reopen", body), _("The task is reopened."))
    return _to_task(task_id)


@bp.post("/opgaver/<uuid:task_id>/retur")
@webauth.roles_required("staff")
def task_return(task_id):
    comment = form_text("comment")
    report(page_api().post(f"/api/v1/tasks/{task_id}/return", {"comment": comment} if comment else {}),
           _("The task is sent back to the agent who created it."))
    return _to_task(task_id)


@bp.post("/opgaver/<uuid:task_id>/ret")
@webauth.roles_required("staff")
def task_edit(task_id):
    changes = changed_fields(("team_id", "assignee_id", "approver_id", "deadline"))
    if "deadline" in changes:
        changes["deadline"] = local_to_rfc3339(changes["deadline"] or "")
    if changes.get("team_id", "") is None:
        changes.pop("team_id")  # a task always has a team
    if not changes:
        flash(_("Nothing was changed."), "info")
        return _to_task(task_id)
    result = patch_as_read(f"/api/v1/tasks/{task_id}", changes)
    report(result, _("The task is saved."))
    return _to_task(task_id)
