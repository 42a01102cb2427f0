"""What the cases service keeps of tasks: which open tasks block closing which case."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from servicekit.events import Event

from ..models import BlockingTask, Case

DONE_TASK_STATUSES = ("resolved", "closed")


def apply_task(session: Session, event: Event) -> list[Case]:
    """Keep the task by version and recount the open blocking tasks of the cases it touches (returned)."""
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
    return [case for case_id in sorted(touched) if (case := recount(session, case_id)) is not None]


def recount(session: Session, case_id: str) -> Case | None:
    """The case's ``open_blocking_tasks`` (derived from another aggregate: no version of its own)."""
    case = session.get(Case, case_id, with_for_update=True)
    if case is None:
        return None
    case.open_blocking_tasks = session.scalar(
        select(func.count()).select_from(BlockingTask).where(_open_blocking(case_id))) or 0
    return case


def open_blocking_tasks(session: Session, case_id: str) -> list[BlockingTask]:
    return list(session.scalars(select(BlockingTask).where(_open_blocking(case_id)).order_by(BlockingTask.number)))


def _open_blocking(case_id: str):
    return and_(BlockingTask.case_id == case_id, BlockingTask.blocks_case_closure.is_(True),
                BlockingTask.status.not_in(DONE_TASK_STATUSES))
