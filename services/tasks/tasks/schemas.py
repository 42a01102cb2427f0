"""Marshmallow schemas of the tasks API: what comes in (Create/Patch/...Args) and what goes out (Read/Page)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from servicekit.pagination import PageArgs, page_schema

from .domain import STATES, TaskStatus
from .i18n import _, _l

MAX_TEXT = 20_000
SORTS = ("deadline", "created_at", "updated_at", "resolved_at")


class Id(fields.UUID):
    """A UUID given and kept as its canonical string."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))


def _at_most(length: int) -> validate.Length:
    return validate.Length(max=length, error=_l("At most {max} characters."))


class Uuid(fields.String):
    """A UUID on the way out: our own ids are valid already, so they are not parsed again for every answer."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})["format"] = "uuid"
        super().__init__(**kwargs)


class Text(fields.String):
    """A string with surrounding white space removed; it may not be blank."""

    def __init__(self, *, max_length: int = MAX_TEXT, **kwargs):
        checks = [validate.Length(min=1, error=_l("May not be empty.")), _at_most(max_length)]
        super().__init__(validate=checks, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Moment(fields.AwareDateTime):
    """An RFC 3339 date and time with its zone."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise ValidationError(_("Give a date and time with its time zone, for example "
                                    "2026-11-25T10:00:00+01:00.")) from None


class TaskCreate(Schema):
    subject = Text(required=True, max_length=200, metadata={"description": "Emne: what the task is about"})
    description = fields.String(required=True, validate=_at_most(MAX_TEXT), metadata={
        "description": "What needs to be done; at least TASK_MIN_DESCRIPTION characters that are not just "
                       "a pointer such as 'se sag'"})
    team_id = Id(required=True, metadata={"description": "The team the task goes to (its dispatcher assigns it)"})
    assignee_id = Id(allow_none=True, load_default=None,
                     metadata={"description": "An agent directly, only when agreed with them (seed 001)"})
    approver_id = Id(allow_none=True, load_default=None,
                     metadata={"description": "Godkender: told when the task is solved; usually yourself"})
    deadline = Moment(allow_none=True, load_default=None)
    blocks_case_closure = fields.Boolean(load_default=False, metadata={
        "description": "The case cannot be closed while this task is open"})


class TaskPatch(Schema):
    subject = Text(max_length=200)
    description = fields.String(validate=_at_most(MAX_TEXT))
    team_id = Id()
    assignee_id = Id(allow_none=True)
    approver_id = Id(allow_none=True)
    deadline = Moment(allow_none=True)
    blocks_case_closure = fields.Boolean()
    status = fields.String(validate=validate.OneOf([s.value for s in TaskStatus]))

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError(_("Send at least one field to change."), "_schema")


class ResolveArgs(Schema):
    solution = Text(max_length=MAX_TEXT, metadata={"description": "The solution, kept as an internal comment"})
    comment_id = Id(metadata={"description": "Or: an internal comment already written, marked as the solution"})

    @validates_schema
    def one_of(self, data, **kwargs):
        if ("solution" in data) == ("comment_id" in data):
            raise ValidationError(_("Write the solution, or name the comment that is the solution (one of them)."),
                                  "solution")


class ReopenArgs(Schema):
    reason = Text(required=True, max_length=MAX_TEXT,
                  metadata={"description": "Why the task is not solved; kept as an internal comment"})
    deadline = Moment(allow_none=True, load_default=None)
    assignee_id = Id(allow_none=True, load_default=None,
                     metadata={"description": "Default: the agent who solved it"})


class ReturnArgs(Schema):
    comment = Text(max_length=MAX_TEXT, metadata={"description": "What you need, kept as an internal comment"})


class CommentCreate(Schema):
    body = Text(required=True, max_length=MAX_TEXT)
    visibility = fields.String(load_default="internal", validate=validate.OneOf(["internal", "external"]),
                               metadata={"description": "Always internal: no user is on a task (seed 001)"})


class CommentRead(Schema):
    id = Uuid()
    task_id = Uuid()
    author_id = fields.String()
    visibility = fields.Constant("internal")
    body = fields.String()
    kind = fields.String(metadata={"description": "comment, solution, reopen or return; case_closed for the note "
                                                 "the service writes when a case closed over this open blocking task"})
    is_solution = fields.Boolean()
    created_at = fields.DateTime()


class TaskRead(Schema):
    id = Uuid()
    number = fields.String(metadata={"example": "TSK 2611-0007"})
    case_id = Uuid()
    case_number = fields.String(allow_none=True, metadata={"example": "SAG 2611-0042"})
    case_title = fields.String(allow_none=True)
    subject = fields.String()
    description = fields.String()
    team_id = Uuid()
    assignee_id = Uuid(allow_none=True)
    approver_id = Uuid(allow_none=True)
    deadline = fields.DateTime(allow_none=True)
    overdue = fields.Boolean(metadata={"description": "Open and past its deadline"})
    blocks_case_closure = fields.Boolean()
    status = fields.String(metadata={"enum": [s.value for s in TaskStatus]})
    created_by = Uuid()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = Uuid(allow_none=True)
    solution = fields.String(allow_none=True)
    solution_comment_id = Uuid(allow_none=True)
    returned_from_id = Uuid(allow_none=True, metadata={
        "description": "Who the task was returned from; returning it again sends it back to them"})
    closed_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class TaskQueryArgs(PageArgs):
    view = fields.String(load_default="mine", validate=validate.OneOf(
        ["mine", "team", "unassigned", "approver", "created_by_me", "all"]), metadata={
        "description": "mine: I am assignee or approver; team: my teams' tasks; unassigned: my teams' tasks "
                       "nobody has yet; approver: I approve; created_by_me; all"})
    state = fields.String(load_default="open", validate=validate.OneOf(list(STATES)))
    status = fields.String(validate=validate.OneOf([s.value for s in TaskStatus]))
    overdue = fields.Boolean()
    q = Text(max_length=200, metadata={"description": "A task number, or words of the subject or description"})
    sort = fields.String(load_default="deadline", validate=validate.OneOf([*SORTS, *(f"-{s}" for s in SORTS)]))


class CaseTaskQueryArgs(PageArgs):
    state = fields.String(load_default="any", validate=validate.OneOf(list(STATES)))
    sort = fields.String(load_default="created_at", validate=validate.OneOf([*SORTS, *(f"-{s}" for s in SORTS)]))


TaskPage = page_schema(TaskRead)


CommentPage = page_schema(CommentRead)


class TaskSummary(Schema):
    mine = fields.Integer(metadata={"description": "Open tasks I am assignee or approver of"})
    team = fields.Integer(metadata={"description": "Open tasks of my teams"})
    unassigned = fields.Integer(metadata={"description": "Open tasks of my teams that nobody has yet"})
    approver = fields.Integer(metadata={"description": "Open tasks I approve"})
    created_by_me = fields.Integer(metadata={"description": "Open tasks I created"})
    overdue = fields.Integer(metadata={"description": "Of mine, those past their deadline"})


class HistoryEntry(Schema):
    version = fields.Integer()
    event_type = fields.String()
    actor_id = fields.String(allow_none=True)
    at = fields.DateTime()
    field = fields.String(allow_none=True)
    old = fields.Raw(attribute="old_value", allow_none=True)
    new = fields.Raw(attribute="new_value", allow_none=True)


HistoryPage = page_schema(HistoryEntry, "HistoryPage")
