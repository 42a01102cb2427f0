"""The browser session of the web front end, and its in-process client for the public API.

The interface the pages in ``gateway/web/`` build on:

* ``login_required`` - a view decorator; without a session it redirects to ``/log-ind?next=...``
  (htmx requests get 401 with an ``HX-Redirect`` header instead).
* ``roles_required("staff")`` / ``roles_required("admin", ...)`` - as ``login_required``, and 403 for others.
* ``current_user()`` - the signed-in :class:`WebUser` or None.
* ``authenticate_password(email, password)`` - the user, or raises :class:`InvalidCredentials` /
  :class:`LoginRefused` (catch both as ``LoginFailed``; ``str(err)`` is a message for the user).
* ``sign_in(user)``, ``sign_out()``. Signing in starts a new session (no fixation), so the CSRF token
  changes: pages rendered after log-in carry the new one.
* ``request_password_reset(email)`` (raises ``LoginRefused`` when asked too often; says nothing about
  whether the address has a user) and ``complete_password_reset(token, new_password)`` (raises
  ``servicekit.errors.ValidationFailed``) for the pages "Glemt adgangskode" and ``/nulstil-adgangskode?token=``,
  the link the mail carries.
* ``register(email, name, language)`` - a requester signs up with an address of an organisation's mail
  domain; the link to choose the password is mailed (raises ``ValidationFailed`` for an unknown domain,
  ``Forbidden`` when sign-up is closed, ``LoginRefused`` when asked too often).
* ``set_language(lang)`` / ``web_language()`` - the session's language (web pages are rendered in it:
  the session's choice, else the user's language, else the browser's ``Accept-Language``).
* ``csrf_token()`` in every template (forms post a hidden ``csrf_token``; htmx sends ``X-CSRFToken``).
* ``sso_enabled()`` in every template: whether to show the single sign-on button (``/log-ind/sso?next=...``).
* ``api()`` - an :class:`ApiClient` for the public API acting as the signed-in user, dispatched
  in-process through this app: the same routes, checks and validation as outside callers.

The session is Flask's signed cookie (``SECRET_KEY``): HttpOnly, SameSite=Lax, Secure when
``PUBLIC_URL`` is https, with an idle time-out (``SESSION_IDLE_TIMEOUT``) and an absolute one
(``SESSION_MAX_AGE``). Changing the password or deactivating the user ends every session; ``sign_out()``
ends every session of the user too (``users.sessions_valid_after``), so a copied cookie is void as well.
"""


from __future__ import annotations

from datetime import timedelta

from flask import Flask, request
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from servicekit import errors
from servicekit.web import problem_response

from ..auth.login import InvalidCredentials, LoginRefused
from ..auth.password_links import request_link as request_password_reset
from ..auth.password_links import use_link as complete_password_reset
from ..auth.registration import register
from ..i18n import _
from .api_client import ApiClient, ApiResponse, api
from .session import (
    LOGIN_PATH,
    WebUser,
    authenticate_password,
    current_user,
    locale_selector,
    login_required,
    roles_required,
    safe_next,
    session_identity,
    set_language,
    sign_in,
    sign_out,
    web_language,
)

__all__ = [
    "LOGIN_PATH", "ApiClient", "ApiResponse", "InvalidCredentials", "LoginFailed", "LoginRefused", "WebUser", "api",
    "authenticate_password", "complete_password_reset", "csrf_token", "current_user", "init_webauth",
    "login_required", "register", "request_password_reset", "roles_required", "safe_next", "session_identity",
    "set_language", "sign_in", "sign_out", "web_language",
]

LoginFailed = (InvalidCredentials, LoginRefused)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

csrf = CSRFProtect()
csrf_token = generate_csrf


def init_webauth(app: Flask) -> None:
    settings = app.extensions["servicekit"].settings
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="servicedesk_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.session_max_age),
        SESSION_REFRESH_EACH_REQUEST=False,  # written when changed: at least once a minute while in use
        WTF_CSRF_CHECK_DEFAULT=False,  # checked below, for cookie-authenticated requests only
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which has its own limits
    )
    csrf.init_app(app)
    app.extensions["babel"].locale_selector = locale_selector

    @app.before_request
    def protect_cookie_requests() -> None:
        if request.method not in SAFE_METHODS and not request.path.startswith(("/api/", "/internal/")):
            csrf.protect()

    @app.errorhandler(CSRFError)
    def on_csrf_error(err: CSRFError):
        body = errors.BadRequest(_("The form has expired or did not come from this site. Reload the page "
                                   "and try again.")).to_problem()
        return problem_response(body)
