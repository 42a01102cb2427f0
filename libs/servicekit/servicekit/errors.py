"""One error vocabulary for every service, rendered as RFC 9457 problem+json.

Domain and service code raise these; the web layer maps them (and every other
HTTP error) to ``application/problem+json`` in one place.  Titles are translated
to the caller's language; details are written by the raiser, already translated.
"""

from __future__ import annotations

from typing import Any

from .i18n import _l

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ServiceError(Exception):
    status = 500
    slug = "internal-error"
    title = _l("Internal server error")

    def __init__(self, detail: str | None = None, *, errors: dict[str, Any] | None = None, **extra: Any):
        super().__init__(detail or str(self.title))
        self.detail = detail
        self.errors = errors
        self.extra = extra

    def to_problem(self) -> dict[str, Any]:
        return problem(self.status, self.slug, str(self.title), self.detail, errors=self.errors, **self.extra)


class BadRequest(ServiceError):
    status, slug, title = 400, "bad-request", _l("Bad request")


class Unauthorized(ServiceError):
    status, slug, title = 401, "unauthorized", _l("Not authenticated")


class Forbidden(ServiceError):
    status, slug, title = 403, "forbidden", _l("Not allowed")


class NotFound(ServiceError):
    status, slug, title = 404, "not-found", _l("Not found")


class Conflict(ServiceError):
    status, slug, title = 409, "conflict", _l("Conflict with the current state")


class InvalidTransition(Conflict):
    slug, title = "invalid-transition", _l("This change of status is not allowed")


class PreconditionFailed(ServiceError):
    status, slug, title = 412, "precondition-failed", _l("The resource has changed since you read it")


class PayloadTooLarge(ServiceError):
    status, slug, title = 413, "payload-too-large", _l("Too large")


class UnsupportedMediaType(ServiceError):
    status, slug, title = 415, "unsupported-media-type", _l("Unsupported media type")


class ValidationFailed(ServiceError):
    status, slug, title = 422, "validation-failed", _l("The input breaks a rule")


class RateLimited(ServiceError):
    status, slug, title = 429, "rate-limited", _l("Too many requests")


class ServiceUnavailable(ServiceError):
    status, slug, title = 503, "service-unavailable", _l("Service unavailable")


def problem(status: int, slug: str, title: str, detail: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return body
