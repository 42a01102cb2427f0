"""What the views share: the service's options, a transaction per request, ETags and pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import request
from sqlalchemy.orm import Session

from servicekit.web import db_session, service

from ..service.common import Options

OPTIONS_KEY = "cases.options"


def options() -> Options:
    return service().extras[OPTIONS_KEY]


@contextmanager
def transaction() -> Iterator[Session]:
    """The request's session; committed when the block ends, rolled back on any error."""
    session = db_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def if_match() -> str | None:
    return request.headers.get("If-Match")


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def page(items: list[Any], total: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
