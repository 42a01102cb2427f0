"""marshmallow schemas of the sla service's HTTP API."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from servicekit.pagination import PageArgs

from .calendar import (
    CLOSED_DAY,
    DEFAULT_HOLIDAY_COUNTRY,
    DEFAULT_TIME_ZONE,
    OPENING,
    SPECIAL_DAY_MODES,
    WEEKDAYS,
    default_mode,
    parse_clock,
)
from .domain import CASE_TYPES, DEFAULT_PAUSE_STATUSES, MAX_TARGET_SECONDS, PAUSABLE_STATUSES, PRIORITIES
from .i18n import _

OFFICE_HOURS = {day: ([{"start": "08:00", "end": "16:00"}] if n < 5 else []) for n, day in enumerate(WEEKDAYS)}


def _zone_exists(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Not a known time zone (for example Europe/Copenhagen).")) from None


class IntervalSchema(Schema):
    start = fields.String(required=True, metadata={"example": "08:00"})
    end = fields.String(required=True, metadata={"example": "16:00", "description": "24:00 is the end of the day"})

    @validates_schema
    def starts_before_it_ends(self, data, **kwargs):
        try:
            ok = parse_clock(data["start"]) < parse_clock(data["end"])
        except ValueError:
            ok = False
        if not ok:
            raise ValidationError(_("Give times as HH:MM, the start before the end."))


class SpecialDaySchema(Schema):
    date = fields.Date(required=True)
    name = fields.String(load_default="", validate=validate.Length(max=200))
    recurring = fields.Boolean(load_default=False, metadata={"description": "Every year on this day and month"})
    mode = fields.String(
        load_default=None, validate=validate.OneOf(SPECIAL_DAY_MODES),
        metadata={"description": "closed: no working time; limit: only these hours of what the day would "
                                 "otherwise have (nothing on a weekend or public holiday); open: exactly these "
                                 "hours, also on a weekend or holiday. Default: closed without hours, limit "
                                 "with hours."})
    hours = fields.List(fields.Nested(IntervalSchema), load_default=list,
                        metadata={"description": "Hours that day (local time); empty: closed all day"})

    @validates_schema
    def mode_fits_the_hours(self, data, **kwargs):
        if data.get("mode") == CLOSED_DAY and data.get("hours"):
            raise ValidationError(_("A closed day has no hours."), "hours")
        if data.get("mode") == OPENING and not data.get("hours"):
            raise ValidationError(_("An opening needs the hours it is open."), "hours")

    @post_load
    def mode_from_the_hours(self, data, **kwargs):
        data["mode"] = data.get("mode") or default_mode(data.get("hours") or ())
        return data


class SpecialDayRead(SpecialDaySchema):
    date = fields.String(metadata={"format": "date", "example": "2026-12-24"})


def working_hours_field(**kwargs) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
        values=fields.List(fields.Nested(IntervalSchema)),
        metadata={"description": "Open hours per weekday (local time); a missing day is closed",
                  "example": OFFICE_HOURS},
        **kwargs,
    )


class CalendarCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    time_zone = fields.String(load_default=DEFAULT_TIME_ZONE, validate=_zone_exists)
    always_open = fields.Boolean(load_default=False, metadata={"description": "24/7: every second counts"})
    working_hours = working_hours_field(load_default=lambda: dict(OFFICE_HOURS))
    holiday_country = fields.String(load_default=DEFAULT_HOLIDAY_COUNTRY, allow_none=True,
                                    validate=validate.Length(min=2, max=8),
                                    metadata={"description": "Public holidays of this country (ISO code)"})
    include_optional_holidays = fields.Boolean(
        load_default=False, metadata={"description": "Also close on 1 May, Grundlovsdag, 24 and 31 December"})
    special_days = fields.List(fields.Nested(SpecialDaySchema), load_default=list)


class CalendarPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    time_zone = fields.String(validate=_zone_exists)
    always_open = fields.Boolean()
    working_hours = working_hours_field()
    holiday_country = fields.String(allow_none=True, validate=validate.Length(min=2, max=8))
    include_optional_holidays = fields.Boolean()
    special_days = fields.List(fields.Nested(SpecialDaySchema))


class CalendarRead(Schema):
    id = fields.String()
    name = fields.String()
    time_zone = fields.String()
    always_open = fields.Boolean()
    working_hours = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(IntervalSchema)))
    holiday_country = fields.String(allow_none=True)
    include_optional_holidays = fields.Boolean()
    special_days = fields.List(fields.Nested(SpecialDayRead))
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CalendarDaysArgs(Schema):
    start = fields.Date(data_key="from", required=True)
    days = fields.Integer(load_default=14, validate=validate.Range(min=1, max=366))


class CalendarDayRead(Schema):
    date = fields.Date()
    hours = fields.List(fields.Nested(IntervalSchema))
    reason = fields.String(metadata={"enum": ["weekday", "holiday", "special", "always_open"]})
    name = fields.String(metadata={"description": "The holiday's or special day's name"})
    business_seconds = fields.Integer()


class TargetSchema(Schema):
    first_response = fields.Integer(required=True, validate=validate.Range(min=60, max=MAX_TARGET_SECONDS),
                                    metadata={"description": "Business seconds to the first response"})
    resolution = fields.Integer(required=True, validate=validate.Range(min=60, max=MAX_TARGET_SECONDS),
                                metadata={"description": "Business seconds to the resolution"})


def _has_a_target(value: dict) -> None:
    if not value:
        raise ValidationError(_("Give targets for at least one priority."))


def targets_field(**kwargs) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(PRIORITIES)), values=fields.Nested(TargetSchema),
        validate=_has_a_target,
        metadata={"description": "Targets per priority (critical, high, normal, low)",
                  "example": {"critical": {"first_response": 3600, "resolution": 14400}}},
        **kwargs,
    )


class PolicyFields(Schema):
    description = fields.String(validate=validate.Length(max=2000))
    organisation_id = fields.String(allow_none=True, validate=validate.Length(max=36))
    category = fields.String(allow_none=True, validate=validate.Length(max=200))
    case_type = fields.String(data_key="type", allow_none=True, validate=validate.OneOf(CASE_TYPES))
    calendar_id = fields.String()
    pause_statuses = fields.List(fields.String(validate=validate.OneOf(PAUSABLE_STATUSES)))
    warning_percent = fields.Integer(validate=validate.Range(min=1, max=99))
    active = fields.Boolean()


class PolicyCreate(PolicyFields):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    targets = targets_field(required=True)
    pause_statuses = fields.List(fields.String(validate=validate.OneOf(PAUSABLE_STATUSES)),
                                 load_default=lambda: list(DEFAULT_PAUSE_STATUSES))
    warning_percent = fields.Integer(load_default=75, validate=validate.Range(min=1, max=99))
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class PolicyPatch(PolicyFields):
    name = fields.String(validate=validate.Length(min=1, max=200))
    targets = targets_field()


class PolicyRead(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    organisation_id = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    case_type = fields.String(data_key="type", allow_none=True)
    targets = fields.Dict(keys=fields.String(), values=fields.Nested(TargetSchema))
    calendar_id = fields.String()
    pause_statuses = fields.List(fields.String())
    warning_percent = fields.Integer()
    is_default = fields.Boolean()
    active = fields.Boolean()
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PolicyListArgs(PageArgs):
    active = fields.Boolean(load_default=None, allow_none=True)


class MetricRead(Schema):
    status = fields.String(metadata={"enum": ["running", "paused", "met", "stopped"]})
    target_seconds = fields.Integer()
    due_at = fields.DateTime(allow_none=True, metadata={"description": "null while the clock is paused"})
    warning_at = fields.DateTime(allow_none=True)
    met_at = fields.DateTime(allow_none=True)
    breached = fields.Boolean()
    remaining_seconds = fields.Integer(metadata={"description": "Business seconds left; negative when overdue"})
    elapsed_seconds = fields.Integer(metadata={"description": "Business seconds counted so far"})


class CaseSlaRead(Schema):
    case_id = fields.String()
    policy_id = fields.String(allow_none=True)
    policy_name = fields.String(allow_none=True)
    calendar_id = fields.String(allow_none=True)
    priority = fields.String()
    paused = fields.Boolean()
    first_response = fields.Nested(MetricRead, allow_none=True)
    resolution = fields.Nested(MetricRead, allow_none=True)


class StatsArgs(Schema):
    weeks = fields.Integer(load_default=8, validate=validate.Range(min=1, max=104))
    team_id = fields.String(load_default=None)


class OutcomeCounts(Schema):
    met = fields.Integer()
    breached = fields.Integer()


class WeekStats(Schema):
    week = fields.String(metadata={"example": "2026-W48"})
    week_start = fields.Date()
    first_response = fields.Nested(OutcomeCounts)
    resolution = fields.Nested(OutcomeCounts)


class StatsRead(Schema):
    time_zone = fields.String()
    weeks = fields.List(fields.Nested(WeekStats))
