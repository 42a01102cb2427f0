"""Building blocks shared by the schemas: ids, plain text, page arguments."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from servicekit import pagination

from ..domain import clean_text


class Id(fields.UUID):
    """A UUID in and out as its canonical string."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


class PlainText(fields.String):
    """User text stored as plain text: control characters dropped, line breaks unified, trimmed."""

    def _deserialize(self, value, attr, data, **kwargs):
        return clean_text(super()._deserialize(value, attr, data, **kwargs))


def required_text(max_length: int, **kwargs) -> PlainText:
    return PlainText(required=True, validate=validate.Length(min=1, max=max_length), **kwargs)


PageArgs = pagination.PageArgs


class Problem(Schema):
    """An error answer: ``application/problem+json`` (RFC 9457)."""

    type = fields.String(required=True, metadata={"example": "/problems/conflict"})
    title = fields.String(required=True, metadata={"description": "In the caller's language"})
    status = fields.Integer(required=True)
    detail = fields.String(metadata={"description": "What went wrong, in the caller's language"})
