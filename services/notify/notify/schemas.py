"""Marshmallow schemas of the notify API: in-app notices and preferences, webhooks and their deliveries."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate

from servicekit.pagination import PageArgs, page_schema

from .domain import CHANNELS
from .webhooks.deliveries import SUBSCRIBABLE

# -- in-app notices and preferences ------------------------------------------------------------------


class NotificationQueryArgs(PageArgs):
    unread = fields.Boolean(load_default=False, metadata={"description": "only notices not read yet"})


class NotificationRead(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True, metadata={"description": "in the caller's language"})
    excerpt = fields.String(allow_none=True, metadata={"description": "the start of the message, as plain text"})
    case_id = fields.String(allow_none=True)
    case_number = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    task_number = fields.String(allow_none=True)
    link = fields.String(allow_none=True, metadata={"description": "path in the web front end"})
    actor_name = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)
    read = fields.Boolean(required=True)


NotificationPage = page_schema(NotificationRead)


class UnreadCount(Schema):
    unread = fields.Integer(required=True)


class MarkedCount(Schema):
    marked = fields.Integer(required=True)


class Channels(Schema):
    email = fields.Boolean()
    in_app = fields.Boolean()


class PreferenceRead(Schema):
    kind = fields.String(required=True)
    label = fields.String(required=True)
    mandatory = fields.Boolean(required=True, metadata={"description": "required notices cannot be turned off"})
    channels = fields.Dict(keys=fields.String(validate=validate.OneOf(CHANNELS)), values=fields.Boolean(),
                           required=True)


class PreferenceList(Schema):
    items = fields.List(fields.Nested(PreferenceRead), required=True)


class PreferenceChoice(Schema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=40))
    channels = fields.Dict(keys=fields.String(validate=validate.OneOf(CHANNELS)), values=fields.Boolean(),
                           required=True, validate=validate.Length(min=1))


class PreferenceUpdate(Schema):
    items = fields.List(fields.Nested(PreferenceChoice), required=True, validate=validate.Length(max=100))


# -- webhooks ------------------------------------------------------------------------------------------

_WORD = r"(?:[a-z_]+|\*|#)"
_PATTERN = re.compile(rf"^{_WORD}(?:\.{_WORD})*$")


def check_pattern(value: str) -> None:
    if not _PATTERN.match(value) or len(value) > 120:
        raise ValidationError("Not a valid event pattern (for example case.* or task.resolved).")
    first = value.split(".", 1)[0]
    if first not in (*SUBSCRIBABLE, "*", "#"):
        raise ValidationError(f"Events of this kind cannot be subscribed to; use one of {', '.join(SUBSCRIBABLE)}.")


def _events(**kwargs) -> fields.List:
    return fields.List(fields.String(validate=check_pattern), validate=validate.Length(min=1, max=50), **kwargs)


def _secret(**kwargs) -> fields.String:
    return fields.String(load_only=True, validate=validate.Length(min=16, max=200), **kwargs)


def _url(**kwargs) -> fields.Url:
    return fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2000), **kwargs)


class WebhookCreate(Schema):
    url = _url(required=True)
    events = _events(required=True, metadata={"description": "topic patterns: case.*, task.resolved, sla.#"})
    secret = _secret(required=True, metadata={"description": "at least 16 characters; signs every delivery"})
    include_internal = fields.Boolean(load_default=False, metadata={
        "description": "send the bodies of internal messages and task texts too"})
    description = fields.String(load_default="", validate=validate.Length(max=500))
    active = fields.Boolean(load_default=True)


class WebhookPatch(Schema):
    url = _url()
    events = _events()
    secret = _secret()
    include_internal = fields.Boolean()
    description = fields.String(validate=validate.Length(max=500))
    active = fields.Boolean()


class WebhookRead(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    include_internal = fields.Boolean(required=True)
    description = fields.String(required=True)
    active = fields.Boolean(required=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


WebhookPage = page_schema(WebhookRead)


class DeliveryQueryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["pending", "delivered", "failed", "cancelled"]))


class AttemptRead(Schema):
    attempted_at = fields.DateTime(required=True)
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer(required=True)


class DeliveryRead(Schema):
    id = fields.String(required=True)
    webhook_id = fields.String(required=True)
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending", "delivered", "failed", "cancelled"]})
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    delivered_at = fields.DateTime(allow_none=True)
    attempt_log = fields.List(fields.Nested(AttemptRead), required=True)


DeliveryPage = page_schema(DeliveryRead)
