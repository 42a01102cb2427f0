"""Case lists (Mine sager, the agents' views), the create form and bulk edit."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ... import webauth
from ...i18n import _, _l
from ..blueprint import bp
from ..client import page_api
from ..directory import people_names, staff, team_names, teams
from ..labels import CASE_STATUSES, CASE_TYPES, LEVELS, ORIGINS, PRIORITIES
from ..pages import form_flag, form_text, page_number
from ..uploads import chosen_files, refusal, upload_attachments
from ..viewer import viewer

PER_PAGE = 25
STATUS_FILTERS = {"aaben": ("open", _l("Open")), "lukket": ("closed", _l("Closed")), "alle": ("any", _l("All"))}
REQUESTER_VIEWS = {
    "mine": ("mine", _l("My cases")),
    "delt": ("shared", _l("Shared with me")),
    "organisation": ("organisation", _l("My organisation")),
}
STAFF_VIEWS = {
    "tildelt": ("assigned_to_me", _l("Assigned to me")),
    "team": ("team", _l("My teams' queue")),
    "ufordelt": ("unassigned", _l("Unassigned")),
    "alle": ("all", _l("All cases")),
    "mine": ("mine", _l("Created for me")),
}
SORTS = {
    "-updated_at": _l("Latest updated"),
    "-created_at": _l("Newest"),
    "created_at": _l("Oldest"),
    "priority": _l("Priority"),
}
DEFAULT_SORT = "-updated_at"
BULK_FIELDS = ("status", "team_id", "assignee_id", "priority", "category")
UNASSIGN = "-"  # the agent choice of the bulk form that takes the agent off the cases
BULK_RESULT_MAX_AGE = 3600  # seconds the result page of a bulk edit can be reloaded


def case_views() -> dict:
    return STAFF_VIEWS if viewer().is_staff else REQUESTER_VIEWS


@bp.get("/sager")
@webauth.login_required
def case_list():
    views = case_views()
    view_key = request.args.get("visning") if request.args.get("visning") in views else next(iter(views))
    status_key = request.args.get("vis") if request.args.get("vis") in STATUS_FILTERS else "aaben"
    sort = request.args.get("sortering") if request.args.get("sortering") in SORTS else DEFAULT_SORT
    query = (request.args.get("q") or "").strip()
    result = page_api().get("/api/v1/cases", {
        "view": views[view_key][0], "status": STATUS_FILTERS[status_key][0], "q": query, "sort": sort,
        "page": page_number(), "per_page": PER_PAGE,
    })
    people = people_names(c.get("assignee_id") for c in result.items) if viewer().is_staff else {}
    # what the filter form chose, kept by the view tabs (only what differs from the default)
    filters = {"vis": status_key, "sortering": sort if sort != DEFAULT_SORT else None, "q": query or None}
    return render_template(
        "web/case_list.html", result=result, views=views, view_key=view_key, status_filters=STATUS_FILTERS,
        status_key=status_key, sorts=SORTS, sort=sort, query=query, page=page_number(), per_page=PER_PAGE,
        filters=filters, people=people, teams=team_names() if viewer().is_staff else {},
        bulk_options=_bulk_options() if viewer().is_staff else None,
    )


def _bulk_options() -> dict:
    return {"statuses": CASE_STATUSES, "priorities": PRIORITIES, "teams": teams(), "agents": staff()}


@bp.route("/sager/ny", methods=["GET", "POST"])
@webauth.login_required
def case_new():
    form = new_case_defaults()
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {name: form_text(name) for name in
                ("title", "description", "type", "urgency", "impact", "category", "product", "origin",
                 "team_id", "requester_email")}
        form["private"] = form_flag("private")
        errors = _validate_new_case(form)
        if not errors:
            created = _create_case(form, errors)
            if created:
                return created
    return render_case_form(form, errors, 422 if errors else 200)


def render_case_form(form: dict, errors: dict[str, str], status: int):
    return render_template("web/case_new.html", form=form, errors=errors, types=CASE_TYPES, levels=LEVELS,
                           origins=ORIGINS, teams=teams() if viewer().is_staff else []), status


def new_case_defaults() -> dict:
    return {"urgency": "medium", "impact": "medium", "type": "question"}


def _validate_new_case(form: dict) -> dict[str, str]:
    errors = {}
    if not form["title"]:
        errors["title"] = _("Write a title.")
    if not form["description"]:
        errors["description"] = _("Describe what the case is about.")
    if problem := refusal(chosen_files()):
        errors["files"] = problem
    return errors


def _create_case(form: dict, errors: dict[str, str]):
    body = {k: form[k] for k in ("title", "description", "type", "urgency", "impact", "category", "product")
            if form.get(k)}
    body["private"] = form["private"]
    if viewer().is_staff:
        if form.get("origin"):
            body["origin"] = form["origin"]
        if form.get("team_id"):
            body["team_id"] = form["team_id"]
        if form.get("requester_email"):
            requester = _find_user_by_email(form["requester_email"])
            if requester is None:
                errors["requester_email"] = _("No user has this e-mail address.")
                return None
            body["requester_id"] = requester["id"]
    result = page_api().post("/api/v1/cases", body)
    if not result.ok:
        for name, messages in result.field_errors.items():
            errors[name] = " ".join(messages)
        errors.setdefault("form", result.message)
        return None
    case = result.data
    # The description's files can only follow the case (there is no case to upload them to before, and
    # POST /api/v1/cases takes no attachment_ids). No event names them: they are the case's loose files,
    # and the receipt of case.created carries no files, so no mail goes out without them.
    for problem in upload_attachments(case["id"], chosen_files(), "external").refusals:
        flash(problem, "error")
    flash(_("Your case %(number)s has been created.", number=case.get("number", "")), "success")
    return redirect(url_for("web.case_page", case_id=case["id"]), code=303)


def _find_user_by_email(email: str) -> dict | None:
    result = page_api().get("/api/v1/users", {"q": email, "per_page": 20})
    return next((u for u in result.items if (u.get("email") or "").lower() == email.lower()), None)


@bp.post("/sager/masse")
@webauth.roles_required("staff")
def case_bulk():
    """Seed 003, mass editing: each selected case is changed or refused on its own rules. The outcome is shown
    on a page of its own (post/redirect/get), so reloading it never changes the cases again."""
    ids = [i for i in request.form.getlist("ids") if i]
    changes = _bulk_changes()
    if not ids or not changes:
        flash(_("Select one or more cases and at least one change."), "error")
        return redirect(request.referrer or url_for("web.case_list"), code=303)
    result = page_api().post("/api/v1/cases/bulk", {"ids": ids, "changes": changes})
    if not result.ok:
        flash(result.message, "error")
        return redirect(url_for("web.case_list"), code=303)
    outcomes = [[o.get("id"), request.form.get(f"number-{o.get('id')}") or o.get("id"), o.get("status"),
                 o.get("detail") or ""] for o in result.data.get("results") or []]
    return redirect(url_for("web.case_bulk_result", resultat=_bulk_results().dumps(outcomes)), code=303)


def _bulk_changes() -> dict:
    changes: dict = {name: form_text(name) for name in BULK_FIELDS if form_text(name)}
    if changes.get("assignee_id") == UNASSIGN:
        changes["assignee_id"] = None
    return changes


def _bulk_results() -> URLSafeTimedSerializer:
    """The outcome of a bulk edit, signed for the agent who made it, carried to the result page in its link."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"web.bulk-result:{viewer().id}")


@bp.get("/sager/masse/resultat")
@webauth.roles_required("staff")
def case_bulk_result():
    try:
        outcomes = _bulk_results().loads(request.args.get("resultat", ""), max_age=BULK_RESULT_MAX_AGE)
    except BadSignature:
        flash(_("The result of the change is no longer available. Look at the cases in the list."), "info")
        return redirect(url_for("web.case_list"), code=303)
    rows = [{"id": case_id, "number": number, "status": status, "detail": detail}
            for case_id, number, status, detail in outcomes]
    return render_template("web/case_bulk_result.html", outcomes=rows)
