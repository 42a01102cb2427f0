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
from ..service.common import Options, get_case

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


def staff_only_on_case(view):
    """A case route for staff: refused before the body is read, as 404 to a requester who may not see the
    case (another organisation's case does not exist for them) and 403 to one who may."""

    @functools.wraps(view)
    def gated(*args, **kwargs):
        viewer = current_identity()
        if not viewer.is_staff:
            session = db_session()
            get_case(session, viewer, str(kwargs["case_id"]))
            session.rollback()
            raise errors.Forbidden(_("Only staff may do this."))
        return view(*args, **kwargs)

    return gated
