"""One error vocabulary for every service, rendered as RFC 9457 problem+json.

Domain and service code raise these; the web layer maps them (and every other
HTTP error) to ``application/problem+json`` in one place.  Titles are translated
to the caller's language; details are written by the raiser, already translated.
"""

from __future__ import annotations

from typing import Any

from .i18n import _, _l

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
        detail = self.detail or default_detail(self.status)
        return problem(self.status, self.slug, str(self.title), detail, errors=self.errors, **self.extra)


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


def default_detail(status: int) -> str:
    """What an error of this status means, for answers whose raiser said nothing more."""
    details = {
        400: _("The request could not be read."),
        401: _("Sign in to use this service."),
        403: _("You may not do this."),
        404: _("There is nothing at this address, or you may not see it."),
        405: _("This address does not accept that method."),
        406: _("This service cannot answer in a format the request accepts."),
        409: _("This conflicts with the current state."),
        412: _("The resource has changed since you read it. Read it again and repeat the change."),
        413: _("The request is larger than this service accepts."),
        415: _("This service does not accept the body in this format."),
        422: _("Some fields are missing or invalid."),
        428: _("Send If-Match with the version you read."),
        429: _("Too many requests. Wait a little and try again."),
        503: _("The service cannot answer now. Try again shortly."),
    }
    if status in details:
        return details[status]
    return _("Something went wrong on our side.") if status >= 500 else _("The request could not be handled.")
