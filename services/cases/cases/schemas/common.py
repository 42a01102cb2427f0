"""Building blocks shared by the schemas: ids, plain text, pages."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

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


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """The contract's list answer: ``{"items": [...], "total", "page", "per_page"}``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
        },
        name=name,
    )
