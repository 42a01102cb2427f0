"""My notifications (in-app), read and unread."""

from __future__ import annotations

from flask import render_template, request

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
    return render_template("web/notifications.html", result=result, unread_only=unread_only, page=page_number(),
                           per_page=PER_PAGE)


@bp.get("/notifikationer/antal")
@webauth.login_required
def notification_count():
    """The unread count in the header, fetched by htmx after the page has loaded."""
    result = page_api().get("/api/v1/notifications", {"unread": "true", "per_page": 1})
    count = result.total if result.ok else 0
    return render_template("web/partials/unread_count.html", count=count, standalone=not is_htmx())


@bp.post("/notifikationer/<uuid:notification_id>/laest")
@webauth.login_required
def notification_read(notification_id):
    report(page_api().post(f"/api/v1/notifications/{notification_id}/read"), _("Marked as read."))
    return back_to("web.notifications")


@bp.post("/notifikationer/alle-laest")
@webauth.login_required
def notifications_all_read():
    api = page_api()
    result = api.post("/api/v1/notifications/read-all")
    if result.status in (404, 405):  # no bulk endpoint: mark the unread ones one by one
        for item in api.get("/api/v1/notifications", {"unread": "true", "per_page": 200}).items:
            result = api.post(f"/api/v1/notifications/{item['id']}/read")
    report(result, _("All notifications are marked as read."))
    return back_to("web.notifications")
