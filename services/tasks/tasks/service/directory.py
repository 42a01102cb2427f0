"""Checks against the directory kept from the gateway's ``user.*`` and ``team.*`` events."""

from __future__ import annotations

from sqlalchemy.orm import Session

from servicekit.auth import STAFF_ROLES
from servicekit.errors import ValidationFailed

from ..i18n import _
from ..models import DirectoryTeam, DirectoryUser


def require_team(session: Session, team_id: str) -> None:
    team = session.get(DirectoryTeam, team_id)
    if team is None or not team.active:
        message = _("There is no such team.")
        raise ValidationFailed(message, errors={"team_id": [message]})


def require_staff(session: Session, user_id: str | None, field: str) -> None:
    """``user_id`` must be an active agent, dispatcher or admin: only staff can hold or approve a task."""
    if user_id is None:
        return
    user = session.get(DirectoryUser, user_id)
    if user is None or not user.active:
        message = _("There is no such active user.")
    elif not STAFF_ROLES & set(user.roles or ()):
        message = _("Only agents, dispatchers and admins can be put on a task.")
    else:
        return
    raise ValidationFailed(message, errors={field: [message]})
