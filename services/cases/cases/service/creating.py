"""Opening a case: its number, its team (routing), its priority, its first event."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.db import utcnow

from .. import events
from ..domain import Status, format_number, number_key, number_period, priority_for, status_after_assignment
from ..i18n import _
from ..models import Case, CaseCounter
from . import directory, routing
from .changes import Changes, note_in_history, publish
from .common import Options, actor_id, referenced_case

STAFF_ONLY_FIELDS = ("requester_id", "team_id", "priority", "assignee_id", "parent_id")


def next_counter(session: Session, prefix: str, period: str) -> int:
    """Increment this month's counter in the caller's transaction; the row lock orders concurrent writers."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = CaseCounter.__table__
    statement = (
        insert(table)
        .values(prefix=prefix, period=period, last_value=1)
        .on_conflict_do_update(index_elements=["prefix", "period"], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )
    return session.execute(statement).scalar_one()


def create_case(session: Session, opts: Options, actor: Identity, data: dict[str, Any], *,
                origin: str = "portal", related_case_id: str | None = None,
                source_email_id: str | None = None, requester: tuple[str, str | None] | None = None) -> Case:
    """Open a case; ``requester`` (id, organisation) is given by the e-mail intake, which vouches for it."""
    if not actor.is_staff and any(data.get(name) for name in STAFF_ONLY_FIELDS):
        raise errors.Forbidden(_("Only staff may choose the requester, team, agent, priority or parent case."))
    requester_id, organisation_id = requester or _requester_of(session, actor, data.get("requester_id"))
    defaults = routing.new_case_defaults(session)
    team_id = data.get("team_id") or routing.route(
        session, category=data.get("category"), product=data.get("product"), type=data.get("type"),
        origin=data.get("origin") or origin, defaults=defaults)
    team = directory.require_team(session, team_id)
    if data.get("assignee_id"):
        directory.require_assignable(session, data["assignee_id"], team)
    if data.get("parent_id"):
        referenced_case(session, actor, data["parent_id"], "parent_id")
    now = utcnow()
    period = number_period(now, opts.timezone)
    number = format_number(opts.number_prefix, period, next_counter(session, opts.number_prefix, period))
    urgency, impact = data.get("urgency") or "medium", data.get("impact") or "medium"
    case = Case(
        number=number, number_key=number_key(number), title=data["title"], description=data["description"],
        status=status_after_assignment(Status.REGISTERED, None, data.get("assignee_id")).value,
        priority=data.get("priority") or priority_for(urgency, impact, defaults.priority_matrix).value,
        priority_overridden=bool(data.get("priority")), urgency=urgency, impact=impact,
        type=data.get("type") or "incident", category=data.get("category"), product=data.get("product"),
        origin=data.get("origin") or origin, private=bool(data.get("private")), requester_id=requester_id,
        organisation_id=organisation_id, team_id=team.id, assignee_id=data.get("assignee_id"),
        created_by=actor_id(actor), created_at=now, updated_at=now, updated_by=actor_id(actor),
        parent_id=data.get("parent_id"), related_case_id=related_case_id, source_email_id=source_email_id, version=1,
    )
    session.add(case)
    session.flush()
    note_in_history(session, case, actor, "created", case.number, at=now)
    changes = Changes(at=now)
    changes.add_event(events.CASE_CREATED)
    publish(session, opts, case, actor, changes, [])
    return case


def _requester_of(session: Session, actor: Identity, requested: str | None) -> tuple[str | None, str | None]:
    """Whom the case is for, and their organisation."""
    if requested and requested != actor.user_id:
        user = directory.find_user(session, requested)
        if user is None or not user.active:
            raise errors.ValidationFailed(
                _("The requester is unknown or not active."),
                errors={"requester_id": [_("The requester is unknown or not active.")]})
        return user.id, user.organisation_id
    if actor.is_service:
        return None, None
    if actor.organisation_id:
        return actor.user_id, actor.organisation_id
    known = directory.find_user(session, actor.user_id)
    return actor.user_id, known.organisation_id if known else None
