"""The service chassis: one application factory for every service.

It wires what each service needs and nothing domain-specific: settings,
database session per request, the caller's verified identity, request and
trace ids in logs and answers, problem+json for every error, ``/healthz``,
``/readyz``, ``/metrics``, translations and the OpenAPI document.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import flask_smorest
from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask_smorest import Api
from sqlalchemy.orm import Session
from webargs.core import is_json
from werkzeug.exceptions import HTTPException

from . import errors
from .asyncapi import asyncapi_document
from .auth import IDENTITY_HEADER, Identity, IdentityVerifier
from .bus import EventBus
from .config import Settings
from .db import Database
from .events import trace_id_of
from .i18n import _, init_babel
from .logs import request_id_var, service_var, trace_id_var
from .metrics import CONTENT_TYPE_LATEST, ServiceMetrics
from .outbox import pending_count

log = logging.getLogger(__name__)

PUBLIC_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/asyncapi.json")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass
class ServiceContext:
    """What a running service holds: reachable from views as ``service()``."""

    name: str
    settings: Settings
    database: Database
    bus: EventBus
    verifier: IdentityVerifier | None
    metrics: ServiceMetrics
    extras: dict[str, Any] = field(default_factory=dict)
    _broker_ok_until: float = 0.0

    def __post_init__(self) -> None:
        # the outbox is in the database, so whichever process serves the metrics (web or worker) counts it
        self.metrics.count_outbox_with(lambda: pending_count(self.database))


class ApiBlueprint(flask_smorest.Blueprint):
    """flask-smorest's ``Blueprint``, with each ``@arguments`` schema made once, when the view is declared.

    Given a schema class, webargs makes a new instance of it for every request (all its fields and
    validators again); an instance is used as it is. Argument schemas must then keep no state of their own
    between loads (marshmallow's own do not).
    """

    def arguments(self, schema, **kwargs):
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)


def create_service_app(
    *,
    import_name: str,
    context: ServiceContext,
    blueprints: Iterable[Blueprint],
    title: str,
    description: str = "",
    version: str = "1.0.0",
    max_content_length: int | None = None,
    configure: Callable[[Flask], None] | None = None,
    authenticate: Callable[[], Identity | None] | None = None,
    published_events: dict[str, Any] | None = None,
) -> Flask:
    """Build a service's Flask app.

    ``authenticate`` finds the caller; by default it verifies the gateway's
    identity token (the gateway itself passes its own, which checks users).
    ``published_events`` maps event types to marshmallow schemas of their
    ``data``; they are served as an AsyncAPI document at ``/asyncapi.json``.
    """
    app = Flask(import_name)
    app.json.ensure_ascii = False
    app.config.update(
        API_TITLE=title,
        API_VERSION=version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"info": {"description": description}},
        MAX_CONTENT_LENGTH=max_content_length,
    )
    app.extensions["servicekit"] = context
    app.extensions["servicekit.authenticate"] = authenticate or verified_identity
    app.extensions["servicekit.asyncapi"] = asyncapi_document(title, version, context.name, published_events or {})
    init_babel(app)
    api = Api(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.register_blueprint(_health_blueprint())
    _install_request_hooks(app)
    _install_error_handlers(app)
    if configure:
        configure(app)
    return app


def service() -> ServiceContext:
    return current_app.extensions["servicekit"]


def db_session() -> Session:
    """The request's session; closed (and rolled back if uncommitted) when the request ends."""
    if "db_session" not in g:
        g.db_session = service().database.session()
    return g.db_session


def current_identity() -> Identity:
    identity = g.get("identity")
    if identity is None:
        raise errors.Unauthorized(_("Sign in to use this service."))
    return identity


# -- request hooks -------------------------------------------------------------------------------


def _install_request_hooks(app: Flask) -> None:
    @app.before_request
    def start_request() -> None:
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        g.trace_id = trace_id_of(request.headers.get("traceparent")) or uuid.uuid4().hex
        g.log_tokens = (
            service_var.set(service().name),
            request_id_var.set(g.request_id),
            trace_id_var.set(g.trace_id),
        )
        g.identity = None if request.path in PUBLIC_PATHS else current_app.extensions["servicekit.authenticate"]()
        _refuse_a_body_that_is_not_json()

    @app.after_request
    def finish_request(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        _observe(response.status_code)
        return response

    @app.teardown_request
    def end_request(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
        for var, token in zip((service_var, request_id_var, trace_id_var), g.pop("log_tokens", ()), strict=False):
            var.reset(token)


def _refuse_a_body_that_is_not_json() -> None:
    """A body sent to an endpoint that reads JSON must be JSON: 415, not read as if nothing were sent."""
    if not _has_body() or is_json(request.mimetype) or not _reads_a_json_body():
        return
    raise errors.UnsupportedMediaType(_("Send the body as JSON (Content-Type: application/json)."))


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _reads_a_json_body() -> bool:
    """Whether the view of this request takes ``@blp.arguments`` from the JSON body (flask-smorest's own doc)."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, request.method.lower(), None) if view_class is not None else view
    parameters = getattr(method, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(parameter.get("in") == "json" for parameter in parameters)


def verified_identity() -> Identity | None:
    """The identity the gateway vouches for; required on every ``/api/`` and ``/internal/`` path."""
    token = request.headers.get(IDENTITY_HEADER)
    verifier = service().verifier
    if token and verifier is not None:
        return verifier.verify(token)
    if request.path.startswith("/api/") or request.path.startswith("/internal/"):
        raise errors.Unauthorized(_("This service answers only calls that come through the gateway."))
    return None


def _observe(status: int) -> None:
    metrics = service().metrics
    endpoint = request.url_rule.rule if request.url_rule else "unmatched"
    metrics.http_requests.labels(request.method, endpoint, str(status)).inc()
    if "started" in g:
        metrics.http_latency.labels(request.method, endpoint).observe(time.perf_counter() - g.started)


# -- errors --------------------------------------------------------------------------------------


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = jsonify(body)
    response.status_code = body["status"]
    response.mimetype = errors.PROBLEM_MEDIA_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _install_error_handlers(app: Flask) -> None:
    @app.errorhandler(errors.ServiceError)
    def on_service_error(err: errors.ServiceError) -> Response:
        return problem_response(err.to_problem())

    @app.errorhandler(HTTPException)
    def on_http_error(err: HTTPException) -> Response:
        status = err.code or 500
        field_errors = _validation_messages(err)
        if status == 422 and field_errors is not None:
            body = errors.ValidationFailed(_("Some fields are missing or invalid."), errors=field_errors).to_problem()
            return problem_response(body)
        body = errors.problem(status, _slug(err), _http_title(status), _http_detail(err))
        headers = {"Allow": ", ".join(err.valid_methods)} if getattr(err, "valid_methods", None) else None
        return problem_response(body, headers)

    @app.errorhandler(Exception)
    def on_unexpected(err: Exception) -> Response:
        log.exception("unhandled error")
        return problem_response(errors.ServiceError(_("Something went wrong on our side.")).to_problem())


def _validation_messages(err: HTTPException) -> dict[str, Any] | None:
    data = getattr(err, "data", None) or {}
    messages = data.get("messages")
    if not isinstance(messages, dict):
        return None
    merged: dict[str, Any] = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            merged.update(location_messages)
    return _translate_messages(merged)


def _translate_messages(messages: Any) -> Any:
    if isinstance(messages, dict):
        return {key: _translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [_translate_messages(m) for m in messages]
    return _(messages) if isinstance(messages, str) else messages


def _slug(err: HTTPException) -> str:
    return (err.name or "error").lower().replace(" ", "-")


_HTTP_TITLES = {
    400: errors.BadRequest.title,
    401: errors.Unauthorized.title,
    403: errors.Forbidden.title,
    404: errors.NotFound.title,
    405: errors.ServiceError.title,
    409: errors.Conflict.title,
    412: errors.PreconditionFailed.title,
    413: errors.PayloadTooLarge.title,
    415: errors.UnsupportedMediaType.title,
    422: errors.ValidationFailed.title,
    428: errors.PreconditionFailed.title,
    429: errors.RateLimited.title,
    503: errors.ServiceUnavailable.title,
}


def _http_title(status: int) -> str:
    if status == 405:
        return _("Method not allowed")
    if status == 428:
        return _("Precondition required")
    title = _HTTP_TITLES.get(status)
    return str(title) if title is not None else _("Error")


def _http_detail(err: HTTPException) -> str:
    data = getattr(err, "data", None) or {}
    message = data.get("message")
    if message:
        return str(message)
    if err.code == 400 and "json" in (data.get("messages") or {}):
        return _("The body is not valid JSON.")
    return errors.default_detail(err.code or 500)


# -- health and metrics --------------------------------------------------------------------------


def _health_blueprint() -> Blueprint:
    bp = Blueprint("servicekit_health", __name__)

    @bp.get("/healthz")
    def healthz():
        return {"status": "ok", "service": service().name}

    @bp.get("/readyz")
    def readyz():
        checks = {"database": _check(service().database.ping), "broker": _check(_ping_broker)}
        ready = all(v == "ok" for v in checks.values())
        body = {"status": "ok" if ready else "unavailable", "service": service().name, "checks": checks}
        return body, 200 if ready else 503

    @bp.get("/asyncapi.json")
    def asyncapi():
        return current_app.extensions["servicekit.asyncapi"]

    @bp.get("/metrics")
    def metrics():
        return Response(service().metrics.render(), mimetype=CONTENT_TYPE_LATEST)

    return bp


def _check(probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception as err:  # readiness reports any failure as a reason, never raises
        return f"failed: {type(err).__name__}"
    return "ok"


def _ping_broker() -> None:
    ctx = service()
    now = time.monotonic()
    if now < ctx._broker_ok_until:
        return
    ctx.bus.ping()
    ctx._broker_ok_until = now + 5.0


# -- role gates ----------------------------------------------------------------------------------


def staff_only(view: Callable) -> Callable:
    """Refuse anyone but staff before the request body is read or validated.

    Put it above ``@blp.arguments`` so that a requester learns nothing from validation errors.
    """

    @functools.wraps(view)
    def gated(*args, **kwargs):
        if not current_identity().is_staff:
            raise errors.Forbidden(_("Only staff may do this."))
        return view(*args, **kwargs)

    return gated


def admin_only(view: Callable) -> Callable:
    """Refuse anyone but administrators before the request body is read or validated."""

    @functools.wraps(view)
    def gated(*args, **kwargs):
        if not current_identity().is_admin:
            raise errors.Forbidden(_("Only administrators may do this."))
        return view(*args, **kwargs)

    return gated
