"""Task routes: create on a case, list, read, look up by number, change."""

from __future__ import annotations

from servicekit.web import current_identity, db_session

from .. import service as tasks
from ..schemas import CaseTaskQueryArgs, TaskCreate, TaskPage, TaskPatch, TaskQueryArgs, TaskRead, TaskSummary
from .common import blp, cases, documented, etag, expected_version, readers_only, rules


@blp.route("/cases/<uuid:case_id>/tasks", methods=["POST"])
@readers_only
@blp.arguments(TaskCreate)
@blp.response(201, TaskRead)
@documented("not_found", "forbidden", "conflict", "unavailable")
def create_task(fields, case_id):
    """Create a task on a case (staff)

    The case must exist and be open. A case whose events have not reached this service yet is
    asked of the cases service; 404 when there is no such case, 503 (with `Retry-After`) when
    the cases service cannot be asked.
    """
    view = tasks.create_task(db_session(), case_id=str(case_id), fields=fields, actor=current_identity(),
                             rules=rules(), cases=cases())
    return view, {**etag(view), "Location": f"/api/v1/tasks/{view.id}"}


@blp.route("/cases/<uuid:case_id>/tasks", methods=["GET"])
@readers_only
@blp.arguments(CaseTaskQueryArgs, location="query")
@blp.response(200, TaskPage)
@documented("not_found", "unavailable")
def list_case_tasks(args, case_id):
    """A case's tasks; `total` is the count for "Opgaver (n)"; 404 when there is no such case"""
    return tasks.list_case_tasks(db_session(), case_id=str(case_id), actor=current_identity(), args=args,
                                 cases=cases())


@blp.route("/tasks", methods=["GET"])
@readers_only
@blp.arguments(TaskQueryArgs, location="query")
@blp.response(200, TaskPage)
@documented("not_found")
def list_tasks(args):
    """Tasks by view: mine (assignee or approver), team, unassigned, approver, created_by_me, all"""
    return tasks.list_tasks(db_session(), actor=current_identity(), args=args)


@blp.route("/tasks/summary", methods=["GET"])
@readers_only
@blp.response(200, TaskSummary)
@documented("not_found")
def task_summary():
    """Counts for the dashboard: open tasks per view, and how many of mine are overdue"""
    return tasks.task_summary(db_session(), actor=current_identity())


@blp.route("/tasks/by-number/<string:number>", methods=["GET"])
@readers_only
@blp.response(200, TaskRead)
@documented("not_found")
def get_task_by_number(number):
    """Look a task up by its number: `TSK 2611-0007`, `tsk2611-0007` or `2611-7`

    The month and counter find the task whatever the prefix typed, also one numbered before a change
    of `TASK_NUMBER_PREFIX`.
    """
    view = tasks.get_task_by_number(db_session(), number=number, actor=current_identity())
    return view, etag(view)


@blp.route("/tasks/<uuid:task_id>", methods=["GET"])
@readers_only
@blp.response(200, TaskRead)
@documented("not_found")
def get_task(task_id):
    """One task"""
    view = tasks.get_task(db_session(), task_id=str(task_id), actor=current_identity())
    return view, etag(view)


@blp.route("/tasks/<uuid:task_id>", methods=["PATCH"])
@readers_only
@blp.arguments(TaskPatch)
@blp.response(200, TaskRead)
@documented("not_found", "forbidden", "conflict", "stale")
def patch_task(patch, task_id):
    """Change a task: subject, description, team, assignee, approver, deadline, blocking, status

    Moving it to another team without an assignee hands it to that team's dispatcher. The approver,
    once set, may be changed only by the approver or an admin. Send `If-Match: <version>` to refuse
    a lost update.
    """
    view = tasks.patch_task(db_session(), task_id=str(task_id), patch=patch, actor=current_identity(),
                            expected_version=expected_version(), rules=rules())
    return view, etag(view)
