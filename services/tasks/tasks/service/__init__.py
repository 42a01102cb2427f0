"""The tasks service's use cases, one transaction each (the consumers' ones share the consumer's)."""

from .changes import patch_task, reopen_task, resolve_task, return_task
from .comments import add_comment, list_comments
from .common import TaskView
from .creation import TaskRules, create_task
from .queries import get_task, get_task_by_number, list_case_tasks, list_tasks, task_history, task_summary

__all__ = [
    "TaskRules", "TaskView", "add_comment", "create_task", "get_task", "get_task_by_number",
    "list_case_tasks", "list_comments", "list_tasks", "patch_task", "reopen_task", "resolve_task", "return_task",
    "task_history", "task_summary",
]
