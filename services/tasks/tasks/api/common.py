"""The blueprint of the tasks API and what its views share."""

from __future__ import annotations

import functools
import re

from flask import request

from servicekit.errors import BadRequest
from servicekit.web import ApiBlueprint, current_identity, service

from ..access import require_reader
from ..gateway import CASES_KEY, CaseSource
from ..i18n import _
from ..service import TaskRules, TaskView

blp = ApiBlueprint("tasks", __name__, url_prefix="/api/v1", description="Tasks (opgaver) on cases")

_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')

ERRORS = {
    "not_found": (404, "Not found, or a requester (requesters never see tasks)"),
    "forbidden": (403, "The caller may not change this task"),
    "conflict": (409, "Not allowed in the task's or its case's current state"),
    "stale": (412, "If-Match names an older version of the task"),
    "unavailable": (503, "The case is not known here yet and the cases service cannot be asked; see Retry-After"),
}


def documented(*names: str):
    """Document the problem answers a view can give."""

    def decorate(view):
        for name in names:
            status, description = ERRORS[name]
            view = blp.alt_response(status, description=description)(view)
        return view

    return decorate


def expected_version() -> int | None:
    """The version named by ``If-Match`` (bare or in quotes), or None when the header is absent."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _IF_MATCH.match(header)
    if not match:
        raise BadRequest(_("If-Match must be the task's version number, for example \"3\"."))
    return int(match.group(1))


def rules() -> TaskRules:
    settings = service().settings
    return TaskRules(prefix=settings.task_number_prefix, min_description=settings.task_min_description,
                     case_prefix=settings.case_number_prefix)


def cases() -> CaseSource:
    """Where a case missing from the replica is looked up (the cases service, through the gateway)."""
    return service().extras[CASES_KEY]


def etag(view: TaskView) -> dict[str, str]:
    """The task's version as its entity tag, to send back in ``If-Match``."""
    return {"ETag": f'"{view.version}"'}


def readers_only(view):
    """Requesters never see tasks: refused as not found before the body is read or validated."""

    @functools.wraps(view)
    def gated(*args, **kwargs):
        require_reader(current_identity())
        return view(*args, **kwargs)

    return gated
