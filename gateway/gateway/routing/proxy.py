"""Forwarding a public call to the service that owns it.

What goes up: the method, path and query string unchanged; the body streamed;
an allow-list of request headers (content negotiation, conditional requests,
``Accept-Language``); the request id and ``traceparent``; and a fresh
``X-Servicedesk-Identity`` token for that service alone.  The caller's own
credentials, cookies and any identity header they sent never reach a service.
What comes back: status, headers (less hop-by-hop ones) and body, streamed and
unchanged, so the services' problem+json passes through as it is.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from flask import Blueprint, Response, g, request

from servicekit import errors
from servicekit.auth import IDENTITY_HEADER, Identity

from ..access import require_service
from ..i18n import _
from ..runtime import gateway
from .table import UPSTREAM_SERVICES, has_dot_segment, service_for
from .upstream import BadGateway

log = logging.getLogger(__name__)

FORWARDED_REQUEST_HEADERS = (
    "Accept", "Accept-Language", "Content-Type", "Content-Length", "Content-Disposition", "If-Match",
    "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "Range", "User-Agent", "tracestate",
    "Idempotency-Key",
)
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
    "transfer-encoding", "upgrade", "set-cookie",
})
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]

bp = Blueprint("routing", __name__)


@bp.route("/api/v1/<path:rest>", methods=ALL_METHODS)
def forward_public(rest: str) -> Response:
    service = service_for(request.path)
    if service is None:
        raise errors.NotFound(_("There is nothing at this address, or you may not see it."))
    identity = _signed_in()
    return forward(service, _target(request.path), identity)


@bp.route("/internal/v1/<service>/<path:rest>", methods=ALL_METHODS)
def forward_internal(service: str, rest: str) -> Response:
    identity = require_service()
    if service not in UPSTREAM_SERVICES:
        raise errors.NotFound(_("There is no such service."))
    return forward(service, _target(f"/internal/v1/{rest}"), identity)


def _target(path: str) -> str:
    """The path as a well-formed URL (re-encoded: spaces, non-ASCII) with the query string as it came;
    a path with dot segments is refused (the service would be sent another path than the one routed)."""
    if has_dot_segment(path):
        raise errors.NotFound(_("There is nothing at this address, or you may not see it."))
    target = quote(path, safe="/:@!$&'()*+,;=-._~")
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return target


def _signed_in() -> Identity:
    identity = g.get("identity")
    if identity is None:
        raise errors.Unauthorized(_("Sign in to use this service."))
    return identity


def forward(service: str, path_and_query: str, identity: Identity) -> Response:
    gw = gateway()
    headers = upstream_headers(service, identity)
    body, chunked = _request_body()
    upstream = gw.upstreams.request(service, request.method, path_and_query, headers, body, chunked=chunked)
    if upstream.status == 401:
        # the gateway authenticated the caller; a service that refuses the gateway's own identity token is
        # configured with another key: a fault on our side, not the caller's (who must not be sent to log in)
        upstream.close()
        log.error("%s refused the gateway's identity token: check IDENTITY_PUBLIC_KEY there", service)
        raise BadGateway(_("The %(service)s service did not accept the gateway's identity.", service=service))
    response = Response(upstream.body, status=upstream.status, direct_passthrough=True)
    response.headers.clear()
    for name, value in upstream.headers:
        if name.lower() not in HOP_BY_HOP:
            response.headers.add(name, value)
    response.call_on_close(upstream.close)
    return response


def upstream_headers(service: str, identity: Identity) -> dict[str, str]:
    headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers}
    headers[IDENTITY_HEADER] = gateway().signer.sign(identity, audience=service)
    headers["X-Request-ID"] = g.request_id
    headers["traceparent"] = _traceparent()
    headers["X-Forwarded-For"] = request.remote_addr or ""
    headers["X-Forwarded-Proto"] = request.scheme
    headers["X-Forwarded-Host"] = request.host
    return headers


def _traceparent() -> str:
    incoming = request.headers.get("traceparent", "")
    if incoming and g.trace_id in incoming:
        return incoming
    return f"00-{g.trace_id}-{secrets.token_hex(8)}-01"


def _request_body():
    """The body as a stream: with its length when known, chunked when the caller sent it chunked."""
    if request.method in ("GET", "HEAD", "DELETE") and not request.content_length:
        return None, False
    if request.content_length is not None:
        return request.stream, False
    if request.headers.get("Transfer-Encoding", "").lower() == "chunked":
        stream = request.stream
        return iter(lambda: stream.read(64 * 1024), b""), True
    return None, False
