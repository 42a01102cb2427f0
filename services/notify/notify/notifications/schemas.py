"""Marshmallow schemas of the in-app notices and the notification preferences."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from servicekit.pagination import PageArgs, page_schema

from ..rules import CHANNELS


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
