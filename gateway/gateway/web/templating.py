"""What every template sees: the user, the main menu, the language switch and the CSRF token."""

from __future__ import annotations

from flask import Flask, request, url_for

from .. import webauth
from ..i18n import _l
from .language import current_language
from .uploads import upload_rules
from .viewer import viewer

REQUESTER_MENU = (
    ("web.home", _l("Front page")),
    ("web.case_list", _l("My cases")),
    ("web.case_new", _l("Create case")),
    ("web.notifications", _l("Notifications")),
)
STAFF_MENU = (
    ("web.dashboard", _l("Workspace")),
    ("web.case_list", _l("Cases")),
    ("web.task_list", _l("Tasks")),
    ("web.case_new", _l("Create case")),
    ("web.search", _l("Search")),
    ("web.statistics", _l("Statistics")),
    ("web.notifications", _l("Notifications")),
)

# Pages that belong under a menu entry, so the entry is shown as the active one there.
SECTIONS = {
    "web.case_list": ("web.case_page", "web.case_bulk", "web.case_bulk_result"),
    "web.task_list": ("web.task_page",),
}


def main_menu() -> list[dict]:
    user = viewer()
    if user is None:
        return []
    entries = STAFF_MENU if user.is_staff else REQUESTER_MENU
    current = request.endpoint or ""
    items = []
    for endpoint, text in entries:
        active = current == endpoint or current in SECTIONS.get(endpoint, ())
        items.append({"href": url_for(endpoint), "text": str(text), "current": current == endpoint,
                      "active": active})
    return items


def install_template_globals(app: Flask) -> None:
    @app.context_processor
    def web_context() -> dict:
        if request.blueprint != "web":
            return {}
        context = {
            "viewer": viewer(),
            "main_menu": main_menu,
            "page_language": current_language(),
            "upload_rules": upload_rules,
        }
        return context

    # Macros imported without context see only globals: the token must be one (webauth may have set it).
    app.jinja_env.globals.setdefault("csrf_token", webauth.csrf_token)
