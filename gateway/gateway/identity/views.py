"""Each aggregate exactly as the API shows it; the same dicts travel as event data."""

from __future__ import annotations

from typing import Any

from ..models import Organisation, Team, TeamMember, User

UNTRACKED = frozenset({"updated_at", "version"})


def organisation_view(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "case_visibility": org.case_visibility,
        "mail_domains": org.mail_domains,
        "created_at": org.created_at,
        "updated_at": org.updated_at,
        "version": org.version,
    }


def user_view(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "roles": user.roles,
        "organisation_id": user.organisation_id,
        "team_ids": user.team_ids,
        "dispatcher_team_ids": user.dispatcher_team_ids,
        "language": user.language,
        "active": user.active,
        "shared_mailbox": user.shared_mailbox,
        "has_password": user.password_hash is not None,
        "last_login_at": user.last_login_at,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "version": user.version,
    }


def contact_view(user: User) -> dict[str, Any]:
    """What a requester may see of a colleague: enough to share a case with them."""
    return {"id": user.id, "name": user.name, "email": user.email}


def team_view(team: Team) -> dict[str, Any]:
    return {
        "id": team.id,
        "name": team.name,
        "email": team.email,
        "members": [member_view(m) for m in team.members],
        "created_at": team.created_at,
        "updated_at": team.updated_at,
        "version": team.version,
    }


def member_view(member: TeamMember) -> dict[str, Any]:
    return {"user_id": member.user_id, "dispatcher": member.dispatcher}


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"old", "new"}}`` for what differs, bookkeeping fields left out."""
    return {
        name: {"old": before.get(name), "new": value}
        for name, value in after.items()
        if name not in UNTRACKED and before.get(name) != value
    }
