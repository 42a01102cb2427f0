"""What a user does on a case page: reply, note, share, close, reopen, resolve, edit, merge, tasks."""

from __future__ import annotations

from flask import flash, request, url_for

from ... import webauth
from ...i18n import _
from ..blueprint import bp
from ..client import page_api
from ..formatting import local_to_rfc3339
from ..numbers import case_prefix, parse_number
from ..pages import back_to, changed_fields, form_flag, form_text, leave_to, patch_as_read, report, swaps_in_place
from ..uploads import chosen_files, refusal, upload_attachments
from ..viewer import viewer
from .case_page import render_case_page

EDITABLE = ("title", "status", "priority", "urgency", "impact", "type", "category", "product", "team_id",
            "assignee_id")


def _to_case(case_id, tab: str | None = None, anchor: str | None = None):
    """Back to the case after an action, on the tab its form was on. An action posted by htmx gets the case's
    changed part at once, with the flashed outcome; a plain form post is redirected (303) to the page."""
    tab = tab or request.form.get("fane") or None
    if swaps_in_place():
        return render_case_page(case_id, tab=tab)
    values = {"case_id": case_id}
    if tab and tab != "samtale":
        values["fane"] = tab
    if anchor:
        values["_anchor"] = anchor
    return back_to("web.case_page", **values)


@bp.post("/sager/<uuid:case_id>/svar")
@webauth.login_required
def case_reply(case_id):
    """A reply to the requester, or an internal note: which one is the form's own, never a default.

    The files go first, with the message's visibility (an internal note's files are internal from the start),
    and the message is posted naming them (``attachment_ids``), so its event and mail already have them. If
    a file or the message is refused, the form comes back with what was typed and the files uploaded so far
    (``attachment_ids``, ticked), so sending again attaches them instead of uploading them twice."""
    visibility = request.form.get("visibility")
    if visibility not in ("external", "internal") or (visibility == "internal" and not viewer().is_staff):
        flash(_("Choose whether you write to the requester or an internal note."), "error")
        return _to_case(case_id)
    draft = {"visibility": visibility, "body": form_text("body"),
             "kept": list(dict.fromkeys(i for i in request.form.getlist("attachment_ids") if i))}
    files = chosen_files()
    if problem := refusal(files):
        return _reply_again(case_id, draft, problem, "files")
    if not draft["body"] and not files and not draft["kept"]:
        flash(_("Write a message or attach a file."), "error")
        return _to_case(case_id, anchor="svar")
    uploads = upload_attachments(str(case_id), files, visibility)
    draft["kept"] += uploads.ids
    if uploads.refusals:
        return _reply_again(case_id, draft, " ".join([*uploads.refusals, _not_sent_note(draft)]), "files")
    result = page_api().post(f"/api/v1/cases/{case_id}/messages", {
        "body": draft["body"] or _("(attached files)"), "visibility": visibility, "attachment_ids": draft["kept"]})
    if not result.ok:
        reason = _("The message was not sent: %(reason)s", reason=result.message_with_details)
        return _reply_again(case_id, draft, f"{reason} {_not_sent_note(draft)}".strip(), "body")
    flash(_("The internal note is saved.") if visibility == "internal" else _("Your reply has been sent."),
          "success")
    return _to_case(case_id)


def _reply_again(case_id, draft: dict, error: str, field: str):
    """The case page with the reply form as it was sent and what went wrong (on its files or its text)."""
    return render_case_page(case_id, draft={**draft, "error": error, "error_field": field}, status=422)


def _not_sent_note(draft: dict) -> str:
    if not draft["kept"]:
        return _("Nothing was sent.")
    return _("Nothing was sent. The files already uploaded are on the case without a message and stay chosen "
             "on the form: send again to attach them.")


@bp.post("/sager/<uuid:case_id>/beskeder/<uuid:message_id>/loesning")
@webauth.login_required
def case_mark_solution(case_id, message_id):
    report(page_api().post(f"/api/v1/cases/{case_id}/messages/{message_id}/solution"),
           _("The message is marked as the solution."))
    return _to_case(case_id)


@bp.post("/sager/<uuid:case_id>/ret")
@webauth.login_required
def case_edit(case_id):
    """Agents change fields; the version read with the page guards against overwriting a colleague's change."""
    changes = changed_fields(EDITABLE)
    if request.form.get("has_private") and form_flag("private") != form_flag("was_private"):
        changes["private"] = form_flag("private")
    if "parent_number" in changed_fields(("parent_number",)):
        parent = _case_by_number(form_text("parent_number"))
        if parent is False:
            return _to_case(case_id, "detaljer")
        changes["parent_id"] = parent["id"] if parent else None
    changes = {k: v for k, v in changes.items() if v is not None or k in ("assignee_id", "parent_id", "category",
                                                                           "product")}
    if not changes:
        flash(_("Nothing was changed."), "info")
        return _to_case(case_id)
    result = patch_as_read(f"/api/v1/cases/{case_id}", changes)
    if result.status == 412:
        flash(_("Someone else changed the case while you had it open. Your change was not saved: "
                "look at the case again and repeat it."), "error")
    else:
        report(result, _("The case is saved."))
    return _to_case(case_id)


def _case_by_number(text: str):
    """The case a number names; None for an empty field; False (after flashing why) when it is not found."""
    if not text:
        return None
    parsed = parse_number(text)
    if parsed is None:
        flash(_("%(text)s is not a case number.", text=text), "error")
        return False
    found = page_api().get(f"/api/v1/cases/by-number/{parsed.case_number(case_prefix=case_prefix())}")
    if not found.ok:
        flash(_("No case has the number %(text)s.", text=text), "error")
        return False
    return found.data


@bp.post("/sager/<uuid:case_id>/overtag")
@webauth.login_required
def case_take(case_id):
    """Seed 003, "accept": take the case from the queue as its agent."""
    result = patch_as_read(f"/api/v1/cases/{case_id}", {"assignee_id": viewer().id})
    report(result, _("You are now the agent of the case."))
    return _to_case(case_id)


@bp.post("/sager/<uuid:case_id>/udfoer")
@webauth.login_required
def case_resolve(case_id):
    solution = form_text("solution")
    report(page_api().post(f"/api/v1/cases/{case_id}/resolve", {"solution": solution} if solution else {}),
           _("The case is resolved."))
    return _to_case(case_id)


@bp.post("/sager/<uuid:case_id>/genaabn")
@webauth.login_required
def case_reopen(case_id):
    reason = form_text("reason")
    report(page_api().post(f"/api/v1/cases/{case_id}/reopen", {"reason": reason} if reason else {}),
           _("The case is reopened."))
    return _to_case(case_id)


@bp.post("/sager/<uuid:case_id>/luk")
@webauth.login_required
def case_close(case_id):
    report(page_api().post(f"/api/v1/cases/{case_id}/close"), _("The case is closed."))
    return _to_case(case_id)


@bp.post("/sager/<uuid:case_id>/del")
@webauth.login_required
def case_share(case_id):
    """Seed 000: confirm "Vil blive delt med" with Del; each colleague is added as a follower."""
    user_ids = list(dict.fromkeys(u for u in request.form.getlist("user_ids") if u))
    if not user_ids:
        flash(_("Find and choose the colleagues to share the case with."), "error")
        return _to_case(case_id, anchor="del")
    shared = 0
    for user_id in user_ids:
        result = page_api().post(f"/api/v1/cases/{case_id}/shares", {"user_id": user_id})
        if result.ok:
            shared += 1
        else:
            flash(result.message, "error")
    if shared:
        flash(_("The case is shared with %(count)s person(s).", count=shared), "success")
    return _to_case(case_id)


@bp.post("/sager/<uuid:case_id>/del/<uuid:user_id>/fjern")
@webauth.login_required
def case_unshare(case_id, user_id):
    removed = report(page_api().delete(f"/api/v1/cases/{case_id}/shares/{user_id}"),
                     _("The case is no longer shared."))
    if removed and str(user_id) == viewer().id and not viewer().is_staff:
        return leave_to(url_for("web.case_list"))  # a follower who left can no longer see the case
    return _to_case(case_id)


@bp.post("/sager/<uuid:case_id>/flet")
@webauth.login_required
def case_merge(case_id):
    target = _case_by_number(form_text("into_number"))
    if not target:
        if target is None:
            flash(_("Write the number of the case to merge into."), "error")
        return _to_case(case_id, "detaljer")
    result = page_api().post(f"/api/v1/cases/{case_id}/merge", {"into_id": target["id"]})
    if report(result, _("The case is merged into %(number)s.", number=target.get("number", ""))):
        return back_to("web.case_page", case_id=target["id"])
    return _to_case(case_id, "detaljer")


@bp.post("/sager/<uuid:case_id>/opgaver")
@webauth.login_required
def case_task_create(case_id):
    """Seed 001: a task with a subject, a real description, a team, perhaps an approver and a deadline."""
    body = {
        "subject": form_text("subject"),
        "description": form_text("description"),
        "team_id": form_text("team_id") or None,
        "assignee_id": form_text("assignee_id") or None,
        "approver_id": form_text("approver_id") or None,
        "deadline": local_to_rfc3339(form_text("deadline")),
        "blocks_case_closure": form_flag("blocks_case_closure"),
    }
    body = {k: v for k, v in body.items() if v is not None}
    result = page_api().post(f"/api/v1/cases/{case_id}/tasks", body)
    if result.ok:
        flash(_("Task %(number)s is created.", number=result.data.get("number", "")), "success")
    else:
        flash(result.message_with_details, "error")
    return _to_case(case_id, "opgaver")


@bp.post("/sager/<uuid:case_id>/videresend")
@webauth.login_required
def case_forward(case_id):
    """Seeds 001 and 003: mail an external party (a supplier, a partner) from the case; kept as an internal note.
    A refused mail gives the form back as it was filled in, with what went wrong."""
    typed = {"to": form_text("to"), "cc": form_text("cc"), "body": form_text("body"),
             "attachment_ids": request.form.getlist("attachment_ids")}
    body = {"to": _addresses(typed["to"]), "cc": _addresses(typed["cc"]), "body": typed["body"],
            "attachment_ids": typed["attachment_ids"]}
    if not body["to"] or not body["body"]:
        return _forward_again(case_id, typed, _("Write at least one recipient and a message."))
    result = page_api().post(f"/api/v1/cases/{case_id}/forward", body)
    if not result.ok:
        return _forward_again(case_id, typed, result.message_with_details)
    flash(_("The mail is sent to %(to)s.", to=", ".join(body["to"])), "success")
    return _to_case(case_id)


def _forward_again(case_id, typed: dict, error: str):
    return render_case_page(case_id, forward={**typed, "error": error}, status=422)


def _addresses(text: str) -> list[str]:
    return [a for a in (part.strip() for part in text.replace(";", ",").replace(" ", ",").split(",")) if a]
