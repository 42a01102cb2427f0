"""What the cases service keeps of tasks: which open tasks block closing which case."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekit.events import Event

from ..models import BlockingTask, Case

DONE_TASK_STATUSES = ("resolved", "closed")


def apply_task(session: Session, event: Event) -> None:
    """Keep the task by version and recount the open blocking tasks of the cases it touches."""
    data = event.data
    task = session.get(BlockingTask, str(data["id"]), with_for_update=True)
    if event.version is None or (task is not None and event.version <= task.version):
        return
    touched = {str(data["case_id"])}
    if task is None:
        task = BlockingTask(id=str(data["id"]), case_id=str(data["case_id"]), version=event.version, status="")
        session.add(task)
    else:
        touched.add(task.case_id)
    task.case_id = str(data["case_id"])
    task.number = data.get("number")
    task.subject = data.get("subject")
    task.status = data.get("status") or "registered"
    task.blocks_case_closure = bool(data.get("blocks_case_closure"))
    task.version = event.version
    session.flush()
    for case_id in touched:
        recount(session, case_id)


def recount(session: Session, case_id: str) -> None:
    """The case's ``open_blocking_tasks`` (derived from another aggregate: no version of its own)."""
    case = session.get(Case, case_id, with_for_update=True)
    if case is None:
        return
    case.open_blocking_tasks = session.scalar(
        select(func.count()).select_from(BlockingTask)
        .where(BlockingTask.case_id == case_id, BlockingTask.blocks_case_closure.is_(True),
               BlockingTask.status.not_in(DONE_TASK_STATUSES))
    ) or 0
