"""The contract's list pages: ``?page=1&per_page=50`` (max 200) → ``{"items", "total", "page", "per_page"}``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PER_PAGE = 200


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    return type(f"{item_schema.__name__.removesuffix('Read')}Page", (Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
    })


def paginate(session: Session, query: Select, args: dict[str, Any], view: Callable[[Any], dict]) -> dict[str, Any]:
    """One query for the page (related rows come by selectin, not per row) and one for the total."""
    page, per_page = args["page"], args["per_page"]
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [view(row) for row in rows], "total": total, "page": page, "per_page": per_page}
