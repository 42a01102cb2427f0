"""The case page: the conversation, the status and what each side may do with it."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, stream_with_context, url_for

from ... import webauth
from ..blueprint import bp
from ..client import ApiResult, page_api
from ..directory import people_names, staff, team_names, teams
from ..history import Names, case_numbers, history_lines, ids_to_name, organisation_names
from ..labels import CASE_STATUS_EXPLANATIONS, CASE_STATUSES, CASE_TYPES, LEVELS, OPEN_CASE_STATUSES, PRIORITIES
from ..pages import is_htmx, need, page_number, swaps_in_place
from ..viewer import viewer

TABS = ("samtale", "opgaver", "historik", "detaljer")
NEWEST = "nyeste"  # ?samtale=nyeste: a conversation longer than the overview carries, newest first, page by page
MESSAGES_PER_PAGE = 200
SAFE_DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


@bp.get("/sager/<uuid:case_id>")
@webauth.login_required
def case_page(case_id):
    return render_case_page(case_id)


def render_case_page(case_id, *, tab: str | None = None, draft: dict | None = None, forward: dict | None = None,
                     status: int = 200):
    """The case page on a tab (else the one in the address); ``draft`` is a reply that was not sent (its
    ``visibility``, ``body``, the files it already uploaded, ``kept``, and its ``error`` on ``error_field``),
    ``forward`` a mail to an external party that was not sent (its fields and ``error``), each shown again in
    its own form so nothing the user wrote is lost.
    An action posted by htmx gets only the part of the page its actions change, with the flashed outcome."""
    user = viewer()
    # One composed call: the case, its messages, SLA and (for staff) tasks, fetched by the gateway in parallel.
    overview = need(page_api().get(f"/api/v1/cases/{case_id}/overview")).data
    case = overview["case"]
    tab = tab or request.args.get("fane")
    tab = tab if user.is_staff and tab in TABS else "samtale"
    only_attachments = request.args.get("kun") == "bilag"
    conversation = load_conversation(case_id, overview, only_attachments, (draft or {}).get("kept") or [])
    context = {
        "case": case, "tab": tab, "only_attachments": only_attachments, **conversation,
        "explanations": CASE_STATUS_EXPLANATIONS, "open_statuses": OPEN_CASE_STATUSES,
        "share_query": (request.args.get("del") or "").strip(), "draft": draft or {},
        "forward": forward or {},
    }
    context["share_candidates"] = search_colleagues(context["share_query"], case) if context["share_query"] else []
    if user.is_staff:
        context.update(load_staff_part(case, tab, overview))
    ids = [case.get("requester_id"), case.get("assignee_id"), case.get("created_by"), *case.get("follower_ids", []),
           *(m.get("author_id") for m in conversation["messages"] if not m.get("author_name"))]
    named = ids_to_name(context.get("history", []))
    ids += [t.get("assignee_id") for t in context.get("tasks", [])]
    ids += [t.get(k) for t in context.get("history_tasks", []) for k in ("created_by", "resolved_by")]
    context["people"] = people_names([*ids, *named["people"]])
    if tab == "historik":
        context["history_lines"] = history_lines(context["history"], Names(
            people=context["people"], teams=context["team_names"], cases=case_numbers(named["cases"]),
            organisations=organisation_names(named["organisations"])), context["history_tasks"])
    if swaps_in_place():
        return render_template("web/partials/swapped.html", swapped_part="web/partials/case_body.html",
                               **context), status
    return render_template("web/case_page.html", **context), status


def load_conversation(case_id, overview: dict, only_attachments: bool, kept_ids: list[str]) -> dict:
    """The messages with their files, newest first (seed 000), and the case's loose files: those a reply form
    that was not sent still holds (``kept_files``) and the others (the description's). The overview carries the
    conversation whole up to its limit; a longer one is cut there (``cut``), and its newest messages are read
    page by page (``?samtale=nyeste``)."""
    api = page_api()
    if request.args.get("samtale") == NEWEST:
        listing = need(api.get(f"/api/v1/cases/{case_id}/messages", {
            "sort": "-created_at", "page": page_number(), "per_page": MESSAGES_PER_PAGE}))
        first_page = listing.data
    else:
        listing, first_page = None, overview.get("messages") or {}
    messages = list(first_page.get("items") or [])
    total = first_page.get("total") or len(messages)
    attachments = api.get(f"/api/v1/cases/{case_id}/attachments", {"per_page": 200}).items
    by_id = {a["id"]: a for a in attachments}
    for message in messages:
        ids = list(message.get("attachment_ids") or [])
        ids += [a["id"] for a in attachments if a.get("message_id") == message["id"] and a["id"] not in ids]
        message["attachment_ids"] = ids
        message["attachments"] = [by_id[i] for i in ids if i in by_id]
    messages.sort(key=lambda m: m.get("created_at") or "", reverse=True)  # seed 000: newest first
    if only_attachments:
        messages = [m for m in messages if m["attachments"]]
    attached = {i for m in messages for i in m.get("attachment_ids") or []}
    kept = kept_files(attachments, kept_ids)
    loose = [a for a in attachments if a["id"] not in attached and a not in kept]
    return {"messages": messages, "attachments": attachments, "loose_attachments": loose, "kept_files": kept,
            "conversation": _conversation_extent(overview, listing, total, len(first_page.get("items") or []))}


def kept_files(attachments: list[dict], kept_ids: list[str]) -> list[dict]:
    """The files a reply form that was not sent holds: the viewer's own, on no message yet."""
    wanted = set(kept_ids)
    return [a for a in attachments if a["id"] in wanted and not a.get("message_id")
            and a.get("uploaded_by") == viewer().id]


def _conversation_extent(overview: dict, newest: ApiResult | None, total: int, shown: int) -> dict:
    """How much of the conversation the page shows: all of it, the overview's cut part (``cut``), or a page
    of the newest messages (``newest``, ``page``; ``at_start`` when it reaches the case's description)."""
    if newest is not None:
        return {"newest": newest, "total": total, "page": page_number(), "per_page": MESSAGES_PER_PAGE,
                "at_start": page_number() * MESSAGES_PER_PAGE >= total}
    return {"newest": None, "total": total, "shown": shown, "cut": total > shown, "at_start": True,
            "problem": (overview.get("errors") or {}).get("messages")}


def load_staff_part(case: dict, tab: str, overview: dict) -> dict:
    api = page_api()
    case_id = case["id"]
    tasks = overview.get("tasks") or {}
    part = {
        "tasks": tasks.get("items") or [], "task_count": tasks.get("total") or len(tasks.get("items") or []),
        "sla": overview.get("sla"),
        "templates": reply_templates(case),
        "teams": teams(), "team_names": team_names(), "agents": staff(),
        "statuses": CASE_STATUSES, "priorities": PRIORITIES, "levels": LEVELS, "types": CASE_TYPES,
        "history": [], "children": [], "parent": None,
    }
    if tab == "historik":
        part["history"] = api.get(f"/api/v1/cases/{case_id}/history", {"per_page": 200}).items
        part["history_tasks"] = all_tasks(case_id, tasks)
    if tab == "detaljer":
        part["children"] = api.get("/api/v1/cases", {"parent_id": case_id, "view": "all", "status": "any",
                                                     "per_page": 100}).items
    if case.get("parent_id"):
        parent = api.get(f"/api/v1/cases/{case['parent_id']}")
        part["parent"] = parent.data if parent.ok else None
    if case.get("merged_into_id"):
        merged = api.get(f"/api/v1/cases/{case['merged_into_id']}")
        part["merged_into"] = merged.data if merged.ok else None
    return part


def all_tasks(case_id, first_page: dict) -> list[dict]:
    """Every task of the case: the overview's page, or (more tasks than it holds) all of them in one call."""
    items = list(first_page.get("items") or [])
    if (first_page.get("total") or 0) <= len(items):
        return items
    return page_api().get(f"/api/v1/cases/{case_id}/tasks", {"per_page": 200}).items


def reply_templates(case: dict) -> list[dict]:
    """The templates in the requester's language, or all of them when there are none in it.

    Inserted as they are: notify's mail of a reply already says "Kære <navn>" and signs with the agent and
    the team (seed 001's header and footer), so a template carries neither."""
    api = page_api()
    requester = api.get(f"/api/v1/users/{case.get('requester_id')}", cached=True) if case.get("requester_id") else None
    language = requester.data.get("language") if requester is not None and requester.ok else None
    if language:
        in_language = api.get("/api/v1/reply-templates", {"language": language, "per_page": 200}).items
        if in_language:
            return in_language
    return api.get("/api/v1/reply-templates", {"per_page": 200}).items


def search_colleagues(query: str, case: dict) -> list[dict]:
    """Seed 000: find people of the case's organisation by name to share the case with."""
    params = {"q": query, "per_page": 20}
    if viewer().is_staff and case.get("organisation_id"):
        params["organisation_id"] = case["organisation_id"]  # staff search everyone; only colleagues may follow
    result = page_api().get("/api/v1/users", params)
    already = {str(i) for i in case.get("follower_ids") or []} | {str(case.get("requester_id"))}
    return [u for u in result.items if str(u.get("id")) not in already]


@bp.get("/sager/<uuid:case_id>/del/soeg")
@webauth.login_required
def share_search(case_id):
    """The share dialog's search results (an htmx fragment; without JavaScript the case page shows them)."""
    query = (request.args.get("del") or "").strip()
    if not is_htmx():
        return redirect(url_for("web.case_page", case_id=case_id, _anchor="del", **{"del": query}))
    case = need(page_api().get(f"/api/v1/cases/{case_id}")).data
    candidates = search_colleagues(query, case) if len(query) >= 2 else []
    return render_template("web/partials/share_candidates.html", case=case, share_candidates=candidates,
                           share_query=query)


@bp.get("/sager/<uuid:case_id>/sla")
@webauth.login_required
def case_sla(case_id):
    """The SLA countdown, refreshed by htmx every minute (remaining time counts business hours only)."""
    sla = page_api().get(f"/api/v1/cases/{case_id}/sla")
    return render_template("web/partials/sla.html", sla=sla.data if sla.ok else None, case={"id": str(case_id)})


@bp.get("/sager/<uuid:case_id>/bilag/<uuid:attachment_id>")
@webauth.login_required
def attachment_download(case_id, attachment_id):
    """Stream an attachment through, always as a download, never rendered by the browser."""
    answer = page_api().stream(f"/api/v1/cases/{case_id}/attachments/{attachment_id}")
    if answer.status != 200:
        abort(404)
    disposition = answer.headers.get("Content-Disposition") or "attachment"
    if not disposition.lower().startswith("attachment"):
        disposition = "attachment"
    response = Response(stream_with_context(answer.stream), mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = disposition
    if answer.headers.get("Content-Length"):
        response.headers["Content-Length"] = answer.headers["Content-Length"]
    response.headers.update(SAFE_DOWNLOAD_HEADERS)
    return response
