"""The signed-in user as pages need them, read from ``webauth.current_user()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g

from .. import webauth

STAFF_ROLES = frozenset({"agent", "dispatcher", "admin"})


@dataclass(frozen=True)
class Viewer:
    id: str
    email: str
    name: str
    roles: frozenset[str]
    language: str
    organisation_id: str | None
    team_ids: frozenset[str]
    dispatcher_team_ids: frozenset[str]

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        return "".join(p[0] for p in (parts[:1] + parts[-1:] if len(parts) > 1 else parts)).upper() or "?"


def viewer() -> Viewer | None:
    """The signed-in user of this request, or None."""
    if "web_viewer" not in g:
        g.web_viewer = _from_user(webauth.current_user())
    return g.web_viewer


def _from_user(user: Any) -> Viewer | None:
    if not user:
        return None

    def read(name: str, default: Any = None) -> Any:
        if isinstance(user, dict):
            return user.get(name, default)
        return getattr(user, name, default)

    return Viewer(
        id=str(read("id") or read("user_id")),
        email=read("email") or "",
        name=read("name") or read("email") or "",
        roles=frozenset(read("roles") or ()),
        language=read("language") or "da",
        organisation_id=read("organisation_id"),
        team_ids=frozenset(str(t) for t in read("team_ids") or ()),
        dispatcher_team_ids=frozenset(str(t) for t in read("dispatcher_team_ids") or ()),
    )
