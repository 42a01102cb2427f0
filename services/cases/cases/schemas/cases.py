"""Schemas of the case itself and its actions."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from servicekit.pagination import page_schema, page_size

from ..domain import Level, Priority, Status
from ..i18n import _
from .common import Id, PageArgs, PlainText, Problem, required_text

TYPES = ("incident", "request", "question", "complaint")
ORIGINS = ("portal", "email", "phone", "chat", "web_form", "api")
LEVELS = tuple(level.value for level in Level)
PRIORITIES = tuple(p.value for p in Priority)
STATUSES = tuple(s.value for s in Status)
VIEWS = ("mine", "shared", "organisation", "team", "assigned_to_me", "unassigned", "all")
SORTABLE = ("number", "title", "status", "priority", "created_at", "updated_at", "resolved_at", "closed_at")


class CaseRead(Schema):
    id = Id(required=True)
    number = fields.String(required=True, metadata={"example": "SAG 2611-0042"})
    title = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    priority = fields.String(required=True, validate=validate.OneOf(PRIORITIES))
    priority_overridden = fields.Boolean(metadata={"description": "Set by an agent rather than by the matrix"})
    urgency = fields.String(required=True, validate=validate.OneOf(LEVELS))
    impact = fields.String(required=True, validate=validate.OneOf(LEVELS))
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    category = fields.String(allow_none=True)
    product = fields.String(allow_none=True)
    origin = fields.String(required=True, validate=validate.OneOf(ORIGINS))
    private = fields.Boolean(required=True)
    requester_id = Id(allow_none=True)
    organisation_id = Id(allow_none=True)
    team_id = Id(required=True)
    assignee_id = Id(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    updated_by = fields.String(allow_none=True, metadata={"description": "Who made the latest change"})
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    parent_id = Id(allow_none=True)
    merged_into_id = Id(allow_none=True)
    related_case_id = Id(allow_none=True, metadata={
        "description": "The case an e-mail named when it opened this one (null to a requester who may not see it)"})
    follower_ids = fields.List(Id(), required=True)
    open_blocking_tasks = fields.Integer(required=True)
    solution_message_id = Id(allow_none=True)
    handed_over_from_team_id = Id(allow_none=True, metadata={
        "description": "Staff only: the team the case was handed over from, while the hand-over lasts"})
    handed_over_by_id = fields.String(allow_none=True, metadata={"description": "Staff only"})
    owning_team_id = Id(allow_none=True, metadata={
        "description": "Staff only: the team that handed the case over; it alone closes the case, also after the "
                       "case came back"})
    version = fields.Integer(required=True)


CasePage = page_schema(CaseRead)


class CaseCreate(Schema):
    title = required_text(300)
    description = required_text(100_000)
    type = fields.String(load_default="incident", validate=validate.OneOf(TYPES))
    category = PlainText(load_default=None, allow_none=True, validate=validate.Length(max=120))
    product = PlainText(load_default=None, allow_none=True, validate=validate.Length(max=120))
    urgency = fields.String(load_default="medium", validate=validate.OneOf(LEVELS))
    impact = fields.String(load_default="medium", validate=validate.OneOf(LEVELS))
    origin = fields.String(load_default=None, validate=validate.OneOf(ORIGINS))
    private = fields.Boolean(load_default=False)
    requester_id = Id(load_default=None, allow_none=True, metadata={"description": "Agents: whom the case is for"})
    team_id = Id(load_default=None, allow_none=True, metadata={"description": "Agents: skip the routing rules"})
    priority = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PRIORITIES),
                             metadata={"description": "Agents: override the matrix"})
    assignee_id = Id(load_default=None, allow_none=True, metadata={"description": "Agents"})
    parent_id = Id(load_default=None, allow_none=True, metadata={"description": "Agents: make it a child case"})


class CasePatch(Schema):
    title = PlainText(validate=validate.Length(min=1, max=300))
    description = PlainText(validate=validate.Length(min=1, max=100_000))
    type = fields.String(validate=validate.OneOf(TYPES))
    category = PlainText(allow_none=True, validate=validate.Length(max=120))
    product = PlainText(allow_none=True, validate=validate.Length(max=120))
    urgency = fields.String(validate=validate.OneOf(LEVELS))
    impact = fields.String(validate=validate.OneOf(LEVELS))
    priority = fields.String(allow_none=True, validate=validate.OneOf(PRIORITIES),
                             metadata={"description": "null hands the priority back to the matrix"})
    team_id = Id()
    assignee_id = Id(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    private = fields.Boolean()
    parent_id = Id(allow_none=True)

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError(_("Send at least one field to change."), "_schema")


class CaseQueryArgs(PageArgs):
    view = fields.String(load_default="all", validate=validate.OneOf(VIEWS))
    status = fields.String(load_default="any", metadata={
        "description": "open, closed (resolved or closed), any, or statuses separated by commas"})
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(
        [*SORTABLE, *(f"-{name}" for name in SORTABLE)]))
    team_id = Id(load_default=None)
    assignee_id = Id(load_default=None)
    requester_id = Id(load_default=None)
    organisation_id = Id(load_default=None)
    parent_id = Id(load_default=None)
    priority = fields.String(load_default=None, validate=validate.OneOf(PRIORITIES))
    type = fields.String(load_default=None, validate=validate.OneOf(TYPES))
    origin = fields.String(load_default=None, validate=validate.OneOf(ORIGINS))
    category = fields.String(load_default=None, validate=validate.Length(max=120))
    product = fields.String(load_default=None, validate=validate.Length(max=120))

    @validates_schema
    def known_statuses(self, data, **kwargs):
        value = data.get("status") or "any"
        if value in ("open", "closed", "any"):
            return
        unknown = [s for s in value.split(",") if s.strip() not in STATUSES]
        if unknown:
            raise ValidationError(
                _("Must be open, closed, any or one of: %(statuses)s.", statuses=", ".join(STATUSES)), "status")


class ResolveBody(Schema):
    solution = PlainText(load_default=None, allow_none=True, validate=validate.Length(max=100_000))
    visibility = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(("external", "internal")),
                               metadata={"description": "Of the solution message; internal by default when the "
                                                        "case goes back to the team that handed it over"})


class ReopenBody(Schema):
    reason = PlainText(load_default=None, allow_none=True, validate=validate.Length(max=10_000))


class BlockingTask(Schema):
    id = Id(required=True)
    number = fields.String(allow_none=True, metadata={"example": "TSK 2611-0003"})
    subject = fields.String(allow_none=True)
    status = fields.String(allow_none=True)


class ClosingRefused(Problem):
    tasks = fields.List(fields.Nested(BlockingTask), metadata={
        "description": "Staff only: the open tasks that block closing (a requester is told to wait)"})


class MergeBody(Schema):
    into_id = Id(required=True)


class ForwardBody(Schema):
    to = fields.List(fields.Email(), required=True, validate=validate.Length(min=1, max=20))
    cc = fields.List(fields.Email(), load_default=list, validate=validate.Length(max=20))
    body = required_text(100_000)
    attachment_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=50))


class BulkChanges(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    team_id = Id()
    assignee_id = Id(allow_none=True)
    priority = fields.String(allow_none=True, validate=validate.OneOf(PRIORITIES))
    category = PlainText(allow_none=True, validate=validate.Length(max=120))

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError(_("Send at least one field to change."), "_schema")


class BulkBody(Schema):
    ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=200))
    changes = fields.Nested(BulkChanges, required=True)


class BulkResult(Schema):
    id = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    version = fields.Integer()


class BulkAnswer(Schema):
    results = fields.List(fields.Nested(BulkResult), required=True)


class ShareBody(Schema):
    user_id = Id(required=True)


class FollowerRead(Schema):
    user_id = Id(required=True)
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    added_by = fields.String(allow_none=True)
    added_at = fields.DateTime(required=True)


class HistoryRead(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor_id = fields.String(allow_none=True)
    field = fields.String(required=True)
    old = fields.Raw(allow_none=True, attribute="old_value")
    new = fields.Raw(allow_none=True, attribute="new_value")
    version = fields.Integer(required=True)


HistoryPage = page_schema(HistoryRead)


class HistoryArgs(PageArgs):
    per_page = page_size(default=200)
