"""What we keep of other services' aggregates, each applied only when its version is newer.

Users, teams and organisations (from the gateway's events) tell us who people
are, their address, name and language; cases and tasks tell us just enough to
match inbound mail and to skip notices about a change already overtaken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import DirectoryOrganisation, DirectoryTeam, DirectoryUser, KnownCase, KnownTask

STAFF_ROLES = frozenset({"agent", "dispatcher", "admin"})


def _version(data: Mapping[str, Any]) -> int:
    return int(data.get("version") or 0)


def _apply(session: Session, model, data: Mapping[str, Any], values: dict[str, Any]) -> int | None:
    """Keep ``values`` for row ``data['id']`` if the event is newer; return the version held before (or None)."""
    row = session.get(model, str(data["id"]), with_for_update=True)
    held = row.version if row is not None else None
    if held is not None and held >= _version(data):
        return held
    if row is None:
        row = model(id=str(data["id"]))
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.version = _version(data)
    return held


def apply_user(session: Session, data: Mapping[str, Any]) -> int | None:
    return _apply(session, DirectoryUser, data, {
        "email": (data.get("email") or "").strip().lower(),
        "name": data.get("name") or "",
        "roles": list(data.get("roles") or []),
        "organisation_id": data.get("organisation_id"),
        "language": data.get("language") if data.get("language") in ("da", "en") else "da",
        "active": bool(data.get("active", True)),
        "shared_mailbox": bool(data.get("shared_mailbox", False)),
    })


def apply_team(session: Session, data: Mapping[str, Any]) -> int | None:
    members = [str(m.get("user_id")) for m in data.get("members") or () if isinstance(m, Mapping)]
    return _apply(session, DirectoryTeam, data, {
        "name": data.get("name") or "",
        "email": (data.get("email") or "").strip().lower() or None,
        "member_ids": members,
    })


def apply_organisation(session: Session, data: Mapping[str, Any]) -> int | None:
    return _apply(session, DirectoryOrganisation, data, {
        "name": data.get("name") or "",
        "mail_domains": [d.lower() for d in data.get("mail_domains") or ()],
    })


def apply_case(session: Session, data: Mapping[str, Any]) -> int | None:
    return _apply(session, KnownCase, data, {
        "number": data.get("number") or "",
        "title": (data.get("title") or "")[:500],
        "status": data.get("status") or "",
        "requester_id": data.get("requester_id"),
        "team_id": data.get("team_id"),
        "assignee_id": data.get("assignee_id"),
        "follower_ids": [str(f) for f in data.get("follower_ids") or ()],
    })


def apply_task(session: Session, data: Mapping[str, Any]) -> int | None:
    return _apply(session, KnownTask, data, {
        "number": data.get("number") or "",
        "case_id": data.get("case_id"),
        "status": data.get("status") or "",
    })


class SessionDirectory:
    """Look-ups the rules and the mail composer need, cached for one transaction."""

    def __init__(self, session: Session):
        self.session = session
        self._teams: dict[str, DirectoryTeam | None] = {}
        self._users: dict[str, DirectoryUser | None] = {}

    def team(self, team_id: str) -> DirectoryTeam | None:
        if team_id not in self._teams:
            self._teams[team_id] = self.session.get(DirectoryTeam, str(team_id))
        return self._teams[team_id]

    def team_member_ids(self, team_id: str) -> list[str]:
        team = self.team(team_id)
        if team is None:
            return []
        return [u.id for u in self.users(team.member_ids) if u.active and STAFF_ROLES & set(u.roles)]

    def team_address(self, team_id: str) -> str | None:
        team = self.team(team_id)
        return team.email if team is not None else None

    def users(self, ids) -> list[DirectoryUser]:
        wanted = [str(i) for i in ids if i and str(i) not in self._users]
        if wanted:
            found = {u.id: u for u in self.session.scalars(select(DirectoryUser).where(DirectoryUser.id.in_(wanted)))}
            for user_id in wanted:
                self._users[user_id] = found.get(user_id)
        return [u for i in ids if i and (u := self._users.get(str(i))) is not None]

    def user(self, user_id: str | None) -> DirectoryUser | None:
        found = self.users([user_id]) if user_id else []
        return found[0] if found else None

    def is_staff(self, user_id: str | None) -> bool:
        return is_staff(self.user(user_id))

    def load_people(self, contexts: Iterable[Mapping[str, Any]]) -> None:
        """Know the people of many notices with one query (before ``names`` of each)."""
        self.users([i for c in contexts for i in (c.get("actor_id"), (c.get("case") or {}).get("requester_id"))])

    def names(self, context: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
        """The names a queued notice shows, as known now (else as they were queued), and the ids of the
        people it names whom the directory does not know yet (their ``user.*`` event is still to come)."""
        actor_id = context.get("actor_id")
        requester_id = (context.get("case") or {}).get("requester_id")
        self.users([actor_id, requester_id])  # one query for both
        actor, requester = self.user(actor_id), self.user(requester_id)
        team = self.team(context["team_id"]) if context.get("team_id") else None
        actor_name = actor.name if actor else context.get("actor_name") or ""
        names = {
            "actor_name": actor_name,
            "author_name": actor_name if actor else context.get("author_name") or actor_name,
            "requester_name": requester.name if requester else context.get("requester_name") or "",
            "team_name": team.name if team else context.get("team_name") or "",
        }
        return names, [actor_id] if is_person(actor_id) and actor is None else []


def find_user_by_email(session: Session, email: str) -> DirectoryUser | None:
    """The active user with this address (shared mailboxes included)."""
    return session.scalars(
        select(DirectoryUser)
        .where(DirectoryUser.email == email.strip().lower(), DirectoryUser.active.is_(True))
        .order_by(DirectoryUser.version.desc())
        .limit(1)
    ).first()


def is_person(actor_id: str | None) -> bool:
    """A user's id, not the system (None) or a service principal (``service:<name>``)."""
    return bool(actor_id) and not str(actor_id).startswith("service:")


def is_staff(user: DirectoryUser | None) -> bool:
    return user is not None and bool(STAFF_ROLES & set(user.roles))
