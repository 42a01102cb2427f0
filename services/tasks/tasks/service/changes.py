"""Changing a task: edit and assign (PATCH), resolve, reopen and return."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from servicekit.auth import Identity
from servicekit.db import utcnow
from servicekit.errors import InvalidTransition, NotFound

from ..access import require_approver_changer, require_changer
from ..domain import TaskStatus, decide_patch, decide_reopen, decide_resolve, decide_return
from ..events import comment_data
from ..i18n import _
from ..models import Task, TaskComment
from .common import TaskView, apply_decision, check_deadline, check_version, lock_task, view_of
from .creation import TaskRules
from .directory import require_staff, require_team


def _changeable_task(session: Session, task_id: str, actor: Identity, expected_version: int | None) -> Task:
    task = lock_task(session, task_id)
    require_changer(actor, task)
    check_version(task, expected_version)
    return task


def patch_task(session: Session, *, task_id: str, patch: dict[str, Any], actor: Identity,
               expected_version: int | None, rules: TaskRules) -> TaskView:
    now = utcnow()
    task = _changeable_task(session, task_id, actor, expected_version)
    if task.status == TaskStatus.CLOSED:
        raise InvalidTransition(_("The task is closed because its case is closed; nothing more can be changed "
                                  "on it."))
    _check_patch(session, task, patch, actor, now, rules)
    decision = decide_patch(task, patch, actor_id=actor.user_id)
    apply_decision(session, task, decision, actor_id=actor.user_id, now=now)
    session.commit()
    return view_of(session, task, now)


def _check_patch(session: Session, task: Task, patch: dict[str, Any], actor: Identity, now: datetime,
                 rules: TaskRules) -> None:
    def changes(name: str) -> bool:
        return name in patch and patch[name] != getattr(task, name)

    if changes("approver_id"):
        require_approver_changer(actor, task)
        require_staff(session, patch["approver_id"], "approver_id")
    if "description" in patch:
        patch["description"] = rules.description(patch["description"])
    if changes("team_id"):
        require_team(session, patch["team_id"])
    if changes("assignee_id"):
        require_staff(session, patch["assignee_id"], "assignee_id")
    if changes("deadline"):
        check_deadline(patch["deadline"], now)


def resolve_task(session: Session, *, task_id: str, actor: Identity, expected_version: int | None,
                 solution: str | None = None, comment_id: str | None = None) -> TaskView:
    """Resolve with a solution, written as an internal comment marked as the solution (seed 001)."""
    now = utcnow()
    task = _changeable_task(session, task_id, actor, expected_version)
    if comment_id is not None:
        comment = _comment_of(session, task, comment_id)
        solution = comment.body
    else:
        comment = TaskComment(id=str(uuid.uuid4()), task_id=task.id, author_id=actor.user_id, body=solution,
                              kind="solution", created_at=now)
    decision = decide_resolve(task, actor_id=actor.user_id, solution=solution, comment_id=comment.id, now=now)
    _unmark_solutions(session, task)
    comment.is_solution = True
    session.add(comment)
    apply_decision(session, task, decision, actor_id=actor.user_id, now=now)
    session.commit()
    return view_of(session, task, now)


def _comment_of(session: Session, task: Task, comment_id: str) -> TaskComment:
    comment = session.get(TaskComment, comment_id)
    if comment is None or comment.task_id != task.id:
        raise NotFound(_("The task has no such comment."))
    return comment


def _unmark_solutions(session: Session, task: Task) -> None:
    session.execute(update(TaskComment).where(TaskComment.task_id == task.id, TaskComment.is_solution.is_(True))
                    .values(is_solution=False))


def reopen_task(session: Session, *, task_id: str, actor: Identity, expected_version: int | None, reason: str,
                deadline: datetime | None = None, assignee_id: str | None = None) -> TaskView:
    """Back to ``assigned``, to the agent who solved it, with the reason as an internal comment (seed 001)."""
    now = utcnow()
    task = _changeable_task(session, task_id, actor, expected_version)
    decision = decide_reopen(task, reason=reason, deadline=deadline, assignee_id=assignee_id)
    if deadline != task.deadline:
        check_deadline(deadline, now)
    require_staff(session, decision.values["assignee_id"], "assignee_id")  # the solver may have left
    _unmark_solutions(session, task)
    session.add(TaskComment(id=str(uuid.uuid4()), task_id=task.id, author_id=actor.user_id, body=reason,
                            kind="reopen", created_at=now))
    apply_decision(session, task, decision, actor_id=actor.user_id, now=now)
    session.commit()
    return view_of(session, task, now)


def return_task(session: Session, *, task_id: str, actor: Identity, expected_version: int | None,
                comment: str | None = None) -> TaskView:
    """Hand the task back to the agent who created it (or, from them, back to where it came from)."""
    now = utcnow()
    task = _changeable_task(session, task_id, actor, expected_version)
    decision = decide_return(task, actor_id=actor.user_id)
    require_staff(session, decision.values["assignee_id"], "assignee_id")
    extra: dict[str, Any] = {"comment": None}
    if comment:
        note = TaskComment(id=str(uuid.uuid4()), task_id=task.id, author_id=actor.user_id, body=comment,
                           kind="return", is_solution=False, created_at=now)
        session.add(note)
        extra["comment"] = comment_data(note)
    apply_decision(session, task, decision, actor_id=actor.user_id, now=now, extra=extra)
    session.commit()
    return view_of(session, task, now)

