"""Task deadlines, from ``task.*`` events (by version): a timer at each open task's deadline."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.events import Event

from ..domain import OPEN_TASK_STATUSES, TimerKind, task_deadline_timer
from ..models import TaskDeadline
from .snapshots import parse_time
from .timers import lock_timers, sync_timers

TASK_REOPENED = "task.reopened"


def on_task_event(session: Session, event: Event) -> None:
    data = event.data
    task_id, version, status = str(data["id"]), int(data["version"]), str(data["status"])
    task = session.scalar(select(TaskDeadline).where(TaskDeadline.task_id == task_id).with_for_update())
    timers = lock_timers(session, task_id)
    if task is not None and version <= task.version:
        return
    changed_at = parse_time(data.get("updated_at")) or event.time
    if task is None:
        task = TaskDeadline(task_id=task_id, version=version, status=status, open_since=changed_at)
        session.add(task)
    elif _reopens(event.type, status, task.status):
        task.open_since = changed_at  # reopened: a deadline that passed before is news again
    task.version, task.status = version, status
    task.case_id, task.number = data.get("case_id"), data.get("number") or ""
    task.deadline = parse_time(data.get("deadline"))
    fired = {t.due_at for t in timers if t.kind == TimerKind.TASK_DEADLINE and t.fired_at is not None
             and (task.open_since is None or t.fired_at >= task.open_since)}
    wanted = task_deadline_timer(status=status, deadline=task.deadline, fired_deadlines=fired,
                                 payload={"task_number": task.number, "case_id": task.case_id})
    sync_timers(session, task_id, timers, [wanted] if wanted else [])


def _reopens(event_type: str, status: str, held_status: str) -> bool:
    """Open again after being resolved or closed; a ``task.reopened`` says so even when the
    resolution it undoes has not reached us yet (it will be ignored as older)."""
    return status in OPEN_TASK_STATUSES and (event_type == TASK_REOPENED or held_status not in OPEN_TASK_STATUSES)
