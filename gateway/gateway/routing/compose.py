"""Composition: the case page's data in one call, gathered from the services in parallel.

``GET /api/v1/cases/{id}/overview`` asks cases (the case and its messages), tasks and SLA at the same
time, each as the caller. The case decides: if the caller may not see it, the answer is the cases
service's own problem (404). Any other part that fails is reported under ``errors`` with its problem,
and the rest is still answered. Requesters get no ``tasks`` and no ``sla`` part (both are for staff only,
so they are not asked for); the cases service itself keeps internal messages from them.

The conversation comes whole up to :data:`MAX_OVERVIEW_MESSAGES` (the oldest first): pages of the
contract's largest size, the first with the other parts, the rest in parallel once its ``total`` is known.
``messages`` is then one page of that size, ``{"items", "total", "page": 1, "per_page":
MAX_OVERVIEW_MESSAGES}``, so ``total > len(items)`` says that a longer conversation was cut (the rest
is at ``GET /api/v1/cases/{id}/messages?page=...``). A later page that fails leaves the items fetched
so far and its problem under ``errors["messages"]``.
"""

from __future__ import annotations

import json
import math
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from marshmallow import Schema, fields

from servicekit import errors
from servicekit.pagination import MAX_PER_PAGE
from servicekit.web import ApiBlueprint, current_identity, problem_response

from ..i18n import _
from ..runtime import gateway
from .proxy import upstream_headers
from .table import has_dot_segment
from .upstream import BadGateway, Upstreams

blp = ApiBlueprint("composition", __name__, url_prefix="/api/v1", description="Composed views over several services")

MAX_PART_BYTES = 8 * 1024 * 1024
# the most of a conversation one overview carries: five calls of the largest page; a longer one is cut
MAX_OVERVIEW_MESSAGES = 5 * MAX_PER_PAGE


class CaseOverview(Schema):
    case = fields.Dict(required=True, metadata={"description": "the case, as GET /api/v1/cases/{id}"})
    messages = fields.Raw(allow_none=True, metadata={
        "description": "as GET /api/v1/cases/{id}/messages: the first (oldest) messages of the conversation, "
                       f"at most {MAX_OVERVIEW_MESSAGES}, as one page with per_page {MAX_OVERVIEW_MESSAGES}; "
                       "total > the number of items says that a longer conversation was cut"})
    tasks = fields.Raw(allow_none=True, metadata={"description": "as GET /api/v1/cases/{id}/tasks (staff only)"})
    sla = fields.Raw(allow_none=True, metadata={"description": "as GET /api/v1/cases/{id}/sla (staff only)"})
    errors = fields.Dict(required=True, metadata={"description": "{part: problem} for the parts that failed"})


@dataclass(frozen=True)
class Part:
    name: str
    service: str
    path: str


@blp.route("/cases/<case_id>/overview")
@blp.response(200, CaseOverview)
@blp.alt_response(404, description="The case does not exist or the caller may not see it")
def case_overview(case_id: str):
    """The case page in one call: case, messages, tasks and SLA (both for staff only); a failing part is
    reported under `errors`, not fatal."""
    identity = current_identity()
    if has_dot_segment(case_id):
        raise errors.NotFound(_("There is nothing at this address, or you may not see it."))
    case_path = f"/api/v1/cases/{quote(case_id, safe='')}"
    parts = [Part("case", "cases", case_path), Part("messages", "cases", _messages_page(case_path, 1))]
    if identity.is_staff:
        parts += [Part("tasks", "tasks", f"{case_path}/tasks"), Part("sla", "sla", f"{case_path}/sla")]
    headers = {part.name: _json_headers(part.service, identity) for part in parts}
    gw = gateway()
    futures = {part.name: gw.pool.submit(_fetch, gw.upstreams, part, headers[part.name]) for part in parts}
    results = {name: _outcome(future) for name, future in futures.items()}
    status, case = results.pop("case")
    if status != 200:
        return problem_response(case if isinstance(case, dict) and "status" in case else
                                errors.NotFound().to_problem())
    answer = _answer(case, results)
    if answer["messages"] is not None:
        answer["messages"], problem = _whole_conversation(gw, case_path, answer["messages"], headers["messages"])
        if problem is not None:
            answer["errors"]["messages"] = problem
    return answer


def _answer(case: dict[str, Any], results: dict[str, tuple[int, Any]]) -> dict[str, Any]:
    """The case and each part that answered; the problems of the others under ``errors``."""
    answer: dict[str, Any] = {"case": case, "messages": None, "tasks": None, "sla": None, "errors": {}}
    for name, (status, body) in results.items():
        if status == 200:
            answer[name] = body
        else:
            answer["errors"][name] = body
    return answer


def _messages_page(case_path: str, page: int) -> str:
    return f"{case_path}/messages?page={page}&per_page={MAX_PER_PAGE}"


def _whole_conversation(gw, case_path: str, first: dict[str, Any], headers: dict[str, str]):
    """The first page and, in parallel, the pages after it up to :data:`MAX_OVERVIEW_MESSAGES`, as one
    page; and the problem of a page that failed (or None)."""
    items, total = list(first.get("items") or []), first.get("total") or 0
    pages = math.ceil(min(total, MAX_OVERVIEW_MESSAGES) / MAX_PER_PAGE)
    rest = [Part("messages", "cases", _messages_page(case_path, page)) for page in range(2, pages + 1)]
    futures = [gw.pool.submit(_fetch, gw.upstreams, part, headers) for part in rest]
    problem = None
    for status, body in map(_outcome, futures):
        if status != 200:
            problem = body
            break
        items += body.get("items") or []
    unique = list({message["id"]: message for message in items}.values())[:MAX_OVERVIEW_MESSAGES]
    return {"items": unique, "total": total, "page": 1, "per_page": MAX_OVERVIEW_MESSAGES}, problem


def _json_headers(service: str, identity) -> dict[str, str]:
    headers = upstream_headers(service, identity)
    for name in ("Content-Type", "Content-Length", "If-Match", "If-None-Match", "Range"):
        headers.pop(name, None)
    headers["Accept"] = "application/json"
    return headers


def _outcome(future: Future) -> tuple[int, Any]:
    """(status, decoded body); a service that could not be reached gives its problem (translated here,
    in the request's thread, where the caller's language is known)."""
    try:
        return future.result()
    except errors.ServiceError as err:
        return err.status, err.to_problem()


def _fetch(upstreams: Upstreams, part: Part, headers: dict[str, str]) -> tuple[int, Any]:
    """Runs in the pool: no request context here, only the values handed over."""
    response = upstreams.request(part.service, "GET", part.path, headers)
    try:
        body = b"".join(_limited(response.body))
        return response.status, json.loads(body) if body else None
    except ValueError:
        raise BadGateway() from None
    finally:
        response.close()


def _limited(chunks):
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_PART_BYTES:
            raise ValueError("part too large")
        yield chunk
