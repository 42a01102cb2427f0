"""The task's rules, free of I/O: statuses, the allowed transitions, and what each action changes.

A use case asks a ``decide_*`` function what an action does to a task; the answer is a
:class:`Decision` (the event type and the field changes).  The service layer applies it,
records the history and the event, and commits.  Nothing here reads a clock or a database:
``now`` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from servicekit.errors import Conflict, InvalidTransition, ValidationFailed
from servicekit.i18n import N_

from .i18n import _


class TaskStatus(StrEnum):
    REGISTERED = "registered"  # Registreret: waiting for the team's dispatcher
    ASSIGNED = "assigned"  # Tildelt: an agent has it
    IN_PROGRESS = "in_progress"  # Påbegyndt: the agent works on it
    RESOLVED = "resolved"  # Udført: solution written; closes with its case
    CLOSED = "closed"  # Lukket: its case is closed; final


STATUS_LABELS = {
    "registered": N_("Registered"),
    "assigned": N_("Assigned"),
    "in_progress": N_("In progress"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
}
ACTION_LABELS = {
    "assign": N_("be assigned"),
    "unassign": N_("have its assignee removed"),
    "start": N_("be started"),
    "pause": N_("be set back to assigned"),
    "resolve": N_("be resolved"),
    "reopen": N_("be reopened"),
    "return": N_("be returned"),
    "close": N_("be closed"),
}


def status_label(status: str) -> str:
    """The status as the user reads it (Danish: Registreret, Tildelt, Påbegyndt, Udført, Lukket)."""
    return _(STATUS_LABELS.get(status, status))


OPEN_STATUSES = frozenset({TaskStatus.REGISTERED, TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS})
DONE_STATUSES = frozenset({TaskStatus.RESOLVED, TaskStatus.CLOSED})

# The "open" and "closed" tabs of seed 001: a solved task moves to the closed tab at once.
STATES = {
    "open": OPEN_STATUSES,
    "closed": DONE_STATUSES,
    "any": OPEN_STATUSES | DONE_STATUSES,
}


class Action(StrEnum):
    ASSIGN = "assign"  # an assignee is set or changed
    UNASSIGN = "unassign"  # the assignee is removed (also: moved to another team)
    START = "start"  # the assignee starts work
    PAUSE = "pause"  # back from in progress to assigned
    RESOLVE = "resolve"  # a solution is written
    REOPEN = "reopen"  # the solution did not solve it
    RETURN = "return"  # handed back to the agent who created it (or back again)
    CLOSE = "close"  # its case closed


R, A, P, D, C = (TaskStatus.REGISTERED, TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.RESOLVED,
                 TaskStatus.CLOSED)

TRANSITIONS: dict[tuple[TaskStatus, Action], TaskStatus] = {
    (R, Action.ASSIGN): A,
    (R, Action.START): P,
    (R, Action.RESOLVE): D,
    (R, Action.RETURN): A,
    (R, Action.CLOSE): C,
    (A, Action.ASSIGN): A,
    (A, Action.UNASSIGN): R,
    (A, Action.START): P,
    (A, Action.RESOLVE): D,
    (A, Action.RETURN): A,
    (A, Action.CLOSE): C,
    (P, Action.ASSIGN): A,  # a new assignee has not started yet
    (P, Action.UNASSIGN): R,
    (P, Action.PAUSE): A,
    (P, Action.RESOLVE): D,
    (P, Action.RETURN): A,
    (P, Action.CLOSE): C,
    (D, Action.REOPEN): A,
    (D, Action.CLOSE): C,
}

# The event each decision leads to (events.py documents their data).
TASK_CREATED, TASK_UPDATED, TASK_ASSIGNED = "task.created", "task.updated", "task.assigned"
TASK_RESOLVED, TASK_REOPENED, TASK_RETURNED = "task.resolved", "task.reopened", "task.returned"
TASK_CLOSED, TASK_COMMENTED = "task.closed", "task.commented"

# Why a task closed (``reason`` of ``task.closed``): its case closed; or its case closed although this
# blocking task was still open (it slipped past the cases service's check in a race).
CASE_CLOSED, CASE_CLOSED_WHILE_BLOCKING = "case_closed", "case_closed_while_blocking"


def next_status(current: str, action: Action) -> TaskStatus:
    """The status ``action`` leads to from ``current``, or InvalidTransition."""
    target = TRANSITIONS.get((TaskStatus(current), action))
    if target is None:
        raise InvalidTransition(_invalid_transition_detail(TaskStatus(current), action))
    return target


def _invalid_transition_detail(current: TaskStatus, action: Action) -> str:
    if current is TaskStatus.CLOSED:
        return _("The task is closed because its case is closed; nothing more can be changed on it.")
    if current is TaskStatus.RESOLVED:
        return _("The task is resolved. Reopen it with a reason before you change its assignee or status.")
    if action is Action.REOPEN:
        return _("Only a resolved task can be reopened.")
    return _("A task that is %(status)s cannot %(action)s.", status=status_label(current.value).lower(),
             action=_(ACTION_LABELS[action.value]))


class TaskLike(Protocol):
    status: str
    team_id: str
    assignee_id: str | None
    approver_id: str | None
    created_by: str
    resolved_by: str | None
    returned_from_id: str | None
    deadline: datetime | None
    overdue_since: datetime | None


@dataclass
class Decision:
    """What an action does: the event to publish and the fields it changes (new values)."""

    event_type: str
    values: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # event members beside the task (reason, comment)

    def changes_against(self, task: Any) -> dict[str, dict[str, Any]]:
        return {name: {"old": getattr(task, name), "new": value}
                for name, value in self.values.items() if getattr(task, name) != value}


def is_open(status: str) -> bool:
    return TaskStatus(status) in OPEN_STATUSES


def is_overdue(task: TaskLike, now: datetime) -> bool:
    """Open and past its deadline (by the clock, or as the SLA service told us)."""
    if not is_open(task.status):
        return False
    return task.overdue_since is not None or (task.deadline is not None and task.deadline <= now)


def initial_status(assignee_id: str | None) -> TaskStatus:
    return TaskStatus.ASSIGNED if assignee_id else TaskStatus.REGISTERED


# -- decisions -----------------------------------------------------------------------------------

STATUS_BY_PATCH = {TaskStatus.IN_PROGRESS: Action.START, TaskStatus.ASSIGNED: Action.PAUSE}


def decide_patch(task: TaskLike, patch: dict[str, Any], *, actor_id: str) -> Decision:
    """PATCH: plain fields, team, assignee and status, in one change.

    Moving the task to another team without naming an assignee hands it to that team's
    dispatcher: the assignee is cleared and the task is registered again.
    """
    _refuse_contradiction(patch)
    values = {k: v for k, v in patch.items() if k not in ("status", "assignee_id", "team_id")}
    if "deadline" in values and values["deadline"] != task.deadline:
        values["overdue_since"] = None  # a new deadline is watched afresh
    handover = "team_id" in patch and patch["team_id"] != task.team_id
    if handover:
        values["team_id"] = patch["team_id"]
    assignee = patch.get("assignee_id", None if handover else task.assignee_id)
    status = TaskStatus(task.status)
    if assignee != task.assignee_id:
        if status in DONE_STATUSES:
            next_status(status, Action.ASSIGN)  # raises: reopen first
        values["assignee_id"] = assignee
        status = next_status(status, Action.ASSIGN if assignee else Action.UNASSIGN)
    elif handover and status in DONE_STATUSES:
        next_status(status, Action.UNASSIGN)  # raises: reopen first
    wanted = patch.get("status")
    if wanted is not None and TaskStatus(wanted) != status:
        status, assignee = _patch_status(status, TaskStatus(wanted), assignee, actor_id)
        if assignee != task.assignee_id:
            values["assignee_id"] = assignee
    if status != task.status:
        values["status"] = status.value
    if "assignee_id" in values:
        values["returned_from_id"] = None  # a new assignee: the return trip is over
    touches_assignment = "assignee_id" in values or "team_id" in values
    return Decision(TASK_ASSIGNED if touches_assignment else TASK_UPDATED, values)


def _refuse_contradiction(patch: dict[str, Any]) -> None:
    """``registered`` means "no assignee, waiting for the dispatcher": naming one as well says two things."""
    if patch.get("status") == TaskStatus.REGISTERED and patch.get("assignee_id"):
        message = _("A registered task has no assignee: it waits for its team's dispatcher. Send the assignee "
                    "or the status \"registered\", not both.")
        raise ValidationFailed(message, errors={"assignee_id": [message], "status": [message]})


def _patch_status(current: TaskStatus, wanted: TaskStatus, assignee: str | None,
                  actor_id: str) -> tuple[TaskStatus, str | None]:
    if wanted is TaskStatus.RESOLVED:
        raise ValidationFailed(_("Resolve a task with its solution: POST …/resolve with the solution."),
                               errors={"status": [_("Use the resolve action, which takes the solution.")]})
    if wanted is TaskStatus.CLOSED:
        raise ValidationFailed(_("A task closes when its case closes."),
                               errors={"status": [_("A task closes when its case closes.")]})
    if wanted is TaskStatus.REGISTERED:
        return next_status(current, Action.UNASSIGN), None
    if current is TaskStatus.RESOLVED:
        next_status(current, Action.START)  # raises with the "reopen first" message
    action = STATUS_BY_PATCH[wanted]
    if action is Action.PAUSE and assignee is None:
        raise ValidationFailed(_("An assigned task needs an assignee."),
                               errors={"assignee_id": [_("Choose who the task is assigned to.")]})
    # Starting an unassigned task means taking it.
    return next_status(current, action), assignee or actor_id


def decide_resolve(task: TaskLike, *, actor_id: str, solution: str, comment_id: str, now: datetime) -> Decision:
    next_status(task.status, Action.RESOLVE)
    return Decision(TASK_RESOLVED, {
        "status": TaskStatus.RESOLVED.value, "solution": solution, "solution_comment_id": comment_id,
        "resolved_at": now, "resolved_by": actor_id, "returned_from_id": None,
        "assignee_id": task.assignee_id or actor_id,
    })


def decide_reopen(task: TaskLike, *, reason: str, deadline: datetime | None = None,
                  assignee_id: str | None = None) -> Decision:
    """Back to ``assigned``, to the agent who solved it unless someone else is named (seed 001)."""
    next_status(task.status, Action.REOPEN)
    assignee = assignee_id or task.resolved_by or task.assignee_id
    if assignee is None:
        raise Conflict(_("Nobody solved this task, so name the agent it goes back to (assignee_id)."))
    values: dict[str, Any] = {
        "status": TaskStatus.ASSIGNED.value, "assignee_id": assignee, "solution": None,
        "solution_comment_id": None, "resolved_at": None, "resolved_by": None,
    }
    if deadline is not None:
        values["deadline"] = deadline
        values["overdue_since"] = None
    return Decision(TASK_REOPENED, values, {"reason": reason})


def decide_return(task: TaskLike, *, actor_id: str) -> Decision:
    """Hand the task back to the agent who created it; when it is already with them, back again.

    Seed 001: the task's agent returns it to the case's agent for information, who answers in an
    internal comment and returns it "to the agent it came from".
    """
    if task.assignee_id == task.created_by:
        if not task.returned_from_id:
            raise Conflict(_("The task is already with the agent who created it."))
        target, came_from = task.returned_from_id, None
    else:
        target, came_from = task.created_by, task.assignee_id
    status = next_status(task.status, Action.RETURN)
    return Decision(TASK_RETURNED, {"assignee_id": target, "returned_from_id": came_from, "status": status.value})


def decide_close(task: TaskLike, *, now: datetime, reason: str) -> Decision:
    next_status(task.status, Action.CLOSE)
    return Decision(TASK_CLOSED, {"status": TaskStatus.CLOSED.value, "closed_at": now}, {"reason": reason})


DEADLINE_TOLERANCE = timedelta(seconds=1)  # the deadline as echoed back may lose its microseconds


def decide_deadline_passed(task: TaskLike, *, deadline: datetime, now: datetime) -> Decision | None:
    """The SLA service says a deadline passed: flag the task if it is still open with that deadline."""
    if not is_open(task.status) or task.overdue_since is not None or task.deadline is None:
        return None
    if abs(task.deadline - deadline) >= DEADLINE_TOLERANCE:
        return None  # the deadline was moved since: the SLA service watches the new one
    return Decision(TASK_UPDATED, {"overdue_since": now})


def decide_move(task: TaskLike, *, case_id: str) -> Decision:
    """The task's case was merged into another: the task follows the work to the surviving case."""
    return Decision(TASK_UPDATED, {"case_id": case_id}, {"reason": "case_merged"})
