"""My notifications (in-app), read and unread."""

from __future__ import annotations

from flask import render_template, request, url_for

from ... import webauth
from ...i18n import _
from ..blueprint import bp
from ..client import page_api
from ..pages import back_to, is_htmx, page_number, report

PER_PAGE = 30


@bp.get("/notifikationer")
@webauth.login_required
def notifications():
    unread_only = request.args.get("vis") == "ulaeste"
    params = {"page": page_number(), "per_page": PER_PAGE}
    if unread_only:
        params["unread"] = "true"
    result = page_api().get("/api/v1/notifications", params)
    preferences = page_api().get("/api/v1/notification-preferences")
    return render_template("web/notifications.html", result=result, unread_only=unread_only, page=page_number(),
                           per_page=PER_PAGE, preferences=preferences.items if preferences.ok else [],
                           links={n.get("id"): notice_link(n) for n in result.items})


def notice_link(notice: dict) -> str | None:
    """Where a notice leads: its own link when that stays on this site, else its case or task page."""
    if notice.get("case_id"):
        own_page = url_for("web.case_page", case_id=notice["case_id"])
    elif notice.get("task_id"):
        own_page = url_for("web.task_page", task_id=notice["task_id"])
    else:
        own_page = None
    link = webauth.safe_next(notice.get("link"), default="") if notice.get("link") else ""
    return link or own_page


@bp.get("/notifikationer/antal")
@webauth.login_required
def notification_count():
    """The unread count in the header, fetched by htmx after the page has loaded."""
    result = page_api().get("/api/v1/notifications/unread-count")
    count = int(result.data.get("unread") or 0) if result.ok else 0
    return render_template("web/partials/unread_count.html", count=count, standalone=not is_htmx())


@bp.post("/notifikationer/indstillinger")
@webauth.login_required
def notification_preferences():
    """Which optional notices I want, by e-mail and in the portal (mandatory ones cannot be turned off)."""
    current = page_api().get("/api/v1/notification-preferences").items
    choices = [{"kind": item["kind"],
                "channels": {channel: request.form.get(f"{item['kind']}:{channel}") == "1"
                             for channel in (item.get("channels") or {})}}
               for item in current if not item.get("mandatory")]
    report(page_api().put("/api/v1/notification-preferences", {"items": choices}),
           _("Your choices are saved."))
    return back_to("web.notifications")


@bp.post("/notifikationer/<uuid:notification_id>/laest")
@webauth.login_required
def notification_read(notification_id):
    report(page_api().post(f"/api/v1/notifications/{notification_id}/read"), _("Marked as read."))
    return back_to("web.notifications")


@bp.post("/notifikationer/alle-laest")
@webauth.login_required
def notifications_all_read():
    report(page_api().post("/api/v1/notifications/read-all"), _("All notifications are marked as read."))
    return back_to("web.notifications")
