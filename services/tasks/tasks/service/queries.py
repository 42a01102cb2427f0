"""Reading tasks: one task, by number, the views of "mine", team and approver, a case's tasks, history.

Every list is one query per page: the case's number and title come by a join and the total by a
window count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session

from servicekit.auth import Identity
from servicekit.db import utcnow
from servicekit.pagination import fetch_page, page

from ..access import require_reader
from ..domain import OPEN_STATUSES, STATES
from ..gateway import CaseSource
from ..models import CaseReplica, Task, TaskChange
from ..numbers import lookup_key
from .cases import known_case
from .common import TaskView, task_not_found, view_from_row


def _with_case() -> Select:
    return select(Task, CaseReplica.number, CaseReplica.title).outerjoin(CaseReplica, CaseReplica.id == Task.case_id)


def _one(session: Session, statement: Select) -> TaskView:
    row = session.execute(statement).first()
    if row is None:
        raise task_not_found()
    return view_from_row(row[0], row[1], row[2], utcnow())


def get_task(session: Session, *, task_id: str, actor: Identity) -> TaskView:
    require_reader(actor)
    return _one(session, _with_case().where(Task.id == task_id))


def get_task_by_number(session: Session, *, number: str, actor: Identity) -> TaskView:
    require_reader(actor)
    key = lookup_key(number)
    if key is None:
        raise task_not_found()
    return _one(session, _with_case().where(Task.number_key == key))


VIEWS = ("mine", "team", "unassigned", "approver", "created_by_me")


def _view_filter(view: str, actor: Identity):
    me = actor.user_id
    teams = sorted(actor.team_ids | actor.dispatcher_team_ids)
    filters = {
        "mine": lambda: or_(Task.assignee_id == me, Task.approver_id == me),
        "team": lambda: Task.team_id.in_(teams) if teams else false(),
        "unassigned": lambda: Task.team_id.in_(teams) & Task.assignee_id.is_(None) if teams else false(),
        "approver": lambda: Task.approver_id == me,
        "created_by_me": lambda: Task.created_by == me,
        "all": lambda: None,
    }
    return filters[view]()


def _ordering(sort: str) -> list:
    column = getattr(Task, sort.lstrip("-"))
    primary = column.desc() if sort.startswith("-") else column.asc()
    return [primary.nulls_last(), Task.created_at.asc(), Task.id.asc()]


def _page(session: Session, statement: Select, args: dict[str, Any]) -> dict[str, Any]:
    rows, total = fetch_page(session, statement.order_by(*_ordering(args["sort"])), page=args["page"],
                             per_page=args["per_page"])
    now = utcnow()
    return page([view_from_row(r[0], r[1], r[2], now) for r in rows], total, args)


def list_tasks(session: Session, *, actor: Identity, args: dict[str, Any]) -> dict[str, Any]:
    require_reader(actor)
    statement = _with_case().where(Task.status.in_(sorted(STATES[args["state"]])))
    view_filter = _view_filter(args["view"], actor)
    if view_filter is not None:
        statement = statement.where(view_filter)
    if args.get("status"):
        statement = statement.where(Task.status == args["status"])
    if args.get("overdue") is not None:
        statement = statement.where(_overdue() if args["overdue"] else ~_overdue())
    if args.get("q"):
        statement = statement.where(_matching(args["q"]))
    return _page(session, statement, args)


def _overdue():
    is_open = Task.status.in_(sorted(OPEN_STATUSES))
    # Spelled out so that NOT(...) is true, not NULL, for a task without a deadline.
    passed = or_(Task.overdue_since.is_not(None), Task.deadline.is_not(None) & (Task.deadline <= utcnow()))
    return is_open & passed


def _matching(text: str):
    key = lookup_key(text)
    if key is not None:
        return Task.number_key == key
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(Task.subject.ilike(pattern, escape="\\"), Task.description.ilike(pattern, escape="\\"))


def task_summary(session: Session, *, actor: Identity) -> dict[str, int]:
    """How many open tasks each view holds, and how many of mine are overdue: one aggregate query."""
    require_reader(actor)
    counts = [func.count().filter(_view_filter(view, actor)).label(view) for view in VIEWS]
    mine_overdue = func.count().filter(_view_filter("mine", actor) & _overdue()).label("overdue")
    row = session.execute(select(*counts, mine_overdue).where(Task.status.in_(sorted(OPEN_STATUSES)))).one()
    return dict(row._mapping)


def list_case_tasks(session: Session, *, case_id: str, actor: Identity, args: dict[str, Any],
                    cases: CaseSource) -> dict[str, Any]:
    """A case's tasks; ``total`` is the "Opgaver (n)" count of the case page.  No such case is 404: tasks
    prove their case exists, so only a case without any (in this state) is looked up."""
    require_reader(actor)
    statement = _with_case().where(Task.case_id == case_id, Task.status.in_(sorted(STATES[args["state"]])))
    tasks = _page(session, statement, args)
    if tasks["total"] == 0:
        known_case(session, case_id, cases)
    return tasks


def task_history(session: Session, *, task_id: str, actor: Identity, args: dict[str, Any]) -> dict[str, Any]:
    require_reader(actor)
    if session.get(Task, task_id) is None:
        raise task_not_found()
    rows, total = fetch_page(session, select(TaskChange).where(TaskChange.task_id == task_id).order_by(TaskChange.id),
                             page=args["page"], per_page=args["per_page"])
    return page([r[0] for r in rows], total, args)
