"""The contract's list pages: ``?page=1&per_page=50`` (max 200) → ``{"items", "total", "page", "per_page"}``.

One implementation for every service and the gateway:

* :class:`PageArgs`, the query arguments (subclass it to add filters; redeclare ``page`` with
  :func:`page_number` or ``per_page`` with :func:`page_size` where a list needs another bound or default);
* :func:`page_schema`, the answer's schema around an item schema;
* :func:`page`, the answer itself, and :func:`offset`, the rows a page skips;
* :func:`paginate`, a page of an SQLAlchemy query: one query for the rows and one for the total;
* :func:`fetch_page`, the rows of a page and the total in one query (a window count).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from .i18n import _l

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


def page_number(*, max_page: int | None = None) -> fields.Integer:
    """The ``page`` argument: 1 (the default) and up, to ``max_page`` when one is given."""
    error = _l("At least {min}.") if max_page is None else _l("Between {min} and {max}.")
    return fields.Integer(load_default=1, validate=validate.Range(min=1, max=max_page, error=error))


def page_size(*, default: int = DEFAULT_PER_PAGE) -> fields.Integer:
    """The ``per_page`` argument: 1 to :data:`MAX_PER_PAGE`, ``default`` when not given."""
    return fields.Integer(load_default=default,
                          validate=validate.Range(min=1, max=MAX_PER_PAGE, error=_l("Between {min} and {max}.")))


MAX_PAGE = 100_000  # far beyond any real list; a larger offset would overflow the database's integers


class PageArgs(Schema):
    page = page_number(max_page=MAX_PAGE)
    per_page = page_size()


def page_schema(item_schema: type[Schema], name: str | None = None) -> type[Schema]:
    """The schema of a page of ``item_schema``: ``{"items": [...], "total", "page", "per_page"}``.

    ``name`` is the class name and so the OpenAPI component's; by default the item schema's name without
    ``Read`` followed by ``Page`` (``CaseRead`` → ``CasePage``).  Asking again for the same item schema and
    name gives the same class, so a document never holds two components for one page (``CasePage1``).
    """
    return _page_schema(item_schema, name or f"{item_schema.__name__.removesuffix('Read')}Page")


@functools.cache
def _page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    # Keyed by the item schema too: two services in one process (the embedded mode) may each have a page
    # of their own under one name (the cases' and the tasks' HistoryPage); each service's document is its own.
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
    }, name=name)


def offset(args: Mapping[str, Any]) -> int:
    """How many rows come before the page ``args`` asks for."""
    return (args["page"] - 1) * args["per_page"]


def page(items: Sequence[Any], total: int, args: Mapping[str, Any]) -> dict[str, Any]:
    """The answer: the page's items, the total of all pages, and the page and page size asked for."""
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


def paginate(session: Session, query: Select, args: Mapping[str, Any],
             view: Callable[[Any], Any]) -> dict[str, Any]:
    """The page of ``query`` that ``args`` asks for, each row shown by ``view``: one query for the page
    (related rows come by selectin, not per row) and one for the total."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.limit(args["per_page"]).offset(offset(args))).all()
    return page([view(row) for row in rows], total, args)


def fetch_page(session: Session, query: Select, *, page: int, per_page: int) -> tuple[list[tuple[Any, ...]], int]:
    """The rows of one page of ``query``, each a tuple of its columns, and the total of all pages, in one
    query: the total rides on every row as a window count.  Only a page past the end, which has no row to
    carry it, is counted apart."""
    rows = session.execute(
        query.add_columns(func.count().over()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    if rows:
        return [tuple(row[:-1]) for row in rows], rows[0][-1]
    if page == 1:
        return [], 0
    return [], session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
