"""Handlers for the events the tasks service consumes: ``{pattern: handler(session, event)}``.

Each runs in the worker's transaction together with the inbox claim (a redelivered event changes
nothing twice) and any task events it records.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from servicekit.events import Event

from .events import CASE_EVENTS, SLA_TASK_DEADLINE_PASSED, TEAM_EVENTS, USER_EVENTS
from .service.replicas import apply_case, apply_team, apply_user, flag_overdue, follow_case


def on_case_event(session: Session, event: Event) -> None:
    """Every ``case.*`` event carries the whole case: keep the replica, then let the tasks follow."""
    data = event.data
    if not data.get("id") or "status" not in data or data.get("version") is None:
        return  # not an aggregate event (nothing of the case to keep)
    merged_into = data.get("into_id") if event.type == "case.merged" else None
    case = apply_case(session, data, merged_into_id=merged_into)
    if case is not None:
        follow_case(session, case, actor_id=data.get("actor_id"))


def on_user_event(session: Session, event: Event) -> None:
    apply_user(session, event.data)


def on_team_event(session: Session, event: Event) -> None:
    apply_team(session, event.data)


def on_task_deadline_passed(session: Session, event: Event) -> None:
    deadline = datetime.fromisoformat(event.data["deadline"])
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=UTC)
    flag_overdue(session, task_id=event.data["task_id"], deadline=deadline)


HANDLERS = {
    CASE_EVENTS: on_case_event,
    USER_EVENTS: on_user_event,
    TEAM_EVENTS: on_team_event,
    SLA_TASK_DEADLINE_PASSED: on_task_deadline_passed,
}
