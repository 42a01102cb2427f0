"""What every use case shares: the task as the API shows it, locking, and applying a decision
(history rows, version, and the event in the outbox, all in the caller's transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.errors import NotFound, PreconditionFailed, ValidationFailed
from servicekit.events import to_json_safe
from servicekit.outbox import record_event

from ..domain import Decision, is_overdue
from ..events import task_event
from ..i18n import _
from ..models import CaseReplica, Task, TaskChange


@dataclass
class TaskView:
    """A task with what the API adds to it: its case's number and title, and whether it is overdue."""

    task: Task
    case_number: str | None
    case_title: str | None
    overdue: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.task, name)


def view_of(session: Session, task: Task, now: datetime) -> TaskView:
    case = session.get(CaseReplica, task.case_id)
    return TaskView(task, case.number if case else None, case.title if case else None, is_overdue(task, now))


def view_from_row(task: Task, case_number: str | None, case_title: str | None, now: datetime) -> TaskView:
    return TaskView(task, case_number, case_title, is_overdue(task, now))


def task_not_found() -> NotFound:
    return NotFound(_("There is no such task."))


def lock_task(session: Session, task_id: str) -> Task:
    """The task, locked for this transaction (concurrent changes to it wait their turn)."""
    task = session.execute(select(Task).where(Task.id == task_id).with_for_update()).scalar_one_or_none()
    if task is None:
        raise task_not_found()
    return task


def check_version(task: Task, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != task.version:
        raise PreconditionFailed(
            _("The task has changed since you read it (version %(current)d, not %(expected)d). "
              "Read it again and repeat your change.", current=task.version, expected=expected_version),
            current_version=task.version)


def check_deadline(deadline: datetime | None, now: datetime) -> None:
    if deadline is not None and deadline <= now:
        message = _("The deadline has already passed. Set a realistic deadline.")
        raise ValidationFailed(message, errors={"deadline": [message]})


# Internal columns shown differently by the API.
_PRESENTED = {"overdue_since": ("overdue", lambda value: value is not None)}


def presented_changes(changes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    shown: dict[str, dict[str, Any]] = {}
    for name, change in changes.items():
        label, show = _PRESENTED.get(name, (name, lambda value: value))
        shown[label] = {"old": show(change["old"]), "new": show(change["new"])}
    return to_json_safe(shown)


def apply_decision(session: Session, task: Task, decision: Decision, *, actor_id: str | None, now: datetime,
                   extra: dict[str, Any] | None = None) -> bool:
    """Apply ``decision`` to ``task``: fields, version, history and event. False when nothing changed."""
    changes = decision.changes_against(task)
    if not changes:
        return False
    for name, change in changes.items():
        setattr(task, name, change["new"])
    task.version += 1
    task.updated_at = now
    shown = presented_changes(changes)
    record_history(session, task, decision.event_type, actor_id, now, shown)
    session.flush()
    record_event(session, task_event(decision.event_type, view_of(session, task, now), actor_id=actor_id,
                                     changes=shown, extra={**decision.extra, **(extra or {})}))
    return True


def record_history(session: Session, task: Task, event_type: str, actor_id: str | None, now: datetime,
                   changes: dict[str, dict[str, Any]]) -> None:
    rows = [TaskChange(task_id=task.id, version=task.version, event_type=event_type, actor_id=actor_id, at=now,
                       field=name, old_value=change["old"], new_value=change["new"])
            for name, change in changes.items()]
    session.add_all(rows or [TaskChange(task_id=task.id, version=task.version, event_type=event_type,
                                        actor_id=actor_id, at=now)])
