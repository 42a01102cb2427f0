"""Who may do what with tasks, decided from the caller's verified identity alone.

* Requesters never see tasks: every task route answers them 404, as if tasks did not exist
  (seed 001: no user is on a task; the contract: 404 for what the caller may not see).
* Every member of staff (agents, dispatchers, admins) and the system's services may read tasks.
* Agents, dispatchers and admins may create tasks; services only read.
* A task may be changed (assigned, commented, resolved, reopened, returned, edited) by the agents
  of its team, the team's dispatchers, its creator, its approver, its assignee, and admins.  The
  assignee may be outside the team (a task returned to its creator, or given to an agent of another
  team by agreement, seed 001) and must still be able to work it; admins repair.  Team membership
  comes from the gateway-signed token, so a token without the team cannot act for it.
* The approver field, once set, may be changed only by the approver or an admin (seed 001:
  "Godkender feltet må IKKE løbende ændres").
"""

from __future__ import annotations

from typing import Protocol

from servicekit.auth import Identity
from servicekit.errors import Forbidden, NotFound

from .i18n import _


class TaskParties(Protocol):
    team_id: str
    created_by: str
    approver_id: str | None
    assignee_id: str | None


def may_read(identity: Identity) -> bool:
    return identity.is_staff


def may_create(identity: Identity) -> bool:
    return identity.is_staff and not identity.is_service


def may_change(identity: Identity, task: TaskParties) -> bool:
    if identity.is_service:
        return False
    if identity.is_admin:
        return True
    if not identity.is_staff:
        return False
    parties = {task.created_by, task.approver_id, task.assignee_id}
    return (identity.user_id in parties or identity.is_member_of(task.team_id)
            or identity.is_dispatcher_of(task.team_id))


def may_change_approver(identity: Identity, task: TaskParties) -> bool:
    if not may_change(identity, task):
        return False
    return task.approver_id is None or identity.is_admin or identity.user_id == task.approver_id


def require_reader(identity: Identity) -> None:
    if not may_read(identity):
        raise NotFound(_("There is no such task."))


def require_creator(identity: Identity) -> None:
    require_reader(identity)
    if not may_create(identity):
        raise Forbidden(_("Only agents, dispatchers and admins may create tasks."))


def require_changer(identity: Identity, task: TaskParties) -> None:
    require_reader(identity)
    if not may_change(identity, task):
        raise Forbidden(_("Only the task's team, its dispatchers, its creator, its approver and its assignee "
                          "may change the task."))


def require_approver_changer(identity: Identity, task: TaskParties) -> None:
    if not may_change_approver(identity, task):
        raise Forbidden(_("Only the approver may hand the approval to someone else (or an admin). "
                          "Agree it with the approver first."))
