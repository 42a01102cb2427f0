"""What every view needs: API answers turned into page errors, form values, flashed outcomes, safe redirects."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response

from ..i18n import _
from .client import ApiResult, page_api


class PageError(Exception):
    """Ends a view with an error page (404 also for what the user may not see)."""

    def __init__(self, status: int, message: str | None = None):
        super().__init__(message or str(status))
        self.status = status
        self.message = message


class SignInAgain(Exception):
    """The API no longer knows the session's user: back to the log-in page."""


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def swaps_in_place() -> bool:
    """An action posted by htmx (a form with ``hx-boost``): answered with the part of the page it changed,
    which htmx swaps in place; a plain form post is redirected to the page instead (post/redirect/get)."""
    return is_htmx() and request.method != "GET"


def need(result: ApiResult, *, not_found: str | None = None) -> ApiResult:
    """The answer if it succeeded; otherwise the page fails the way the API did."""
    if result.ok:
        return result
    if result.status == 401:
        raise SignInAgain()
    if result.status in (403, 404):
        raise PageError(404, not_found or _("There is nothing here, or you may not see it."))
    raise PageError(result.status if result.status >= 500 else 400, result.message)


def back_to(endpoint: str, **values: Any) -> Response:
    """After a form post: back to a page (303, so a reload never posts twice)."""
    return redirect(url_for(endpoint, **values), code=303)


def leave_to(url: str) -> Response:
    """After an action that ends on another page: htmx is told to go there (``HX-Redirect``), a form post is
    redirected (303)."""
    if swaps_in_place():
        return Response(status=200, headers={"HX-Redirect": url})
    return redirect(url, code=303)


def report(result: ApiResult, success: str) -> bool:
    """Flash the outcome of an action; True when it succeeded."""
    if result.ok:
        flash(success, "success")
        return True
    flash(result.message, "error")
    return False


def form_text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def form_flag(name: str) -> bool:
    return request.form.get(name) in ("1", "on", "true", "ja")


def page_number() -> int:
    try:
        return max(1, int(request.args.get("side", "1")))
    except ValueError:
        return 1


def changed_fields(names: tuple[str, ...]) -> dict[str, str | None]:
    """The fields of an edit form whose value differs from the one it showed (its hidden ``was_<name>``).

    Only what the user changed is sent, so saving a form never re-sets the rest (an unchanged priority
    must not become an agent's override of the priority matrix).
    """
    changes = {}
    for name in names:
        if name in request.form and form_text(name) != (request.form.get(f"was_{name}") or "").strip():
            changes[name] = form_text(name) or None
    return changes


def patch_as_read(path: str, changes: dict) -> ApiResult:
    """PATCH with the version the page was rendered from (``If-Match``): a colleague's newer change is never
    overwritten; the API answers 412 instead."""
    version = request.form.get("version", "")
    return page_api().patch(path, changes, headers={"If-Match": version} if version else None)
