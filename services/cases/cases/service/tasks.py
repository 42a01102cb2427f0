"""What the cases service keeps of tasks: which open tasks block closing which case."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from servicekit.events import Event

from ..models import BlockingTask

DONE_TASK_STATUSES = ("resolved", "closed")


def apply_task(session: Session, event: Event) -> list[str]:
    """Keep the task by version; the ids of the cases it touches (where it is, and where it was)."""
    data = event.data
    task = session.get(BlockingTask, str(data["id"]), with_for_update=True)
    if event.version is None or (task is not None and event.version <= task.version):
        return []
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
    return sorted(touched)


def count_open_blocking(session: Session, case_id: str) -> int:
    return session.scalar(select(func.count()).select_from(BlockingTask).where(_open_blocking(case_id))) or 0


def open_blocking_tasks(session: Session, case_id: str) -> list[BlockingTask]:
    return list(session.scalars(select(BlockingTask).where(_open_blocking(case_id)).order_by(BlockingTask.number)))


def _open_blocking(case_id: str):
    return and_(BlockingTask.case_id == case_id, BlockingTask.blocks_case_closure.is_(True),
                BlockingTask.status.not_in(DONE_TASK_STATUSES))
