"""What other services tell us: the case replica (and what a closed or merged case means for its
tasks), the directory of users and teams, and the SLA service's deadline watch.

Every function runs inside the consumer's transaction (with the inbox claim) and never commits.
Aggregates are applied by version: an event whose version is not newer than what we hold changes
nothing (an atomic upsert, so two consumer replicas cannot interleave).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicekit.db import utcnow
from servicekit.i18n import N_

from ..domain import (
    CASE_CLOSED,
    CASE_CLOSED_WHILE_BLOCKING,
    TaskStatus,
    decide_close,
    decide_deadline_passed,
    decide_move,
)
from ..i18n import in_default_language
from ..models import CaseReplica, DirectoryTeam, DirectoryUser, Task, TaskComment
from .common import apply_decision

log = logging.getLogger(__name__)

TASKS_SERVICE = "service:tasks"  # the author of the notes this service writes itself


def _upsert_newer(session: Session, model: type, values: dict[str, Any]) -> bool:
    """Insert, or update when ``values['version']`` is newer; True when the row changed."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(model).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["id"],
        set_={name: statement.excluded[name] for name in values if name != "id"},
        where=model.version < statement.excluded.version,
    ).returning(model.id)
    applied = session.execute(statement).first() is not None
    if applied:
        session.expire_all()  # the identity map may hold the older row
    return applied


def apply_case(session: Session, data: dict[str, Any], *, merged_into_id: str | None = None) -> CaseReplica | None:
    """Keep the case's number, title, status, team and merge target; the replica when it changed."""
    values = {
        "id": data["id"], "number": data.get("number") or "", "title": data.get("title") or "",
        "status": data["status"], "team_id": data.get("team_id"),
        "merged_into_id": data.get("merged_into_id") or merged_into_id,
        "version": int(data["version"]), "updated_at": utcnow(),
    }
    if not _upsert_newer(session, CaseReplica, values):
        return None
    return session.get(CaseReplica, data["id"])


def follow_case(session: Session, case: CaseReplica, *, actor_id: str | None) -> None:
    """A merged case's tasks move to the surviving case; a closed case's tasks close (seed 001)."""
    if case.merged_into_id:
        moved = move_tasks(session, case.id, case.merged_into_id, actor_id=actor_id)
        if moved:
            log.info("moved %d task(s) of merged case %s to case %s", moved, case.number, case.merged_into_id)
    elif case.status == "closed":
        closed = close_tasks(session, case.id, actor_id=actor_id)
        if closed:
            log.info("closed %d task(s) of closed case %s", closed, case.number)


def _tasks_of(session: Session, case_id: str, *, open_only: bool) -> list[Task]:
    statement = select(Task).where(Task.case_id == case_id)
    if open_only:
        statement = statement.where(Task.status != TaskStatus.CLOSED)
    return list(session.scalars(statement.order_by(Task.created_at, Task.id).with_for_update()))


def close_tasks(session: Session, case_id: str, *, actor_id: str | None) -> int:
    """Close every task of a closed case that is not closed yet.

    The cases service refuses to close a case with an open blocking task, judged from its replica of
    our events; a task made in the moment before its ``task.created`` reached the cases service slips
    through (docs/architecture.md).  A closed case is final, so that task closes too, but visibly: a
    note on the task and ``task.closed`` with ``reason: case_closed_while_blocking``.
    """
    now = utcnow()
    tasks = _tasks_of(session, case_id, open_only=True)
    for task in tasks:
        reason = CASE_CLOSED
        if task.blocks_case_closure and task.status != TaskStatus.RESOLVED:
            log.warning("case %s closed with open blocking task %s; closing it", case_id, task.number)
            reason = CASE_CLOSED_WHILE_BLOCKING
            _note_closed_while_blocking(session, task, now)
        apply_decision(session, task, decide_close(task, now=now, reason=reason), actor_id=actor_id, now=now)
    return len(tasks)


def _note_closed_while_blocking(session: Session, task: Task, now: datetime) -> None:
    body = in_default_language(N_("The case was closed before this task was solved, although the task had to be "
                                  "finished first. The task is closed with it; if the work is still needed, open "
                                  "a new case for it."))
    session.add(TaskComment(id=str(uuid.uuid4()), task_id=task.id, author_id=TASKS_SERVICE, body=body,
                            kind="case_closed", is_solution=False, created_at=now))


def move_tasks(session: Session, case_id: str, into_id: str, *, actor_id: str | None) -> int:
    """Merged: every task follows the work to the surviving case, with its history and status."""
    now = utcnow()
    tasks = _tasks_of(session, case_id, open_only=False)
    for task in tasks:
        apply_decision(session, task, decide_move(task, case_id=into_id), actor_id=actor_id, now=now)
    return len(tasks)


def apply_user(session: Session, data: dict[str, Any]) -> bool:
    return _upsert_newer(session, DirectoryUser, {
        "id": data["id"], "name": data.get("name") or "", "email": data.get("email") or "",
        "roles": list(data.get("roles") or []), "active": bool(data.get("active", True)),
        "version": int(data["version"]),
    })


def apply_team(session: Session, data: dict[str, Any]) -> bool:
    return _upsert_newer(session, DirectoryTeam, {
        "id": data["id"], "name": data.get("name") or "", "active": bool(data.get("active", True)),
        "version": int(data["version"]),
    })


def flag_overdue(session: Session, *, task_id: str, deadline: datetime) -> bool:
    """The SLA service says a task's deadline passed: flag it, if still open with that deadline."""
    task = session.execute(select(Task).where(Task.id == task_id).with_for_update()).scalar_one_or_none()
    if task is None:
        return False
    now = utcnow()
    decision = decide_deadline_passed(task, deadline=deadline, now=now)
    return decision is not None and apply_decision(session, task, decision, actor_id=None, now=now)
