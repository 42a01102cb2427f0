"""The small local directory of users, organisations and teams, kept from the gateway's events.

Each record is applied only when its ``version`` is newer than the one held, so a late or
repeated event never overwrites newer facts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import ADMIN, AGENT, DISPATCHER, Identity
from servicekit.events import Event

from ..i18n import _
from ..models import DirectoryOrganisation, DirectoryTeam, DirectoryUser, Setting

STAFF_ROLES = {AGENT, DISPATCHER, ADMIN}
DEFAULT_TEAM_KEY = "default_team_id"


def _newer(held, version: int | None) -> bool:
    return version is not None and (held is None or version > held.version)


def apply_user(session: Session, event: Event) -> DirectoryUser | None:
    data = event.data
    user = session.get(DirectoryUser, str(data["id"]), with_for_update=True)
    if not _newer(user, event.version):
        return None
    if user is None:
        user = DirectoryUser(id=str(data["id"]), version=event.version)
        session.add(user)
    user.email = (data.get("email") or "").lower() or None
    user.name = data.get("name")
    user.organisation_id = data.get("organisation_id")
    user.roles = sorted(data.get("roles") or [])
    user.team_ids = sorted(str(t) for t in data.get("team_ids") or [])
    user.language = data.get("language")
    user.active = bool(data.get("active", True))
    user.version = event.version
    return user


def apply_organisation(session: Session, event: Event) -> None:
    data = event.data
    organisation = session.get(DirectoryOrganisation, str(data["id"]), with_for_update=True)
    if not _newer(organisation, event.version):
        return
    if organisation is None:
        organisation = DirectoryOrganisation(id=str(data["id"]), version=event.version)
        session.add(organisation)
    organisation.name = data.get("name")
    organisation.case_visibility = data.get("case_visibility") or "own"
    organisation.version = event.version


def apply_team(session: Session, event: Event) -> None:
    data = event.data
    team = session.get(DirectoryTeam, str(data["id"]), with_for_update=True)
    if not _newer(team, event.version):
        return
    if team is None:
        team = DirectoryTeam(id=str(data["id"]), version=event.version)
        session.add(team)
        _make_first_team_the_default(session, team.id)
    team.name = data.get("name")
    team.email = data.get("email")
    team.members = [{"user_id": str(m["user_id"]), "dispatcher": bool(m.get("dispatcher"))}
                    for m in data.get("members") or []]
    team.version = event.version


def _make_first_team_the_default(session: Session, team_id: str) -> None:
    """Until an admin chooses, the first team the service hears of receives the cases no rule routes."""
    if session.get(Setting, DEFAULT_TEAM_KEY) is None:
        session.add(Setting(key=DEFAULT_TEAM_KEY, value=team_id, updated_by=None))


# -- look-ups ---------------------------------------------------------------------------------------


def find_user(session: Session, user_id: str | None) -> DirectoryUser | None:
    return session.get(DirectoryUser, str(user_id)) if user_id else None


def find_user_by_email(session: Session, email: str | None) -> DirectoryUser | None:
    if not email:
        return None
    return session.scalars(select(DirectoryUser).where(DirectoryUser.email == email.lower())).first()


def require_team(session: Session, team_id: str, field: str = "team_id") -> DirectoryTeam:
    team = session.get(DirectoryTeam, str(team_id))
    if team is None:
        raise errors.ValidationFailed(_("There is no such team."), errors={field: [_("There is no such team.")]})
    return team


def is_member(team: DirectoryTeam | None, user_id: str | None, user: DirectoryUser | None = None) -> bool:
    if team is None or not user_id:
        return False
    if any(m["user_id"] == user_id for m in team.members or []):
        return True
    return user is not None and team.id in (user.team_ids or [])


def in_team(actor: Identity, session: Session, team_id: str | None) -> bool:
    """Whether the caller belongs to ``team_id``, by their token or by the directory."""
    if team_id is None:
        return False
    if actor.is_member_of(team_id) or actor.is_dispatcher_of(team_id):
        return True
    return is_member(session.get(DirectoryTeam, team_id), actor.user_id)


def require_assignable(session: Session, assignee_id: str, team: DirectoryTeam) -> DirectoryUser:
    """An agent may be given a case only if active staff and a member of its team."""
    user = find_user(session, assignee_id)
    if user is None or not user.active or not (set(user.roles) & STAFF_ROLES):
        raise errors.ValidationFailed(_("The agent is unknown or not active."),
                                      errors={"assignee_id": [_("The agent is unknown or not active.")]})
    if not is_member(team, user.id, user):
        raise errors.ValidationFailed(_("The agent is not a member of the case's team."),
                                      errors={"assignee_id": [_("The agent is not a member of the case's team.")]})
    return user


def is_staff_user(user: DirectoryUser | None) -> bool:
    return user is not None and bool(set(user.roles) & STAFF_ROLES)


def user_summary(user: DirectoryUser | None) -> dict[str, Any]:
    return {"name": user.name if user else None, "email": user.email if user else None}
