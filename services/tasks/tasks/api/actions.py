"""Task actions (resolve, reopen, return), comments and history."""

from __future__ import annotations

from servicekit.pagination import PageArgs
from servicekit.web import current_identity, db_session

from .. import service as tasks
from ..schemas import (
    CommentCreate,
    CommentPage,
    CommentRead,
    HistoryPage,
    ReopenArgs,
    ResolveArgs,
    ReturnArgs,
    TaskRead,
)
from .common import blp, documented, etag, expected_version, readers_only


@blp.route("/tasks/<uuid:task_id>/resolve", methods=["POST"])
@readers_only
@blp.arguments(ResolveArgs)
@blp.response(200, TaskRead)
@documented("not_found", "forbidden", "conflict", "stale")
def resolve_task(args, task_id):
    """Resolve: the solution becomes an internal comment marked as the solution; the approver is told"""
    view = tasks.resolve_task(db_session(), task_id=str(task_id), actor=current_identity(),
                              expected_version=expected_version(), solution=args.get("solution"),
                              comment_id=args.get("comment_id"))
    return view, etag(view)


@blp.route("/tasks/<uuid:task_id>/reopen", methods=["POST"])
@readers_only
@blp.arguments(ReopenArgs)
@blp.response(200, TaskRead)
@documented("not_found", "forbidden", "conflict", "stale")
def reopen_task(args, task_id):
    """Reopen a resolved task: back to `assigned`, to the agent who solved it, with the reason as a comment"""
    view = tasks.reopen_task(db_session(), task_id=str(task_id), actor=current_identity(),
                             expected_version=expected_version(), reason=args["reason"],
                             deadline=args.get("deadline"), assignee_id=args.get("assignee_id"))
    return view, etag(view)


@blp.route("/tasks/<uuid:task_id>/return", methods=["POST"])
@readers_only
@blp.arguments(ReturnArgs)
@blp.response(200, TaskRead)
@documented("not_found", "forbidden", "conflict", "stale")
def return_task(args, task_id):
    """Return the task to the agent who created it; from them, back to the agent it came from"""
    view = tasks.return_task(db_session(), task_id=str(task_id), actor=current_identity(),
                             expected_version=expected_version(), comment=args.get("comment"))
    return view, etag(view)


@blp.route("/tasks/<uuid:task_id>/comments", methods=["POST"])
@readers_only
@blp.arguments(CommentCreate)
@blp.response(201, CommentRead)
@documented("not_found", "forbidden", "conflict", "stale")
def add_comment(args, task_id):
    """Write an internal comment (an external one is 422: write to the user on the case)

    A comment is a change of the task (its version grows): send `If-Match: <version>` to refuse writing
    past a change you have not read.
    """
    return tasks.add_comment(db_session(), task_id=str(task_id), body=args["body"],
                             visibility=args["visibility"], actor=current_identity(),
                             expected_version=expected_version())


@blp.route("/tasks/<uuid:task_id>/comments", methods=["GET"])
@readers_only
@blp.arguments(PageArgs, location="query")
@blp.response(200, CommentPage)
@documented("not_found")
def list_comments(args, task_id):
    """The task's comments, oldest first"""
    return tasks.list_comments(db_session(), task_id=str(task_id), actor=current_identity(), args=args)


@blp.route("/tasks/<uuid:task_id>/history", methods=["GET"])
@readers_only
@blp.arguments(PageArgs, location="query")
@blp.response(200, HistoryPage)
@documented("not_found")
def task_history(args, task_id):
    """Every change of the task: who, when, which field, old and new value"""
    return tasks.task_history(db_session(), task_id=str(task_id), actor=current_identity(), args=args)
