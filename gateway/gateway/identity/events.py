"""The events the gateway publishes, and the schemas of their ``data`` (served as ``/asyncapi.json``)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from sqlalchemy.orm import Session

from servicekit.events import Event
from servicekit.outbox import record_event

from .schemas import OrganisationRead, TeamRead, UserRead

USER_CREATED, USER_UPDATED = "user.created", "user.updated"
ORGANISATION_CREATED, ORGANISATION_UPDATED = "organisation.created", "organisation.updated"
TEAM_CREATED, TEAM_UPDATED = "team.created", "team.updated"
TEAM_MEMBER_ADDED, TEAM_MEMBER_REMOVED = "team.member_added", "team.member_removed"


class _ChangeMixin(Schema):
    actor_id = fields.String(allow_none=True, metadata={"description": "user id, service:<name>, or null"})
    changes = fields.Dict(metadata={"description": "{field: {old, new}} of what this change altered"})


class UserEventData(UserRead, _ChangeMixin):
    pass


class OrganisationEventData(OrganisationRead, _ChangeMixin):
    pass


class TeamEventData(TeamRead, _ChangeMixin):
    pass


class TeamMemberEventData(TeamRead, _ChangeMixin):
    user_id = fields.String(required=True, metadata={"description": "the member added or removed"})


PUBLISHED_EVENTS = {
    USER_CREATED: UserEventData,
    USER_UPDATED: UserEventData,
    ORGANISATION_CREATED: OrganisationEventData,
    ORGANISATION_UPDATED: OrganisationEventData,
    TEAM_CREATED: TeamEventData,
    TEAM_UPDATED: TeamEventData,
    TEAM_MEMBER_ADDED: TeamMemberEventData,
    TEAM_MEMBER_REMOVED: TeamMemberEventData,
}


def publish(session: Session, event_type: str, view: dict[str, Any], *, actor_id: str | None,
            changes: dict[str, Any] | None = None, **extra: Any) -> None:
    """Record the event in the outbox, in the caller's transaction."""
    data = {**view, "actor_id": actor_id, "changes": changes or {}, **extra}
    record_event(session, Event.new(event_type, service="gateway", subject=view["id"], data=data))
