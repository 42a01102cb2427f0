"""Names of people and teams for a page, read once per request from the gateway's directory."""

from __future__ import annotations

from collections.abc import Iterable

from ..i18n import _
from .client import page_api
from .viewer import viewer

STAFF_ROLES = {"agent", "dispatcher", "admin"}


def teams() -> list[dict]:
    result = page_api().get("/api/v1/teams", {"per_page": 200}, cached=True)
    return sorted(result.items, key=lambda t: (t.get("name") or "").lower()) if result.ok else []


def team_names() -> dict[str, str]:
    return {str(t["id"]): t.get("name") or "" for t in teams()}


def staff() -> list[dict]:
    """Agents, dispatchers and admins, for the assignee and approver pickers (staff pages only)."""
    result = page_api().get("/api/v1/users", {"role": "agent", "per_page": 200}, cached=True)
    people = [u for u in result.items if STAFF_ROLES & set(u.get("roles") or STAFF_ROLES)] if result.ok else []
    return sorted(people, key=lambda u: (u.get("name") or "").lower())


def people_names(ids: Iterable[str | None]) -> dict[str, str]:
    """id -> name for the given users; someone this user may not look up shows as a member of staff."""
    me = viewer()
    names: dict[str, str] = {}
    known = {str(u["id"]): u.get("name") or u.get("email") or "" for u in (staff() if me and me.is_staff else [])}
    for user_id in {str(i) for i in ids if i}:
        if me and user_id == me.id:
            names[user_id] = me.name
        elif user_id in known:
            names[user_id] = known[user_id]
        elif user_id.startswith("service:"):
            names[user_id] = _("The system")
        else:
            names[user_id] = _person(user_id)
    return names


def _person(user_id: str) -> str:
    result = page_api().get(f"/api/v1/users/{user_id}", cached=True)
    if result.ok:
        return result.data.get("name") or result.data.get("email") or _("Unknown")
    return _("Service desk")
