"""Creating a task on a case, with its number."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicekit.auth import Identity
from servicekit.db import utcnow
from servicekit.errors import Conflict
from servicekit.outbox import record_event

from ..access import require_creator
from ..descriptions import require_description
from ..domain import TASK_CREATED, initial_status
from ..events import task_event
from ..gateway import CaseSource
from ..i18n import _
from ..models import CaseReplica, Task, TaskNumberCounter
from ..numbers import format_number, key_of, period_of
from .cases import known_case
from .common import TaskView, check_deadline, record_history, view_of
from .directory import require_staff, require_team


@dataclass(frozen=True)
class TaskRules:
    prefix: str
    min_description: int
    case_prefix: str = "SAG"

    def description(self, text: str) -> str:
        """The description if it is one (seed 001), refused with the reason otherwise."""
        return require_description(text, self.min_description, (self.prefix, self.case_prefix))


def create_task(session: Session, *, case_id: str, fields: dict[str, Any], actor: Identity,
                rules: TaskRules, cases: CaseSource) -> TaskView:
    require_creator(actor)
    now = utcnow()
    description = rules.description(fields["description"])
    check_deadline(fields.get("deadline"), now)
    case = _open_case(session, case_id, cases)
    require_team(session, fields["team_id"])
    require_staff(session, fields.get("assignee_id"), "assignee_id")
    require_staff(session, fields.get("approver_id"), "approver_id")
    period = period_of(now)
    sequence = next_sequence(session, period)
    task = Task(
        id=str(uuid.uuid4()), number=format_number(rules.prefix, period, sequence),
        number_key=key_of(period, sequence), case_id=case.id,
        subject=fields["subject"], description=description, team_id=fields["team_id"],
        assignee_id=fields.get("assignee_id"), approver_id=fields.get("approver_id"),
        deadline=fields.get("deadline"), blocks_case_closure=fields.get("blocks_case_closure", False),
        status=initial_status(fields.get("assignee_id")).value, created_by=actor.user_id,
        created_at=now, updated_at=now, version=1,
    )
    session.add(task)
    session.flush()
    record_history(session, task, TASK_CREATED, actor.user_id, now, {})
    view = view_of(session, task, now)
    record_event(session, task_event(TASK_CREATED, view, actor_id=actor.user_id, changes={}))
    session.commit()
    return view


def _open_case(session: Session, case_id: str, cases: CaseSource) -> CaseReplica:
    """The case, share-locked so that a concurrent close waits for this task (and then closes it too)."""
    case = known_case(session, case_id, cases, share_lock=True)
    if case.merged_into_id:
        raise Conflict(_("Case %(number)s has been merged into another case. Add the task there.",
                         number=case.number), merged_into_id=case.merged_into_id)
    if case.status == "resolved":
        raise Conflict(_("Case %(number)s is resolved. A task can only be added to an open case: reopen the case "
                         "first, then add the task.", number=case.number), case_status=case.status)
    if case.status == "closed":
        raise Conflict(_("Case %(number)s is closed, and a closed case cannot be reopened. Open a new case for "
                         "the work and add the task there.", number=case.number), case_status=case.status)
    return case


def next_sequence(session: Session, period: str) -> int:
    """The next number of ``period``: an atomic upsert whose row lock serialises concurrent creators
    (across threads, processes and replicas) until their transactions end."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(TaskNumberCounter)
        .values(period=period, last_value=1)
        .on_conflict_do_update(index_elements=["period"],
                               set_={"last_value": TaskNumberCounter.last_value + 1})
        .returning(TaskNumberCounter.last_value)
    )
    return session.execute(statement).scalar_one()
