"""Error pages of the web front end: HTML for people, in their language.

The handlers are the blueprint's own, so the API's answers stay problem+json.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from servicekit import errors
from servicekit.web import problem_response

from .. import webauth
from ..i18n import _
from ..security import UPLOAD_PAGES
from .blueprint import bp
from .pages import PageError, SignInAgain, is_htmx, swaps_in_place
from .uploads import too_large_body
from .viewer import viewer
from .views.case_page import render_case_page
from .views.cases import new_case_defaults, render_case_form

log = logging.getLogger(__name__)


def _page(status: int, message: str | None):
    titles = {
        400: _("The request could not be used"),
        403: _("You may not do that"),
        404: _("Page not found"),
        413: _("The file is too large"),
    }
    title = titles.get(status, _("Something went wrong"))
    page = render_template("web/error.html", status=status, title=title, message=message)
    if swaps_in_place():  # an action swapped in place failed: its error page takes the place of the page
        return page, status, {"HX-Retarget": "body", "HX-Reswap": "innerHTML"}
    return page, status


@bp.errorhandler(PageError)
def on_page_error(err: PageError):
    return _page(err.status, err.message)


@bp.errorhandler(SignInAgain)
def on_sign_in_again(_err: SignInAgain):
    if is_htmx():  # as webauth.login_required answers htmx: the browser goes to the log-in page, not a part of it
        page_path = urlsplit(request.headers.get("HX-Current-URL") or "").path
        return "", 401, {"HX-Redirect": url_for("web.login", next=webauth.safe_next(page_path))}
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


@bp.errorhandler(400)
def on_bad_request(err: HTTPException):
    """Also a form whose CSRF token is missing or stale: a browser gets a page that says what to do;
    a client that does not ask for HTML gets problem+json like everywhere else."""
    message = err.description
    if isinstance(err, CSRFError):
        message = _("The form had expired or did not come from this site. Reload the page and try again.")
    if not wants_html():
        return problem_response(errors.BadRequest(message).to_problem())
    return _page(400, message)


def wants_html() -> bool:
    accepted = request.accept_mimetypes
    return accepted.provided and accepted["text/html"] >= accepted["application/json"] and accepted["text/html"] > 0


@bp.errorhandler(HTTPException)
def on_http_error(err: HTTPException):
    status = err.code or 500
    if status == 413 and request.endpoint in UPLOAD_PAGES and viewer() is not None:
        return _upload_page_again()
    if status == 413:
        return _page(413, _("The upload is larger than the service accepts."))
    return _page(status, None if status == 404 else err.description)


def _upload_page_again():
    """Files too large together to read the form: the same page again, saying so, instead of an error page."""
    if request.endpoint == "web.case_new":
        return render_case_form(new_case_defaults(), {"files": too_large_body()}, 413)
    return render_case_page(request.view_args["case_id"], draft={"error": too_large_body()}, status=413)


@bp.errorhandler(errors.ServiceError)
def on_refused(err: errors.ServiceError):
    """A refusal raised on the way to a page (``webauth.roles_required`` raises Forbidden): its own page."""
    if err.status >= 500:
        log.exception("web page failed")
    return _page(err.status, err.detail)


@bp.errorhandler(Exception)
def on_unexpected(err: Exception):
    """A fault of ours: logged with its trace; the person gets a page in their language, never a trace."""
    log.exception("web page failed")
    return _page(500, _("Please try again in a moment. If it keeps happening, tell us what you were doing."))
