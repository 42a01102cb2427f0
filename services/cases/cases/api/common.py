"""What the views share: the service's options, a transaction per request and ETags."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from flask import request
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.web import current_identity, db_session, service

from ..i18n import _
from ..service.common import Options, may_see

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


def refuse_hidden_case() -> None:
    """Before any case route reads its body: a case the caller may not see is 404, so that neither a
    validation error nor a 403 answers for a case that does not exist for them."""
    case_id = (request.view_args or {}).get("case_id")
    if case_id is not None and not may_see(db_session(), current_identity(), str(case_id)):
        raise errors.NotFound(_("There is no such case, or you may not see it."))


def staff_only_on_case(view):
    """A case route for staff: a requester who may see the case gets 403 before the body is read
    (``refuse_hidden_case`` has answered 404 to one who may not)."""

    @functools.wraps(view)
    def gated(*args, **kwargs):
        if not current_identity().is_staff:
            raise errors.Forbidden(_("Only staff may do this."))
        return view(*args, **kwargs)

    return gated
