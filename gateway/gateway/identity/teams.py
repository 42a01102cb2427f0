"""Use cases of teams and their members: one transaction each, events recorded before the commit.

A change of membership also changes the member's ``team_ids``, so it publishes
``user.updated`` beside the team's own event.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.pagination import paginate

from ..i18n import _
from ..models import Team, TeamMember, User
from . import events
from .common import commit_unique, contains
from .views import changes_between, member_view, team_view, user_view


def get_team(session: Session, team_id: str, *, for_update: bool = False) -> Team:
    team = session.get(Team, team_id, with_for_update=for_update or None, populate_existing=for_update)
    if team is None:
        raise errors.NotFound(_("There is no such team."))
    return team


def list_teams(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    query = select(Team).order_by(Team.name, Team.id)
    if args.get("q"):
        query = query.where(Team.name.ilike(contains(args["q"]), escape="\\"))
    return paginate(session, query, args, team_view)


def list_members(session: Session, team_id: str, args: dict[str, Any]) -> dict[str, Any]:
    """A page of the team's members, in the order they joined (as the team shows them)."""
    get_team(session, team_id)
    query = (select(TeamMember).where(TeamMember.team_id == team_id)
             .order_by(TeamMember.added_at, TeamMember.user_id))
    return paginate(session, query, args, member_view)


def create_team(session: Session, data: dict[str, Any], *, actor_id: str | None) -> dict[str, Any]:
    _check_name_free(session, data["name"])
    team = Team(name=data["name"], email=data.get("email"))
    session.add(team)
    session.flush()
    view = team_view(team)
    events.publish(session, events.TEAM_CREATED, view, actor_id=actor_id)
    commit_unique(session, _("A team with this name already exists."))
    return view


def update_team(session: Session, team_id: str, data: dict[str, Any], *, actor_id: str | None) -> dict[str, Any]:
    team = get_team(session, team_id, for_update=True)
    before = team_view(team)
    if "name" in data and data["name"] != team.name:
        _check_name_free(session, data["name"])
    for name in ("name", "email"):
        if name in data:
            setattr(team, name, data[name])
    changes = changes_between(before, team_view(team))
    if not changes:
        return before
    team.version += 1
    session.flush()
    view = team_view(team)
    events.publish(session, events.TEAM_UPDATED, view, actor_id=actor_id, changes=changes)
    commit_unique(session, _("A team with this name already exists."))
    return view


def add_member(session: Session, team_id: str, data: dict[str, Any], *, actor_id: str | None) -> dict[str, Any]:
    team = get_team(session, team_id, for_update=True)
    user = _staff_user(session, data["user_id"])
    if any(m.user_id == user.id for m in team.members):
        raise errors.Conflict(_("The user is already a member of this team."))
    before_team, before_user = team_view(team), user_view(user)
    member = TeamMember(team=team, user=user, dispatcher=data["dispatcher"])
    session.add(member)
    _publish_membership(session, events.TEAM_MEMBER_ADDED, team, user, before_team, before_user, actor_id)
    commit_unique(session, _("The user is already a member of this team."))
    return member_view(member)


def set_dispatcher(session: Session, team_id: str, user_id: str, dispatcher: bool, *,
                   actor_id: str | None) -> dict[str, Any]:
    team = get_team(session, team_id, for_update=True)
    member = _member(team, user_id)
    _lock_user(session, user_id)
    if member.dispatcher != dispatcher:
        before_team, before_user = team_view(team), user_view(member.user)
        member.dispatcher = dispatcher
        _publish_membership(session, events.TEAM_UPDATED, team, member.user, before_team, before_user, actor_id)
        session.commit()
    return member_view(member)


def remove_member(session: Session, team_id: str, user_id: str, *, actor_id: str | None) -> None:
    team = get_team(session, team_id, for_update=True)
    member = _member(team, user_id)
    user = _lock_user(session, user_id)
    before_team, before_user = team_view(team), user_view(user)
    team.members.remove(member)
    user.memberships.remove(member)
    _publish_membership(session, events.TEAM_MEMBER_REMOVED, team, user, before_team, before_user, actor_id)
    session.commit()


def _publish_membership(session: Session, event_type: str, team: Team, user: User, before_team: dict,
                        before_user: dict, actor_id: str | None) -> None:
    team.version += 1
    user.version += 1
    session.flush()
    session.refresh(team, ["members"])
    session.refresh(user, ["memberships"])
    team_after, user_after = team_view(team), user_view(user)
    extra = {"user_id": user.id} if event_type != events.TEAM_UPDATED else {}
    events.publish(session, event_type, team_after, actor_id=actor_id,
                   changes=changes_between(before_team, team_after), **extra)
    events.publish(session, events.USER_UPDATED, user_after, actor_id=actor_id,
                   changes=changes_between(before_user, user_after))


def _lock_user(session: Session, user_id: str) -> User:
    """The member's row, locked: a membership change also counts a version of the user."""
    return session.get(User, user_id, with_for_update=True, populate_existing=True)


def _member(team: Team, user_id: str) -> TeamMember:
    for member in team.members:
        if member.user_id == user_id:
            return member
    raise errors.NotFound(_("The user is not a member of this team."))


def _staff_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise errors.ValidationFailed(_("There is no such user."), errors={"user_id": [_("There is no such user.")]})
    if not user.is_staff:
        raise errors.ValidationFailed(_("Only staff can be members of a team."),
                                      errors={"user_id": [_("Only staff can be members of a team.")]})
    return user


def _check_name_free(session: Session, name: str) -> None:
    if session.scalar(select(Team.id).where(Team.name == name)):
        raise errors.Conflict(_("A team with this name already exists."), errors={"name": [_("Already in use.")]})
