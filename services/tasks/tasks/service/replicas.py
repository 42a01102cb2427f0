"""What other services tell us: the case replica (and what a closed or merged case means for its
tasks), the directory of users and teams, and the SLA service's deadline watch.

Every function runs inside the consumer's transaction (with the inbox claim) and never commits.
Aggregates are applied by version: an event whose version is not newer than what we hold changes
nothing (an atomic upsert, so two consumer replicas cannot interleave).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicekit.db import utcnow

from ..domain import TaskStatus, decide_close, decide_deadline_passed, decide_move
from ..models import CaseReplica, DirectoryTeam, DirectoryUser, Task
from .common import apply_decision

log = logging.getLogger(__name__)


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

    The cases service refuses to close a case with an open blocking task; one that slipped
    through in a race closes too (a closed case is final), and is logged.
    """
    now = utcnow()
    tasks = _tasks_of(session, case_id, open_only=True)
    for task in tasks:
        if task.blocks_case_closure and task.status != TaskStatus.RESOLVED:
            log.warning("case %s closed with open blocking task %s; closing it", case_id, task.number)
        apply_decision(session, task, decide_close(task, now=now, reason="case_closed"), actor_id=actor_id, now=now)
    return len(tasks)


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
