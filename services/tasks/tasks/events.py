"""The events the tasks service publishes (and, for the record, those it consumes).

Published, each through the outbox in the transaction of the change, with ``data`` = the task
exactly as the API shows it (including ``case_number`` and ``version``) plus ``actor_id`` and
``changes`` (``{field: {"old", "new"}}``):

* ``task.created``, ``task.updated``, ``task.assigned`` (assignee or team changed),
  ``task.resolved``, ``task.reopened`` (+ ``reason``), ``task.returned`` (+ ``comment`` when one
  was written), ``task.closed`` (+ ``reason``: ``case_closed``, or ``case_closed_while_blocking`` for a
  blocking task that was still open), ``task.commented`` (+ ``comment``; a comment is a change, so its
  version is new);
  ``task.updated`` for a move to the surviving case of a merge carries ``reason``: ``case_merged``.

The cases service counts open blocking tasks per case from ``case_id``, ``status`` and
``blocks_case_closure``; the SLA service watches ``deadline``; notify tells the ``approver_id``
of ``task.resolved``.

Consumed: ``case.*`` (the case replica; closing closes the case's tasks, merging moves them),
``user.*`` and ``team.*`` (the directory), ``sla.task_deadline_passed`` (flags a task overdue).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from servicekit.events import Event

from .domain import (
    CASE_CLOSED,
    CASE_CLOSED_WHILE_BLOCKING,
    TASK_ASSIGNED,
    TASK_CLOSED,
    TASK_COMMENTED,
    TASK_CREATED,
    TASK_REOPENED,
    TASK_RESOLVED,
    TASK_RETURNED,
    TASK_UPDATED,
)
from .schemas import CommentRead, TaskRead

SOURCE = "tasks"

CASE_EVENTS = "case.*"
USER_EVENTS = "user.*"
TEAM_EVENTS = "team.*"
SLA_TASK_DEADLINE_PASSED = "sla.task_deadline_passed"


class TaskEventData(TaskRead):
    actor_id = fields.String(allow_none=True, metadata={
        "description": "Who caused the change: a user id, service:<name>, or null for the system"})
    changes = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={
        "description": "{field: {old, new}} for what this change altered"})


class TaskUpdatedData(TaskEventData):
    reason = fields.String(metadata={"enum": ["case_merged"],
                                     "description": "Present when the task moved because its case was merged"})


class TaskReopenedData(TaskEventData):
    reason = fields.String(metadata={"description": "Why the task was not solved"})


class TaskReturnedData(TaskEventData):
    comment = fields.Nested(CommentRead, allow_none=True)


class TaskClosedData(TaskEventData):
    reason = fields.String(metadata={
        "enum": [CASE_CLOSED, CASE_CLOSED_WHILE_BLOCKING],
        "description": "case_closed_while_blocking: the case closed although this blocking task was still open "
                       "(the task carries a note saying so)"})


class TaskCommentedData(TaskEventData):
    comment = fields.Nested(CommentRead)


PUBLISHED_EVENTS = {
    TASK_CREATED: TaskEventData,
    TASK_UPDATED: TaskUpdatedData,
    TASK_ASSIGNED: TaskEventData,
    TASK_COMMENTED: TaskCommentedData,
    TASK_RESOLVED: TaskEventData,
    TASK_REOPENED: TaskReopenedData,
    TASK_RETURNED: TaskReturnedData,
    TASK_CLOSED: TaskClosedData,
}

_TASK_READ = TaskRead()
_COMMENT_READ = CommentRead()


def task_data(view: Any) -> dict[str, Any]:
    """The task as the API shows it."""
    return _TASK_READ.dump(view)


def comment_data(comment: Any) -> dict[str, Any]:
    return _COMMENT_READ.dump(comment)


def task_event(event_type: str, view: Any, *, actor_id: str | None, changes: dict[str, Any],
               extra: dict[str, Any] | None = None) -> Event:
    data = {**task_data(view), "actor_id": actor_id, "changes": changes, **(extra or {})}
    return Event.new(event_type, service=SOURCE, subject=view.id, data=data)
