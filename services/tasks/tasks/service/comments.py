"""Internal comments on a task: the only way to talk on a task (seed 001)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.auth import Identity
from servicekit.db import utcnow
from servicekit.errors import InvalidTransition, ValidationFailed
from servicekit.outbox import record_event
from servicekit.pagination import fetch_page, page

from ..access import require_changer, require_reader
from ..domain import TASK_COMMENTED, TaskStatus
from ..events import comment_data, task_event
from ..i18n import _
from ..models import Task, TaskComment
from .common import check_version, lock_task, record_history, task_not_found, view_of


def refuse_external(case_id: str) -> ValidationFailed:
    message = _("A task has no user, so an external comment would reach nobody. Write to the user on the case "
                "(an external message or a mail from the case); comments on a task are internal.")
    return ValidationFailed(message, errors={"visibility": [message]}, case_id=case_id,
                            case_messages=f"/api/v1/cases/{case_id}/messages")


def add_comment(session: Session, *, task_id: str, body: str, visibility: str, actor: Identity,
                expected_version: int | None) -> TaskComment:
    """A comment is a change of the task: its version grows, so ``task.commented`` is newer than what a
    subscriber holds, and an ``If-Match`` from before the comment is stale (read what was written first).

    No task takes an external comment, whoever writes it: that rule is told first, so that everyone learns
    to write on the case, also a colleague who may not change this task."""
    require_reader(actor)
    task = lock_task(session, task_id)
    if visibility != "internal":
        raise refuse_external(task.case_id)
    require_changer(actor, task)
    check_version(task, expected_version)
    if task.status == TaskStatus.CLOSED:
        raise InvalidTransition(_("The task is closed because its case is closed; nothing more can be written "
                                  "on it."))
    now = utcnow()
    comment = TaskComment(id=str(uuid.uuid4()), task_id=task.id, author_id=actor.user_id, body=body,
                          kind="comment", is_solution=False, created_at=now)
    session.add(comment)
    task.version += 1
    task.updated_at = now
    record_history(session, task, TASK_COMMENTED, actor.user_id, now, {})
    session.flush()
    record_event(session, task_event(TASK_COMMENTED, view_of(session, task, now), actor_id=actor.user_id,
                                     changes={}, extra={"comment": comment_data(comment)}))
    session.commit()
    return comment


def list_comments(session: Session, *, task_id: str, actor: Identity, args: dict[str, Any]) -> dict[str, Any]:
    require_reader(actor)
    if session.get(Task, task_id) is None:
        raise task_not_found()
    query = select(TaskComment).where(TaskComment.task_id == task_id).order_by(TaskComment.created_at, TaskComment.id)
    rows, total = fetch_page(session, query, page=args["page"], per_page=args["per_page"])
    return page([row[0] for row in rows], total, args)
