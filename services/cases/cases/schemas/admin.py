"""Schemas of the admin settings: routing rules, default team, priority matrix; and statistics."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain import Level, Priority, matrix_problems
from ..i18n import _
from .cases import ORIGINS, TYPES
from .common import Id, PlainText, required_text

CRITERIA = ("category", "product", "type", "origin")


class RoutingRuleCreate(Schema):
    name = required_text(120)
    category = PlainText(load_default=None, allow_none=True, validate=validate.Length(min=1, max=120))
    product = PlainText(load_default=None, allow_none=True, validate=validate.Length(min=1, max=120))
    type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TYPES))
    origin = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ORIGINS))
    team_id = Id(required=True)
    active = fields.Boolean(load_default=True)
    position = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1),
                              metadata={"description": "1 is tried first; by default the rule goes last"})

    @validates_schema
    def has_a_criterion(self, data, **kwargs):
        if not any(data.get(name) for name in CRITERIA):
            raise ValidationError(_("A rule needs at least one of category, product, type or origin."), "_schema")


class RoutingRulePatch(Schema):
    name = PlainText(validate=validate.Length(min=1, max=120))
    category = PlainText(allow_none=True, validate=validate.Length(min=1, max=120))
    product = PlainText(allow_none=True, validate=validate.Length(min=1, max=120))
    type = fields.String(allow_none=True, validate=validate.OneOf(TYPES))
    origin = fields.String(allow_none=True, validate=validate.OneOf(ORIGINS))
    team_id = Id()
    active = fields.Boolean()
    position = fields.Integer(validate=validate.Range(min=1))


class RoutingRuleRead(Schema):
    id = Id(required=True)
    position = fields.Integer(required=True)
    name = fields.String(required=True)
    category = fields.String(allow_none=True)
    product = fields.String(allow_none=True)
    type = fields.String(allow_none=True)
    origin = fields.String(allow_none=True)
    team_id = Id(required=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class RoutingRuleList(Schema):
    items = fields.List(fields.Nested(RoutingRuleRead), required=True)
    default_team_id = Id(allow_none=True)


class DefaultTeam(Schema):
    team_id = Id(required=True, allow_none=False)


class DefaultTeamRead(Schema):
    team_id = Id(allow_none=True)


_LEVELS = [level.value for level in Level]
_PRIORITIES = [p.value for p in Priority]


def _row():
    return fields.Dict(keys=fields.String(validate=validate.OneOf(_LEVELS)),
                       values=fields.String(validate=validate.OneOf(_PRIORITIES)), required=True)


class PriorityMatrix(Schema):
    """urgency -> impact -> priority"""

    matrix = fields.Dict(keys=fields.String(validate=validate.OneOf(_LEVELS)), values=fields.Dict(),
                         required=True, metadata={"example": {"high": {"high": "critical", "medium": "high",
                                                                       "low": "normal"}}})

    @validates_schema
    def complete(self, data, **kwargs):
        problems = matrix_problems(data.get("matrix") or {})
        if problems:
            raise ValidationError(
                _("Every urgency × impact pair needs a priority: %(problems)s", problems="; ".join(problems)),
                "matrix")


class StatsArgs(Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))
    team_id = Id(load_default=None)


class CountByKey(Schema):
    key = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    count = fields.Integer(required=True)


class DayCount(Schema):
    date = fields.Date(required=True)
    created = fields.Integer(required=True)
    resolved = fields.Integer(required=True)


class CaseStats(Schema):
    open_by_status = fields.List(fields.Nested(CountByKey), required=True)
    open_by_team = fields.List(fields.Nested(CountByKey), required=True)
    open_by_priority = fields.List(fields.Nested(CountByKey), required=True)
    created_vs_resolved = fields.List(fields.Nested(DayCount), required=True)
    days = fields.Integer(required=True)
