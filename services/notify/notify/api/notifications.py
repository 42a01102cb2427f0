"""``/api/v1/notifications`` (my in-app notices) and ``/api/v1/notification-preferences``."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from servicekit.i18n import request_language
from servicekit.pagination import offset, page
from servicekit.web import ApiBlueprint, current_identity, db_session, service

from ..models import Notification
from ..schemas import (
    MarkedCount,
    NotificationPage,
    NotificationQueryArgs,
    NotificationRead,
    PreferenceList,
    PreferenceUpdate,
    UnreadCount,
)
from ..service import notifications as notices
from ..service.directory import SessionDirectory

blp = ApiBlueprint("notifications", __name__, url_prefix="/api/v1", description="My in-app notices and preferences")

EXCERPT = 280


def present(notice: Notification, directory: SessionDirectory) -> dict[str, Any]:
    """A notice as the API shows it, its title written in the caller's language and with the names known now."""
    params = {**(notice.params or {}), **directory.names(notice.params or {})[0]}
    identity = current_identity()
    title = service().extras["composer"].title(notice.kind, request_language(), params, identity.name)
    text = (params.get("message") or {}).get("body") or (params.get("comment") or {}).get("body") or ""
    case, task = params.get("case") or {}, params.get("task") or {}
    link = f"/opgaver/{notice.task_id}" if notice.task_id else f"/sager/{notice.case_id}" if notice.case_id else None
    return {
        "id": notice.id, "kind": notice.kind, "title": title,
        "excerpt": " ".join(text.split())[:EXCERPT] or None,
        "case_id": notice.case_id, "case_number": case.get("number") or task.get("case_number"),
        "task_id": notice.task_id, "task_number": task.get("number"), "link": link,
        "actor_name": params.get("author_name") or params.get("actor_name") or None,
        "created_at": notice.created_at, "read_at": notice.read_at, "read": notice.read_at is not None,
    }


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.arguments(NotificationQueryArgs, location="query")
    @blp.response(200, NotificationPage)
    def get(self, args):
        """My notices, newest first (``?unread=true`` for the unread ones)."""
        rows, total = notices.list_notifications(db_session(), current_identity().user_id,
                                                 unread_only=args["unread"], limit=args["per_page"],
                                                 offset=offset(args))
        directory = SessionDirectory(db_session())
        directory.load_people(r.params or {} for r in rows)
        return page([present(r, directory) for r in rows], total, args)


@blp.route("/notifications/unread-count")
class UnreadNotifications(MethodView):
    @blp.response(200, UnreadCount)
    def get(self):
        """How many of my notices are unread (for the bell in the front end)."""
        return {"unread": notices.unread_count(db_session(), current_identity().user_id)}


@blp.route("/notifications/<notification_id>/read")
class ReadNotification(MethodView):
    @blp.response(200, NotificationRead)
    @blp.alt_response(404, description="No such notice of mine")
    def post(self, notification_id):
        """Mark one of my notices read."""
        notice = notices.mark_read(db_session(), current_identity().user_id, notification_id)
        return present(notice, SessionDirectory(db_session()))


@blp.route("/notifications/read-all")
class ReadAllNotifications(MethodView):
    @blp.response(200, MarkedCount)
    def post(self):
        """Mark all my notices read."""
        return {"marked": notices.mark_all_read(db_session(), current_identity().user_id)}


@blp.route("/notification-preferences")
class Preferences(MethodView):
    @blp.response(200, PreferenceList)
    def get(self):
        """The notices I can get, per channel, and which of them are required."""
        return {"items": notices.preferences(db_session(), current_identity())}

    @blp.arguments(PreferenceUpdate)
    @blp.response(200, PreferenceList)
    @blp.alt_response(422, description="A required notice cannot be turned off")
    def put(self, body):
        """Turn optional notices on or off per channel (``email``, ``in_app``)."""
        identity = current_identity()
        notices.set_preferences(db_session(), identity, body["items"])
        return {"items": notices.preferences(db_session(), identity)}
