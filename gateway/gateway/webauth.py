"""The browser session of the web front end, and its in-process client for the public API.

The interface the pages in ``gateway/web/`` build on:

* ``login_required`` - a view decorator; without a session it redirects to ``/log-ind?next=...``
  (htmx requests get 401 with an ``HX-Redirect`` header instead).
* ``current_user()`` - the signed-in :class:`WebUser` or None.
* ``authenticate_password(email, password)`` - the user, or raises :class:`InvalidCredentials` /
  :class:`LoginRefused` (catch both as ``LoginFailed``; ``str(err)`` is a message for the user).
* ``sign_in(user)``, ``sign_out()``.
* ``csrf_token()`` in every template (forms post a hidden ``csrf_token``; htmx sends ``X-CSRFToken``).
* ``api()`` - an :class:`ApiClient` for the public API acting as the signed-in user, dispatched
  in-process through this app: the same routes, checks and validation as outside callers.

The session is Flask's signed cookie (``SECRET_KEY``): HttpOnly, SameSite=Lax, Secure when
``PUBLIC_URL`` is https, with an idle time-out (``SESSION_IDLE_TIMEOUT``) and an absolute one
(``SESSION_MAX_AGE``). Changing the password or deactivating the user ends every session.
"""

from __future__ import annotations

import functools
import json as jsonlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, redirect, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.datastructures import FileStorage
from werkzeug.test import Client

from servicekit import errors
from servicekit.auth import Identity
from servicekit.i18n import SUPPORTED_LANGUAGES
from servicekit.web import db_session, problem_response

from .auth.login import InvalidCredentials, LoginRefused
from .auth.login import authenticate_password as _authenticate_password
from .auth.principals import active_user, end_read_transaction, user_identity
from .i18n import _
from .models import User
from .runtime import gateway

__all__ = [
    "ApiClient", "ApiResponse", "InvalidCredentials", "LoginFailed", "LoginRefused", "WebUser", "api",
    "authenticate_password", "csrf_token", "current_user", "login_required", "sign_in", "sign_out",
]

LoginFailed = (InvalidCredentials, LoginRefused)
LOGIN_PATH = "/log-ind"
API_TOKEN_TTL = timedelta(minutes=5)
SEEN_RESOLUTION = 60  # seconds: the cookie is rewritten at most once a minute to track idleness
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

csrf = CSRFProtect()
csrf_token = generate_csrf


@dataclass(frozen=True)
class WebUser:
    id: str
    email: str
    name: str
    roles: tuple[str, ...]
    language: str
    organisation_id: str | None
    team_ids: tuple[str, ...]
    dispatcher_team_ids: tuple[str, ...]

    @classmethod
    def from_identity(cls, identity: Identity) -> WebUser:
        return cls(id=identity.user_id, email=identity.email, name=identity.name, roles=tuple(sorted(identity.roles)),
                   language=identity.language, organisation_id=identity.organisation_id,
                   team_ids=tuple(sorted(identity.team_ids)),
                   dispatcher_team_ids=tuple(sorted(identity.dispatcher_team_ids)))

    @property
    def is_staff(self) -> bool:
        return bool({"agent", "dispatcher", "admin"} & set(self.roles))

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_agent(self) -> bool:
        return "agent" in self.roles

    @property
    def is_dispatcher(self) -> bool:
        return "dispatcher" in self.roles

    @property
    def is_requester(self) -> bool:
        return not self.is_staff


# -- the session -----------------------------------------------------------------------------------

def init_webauth(app: Flask) -> None:
    settings = app.extensions["servicekit"].settings
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="servicedesk_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.session_max_age),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked below, for cookie-authenticated requests only
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which has its own limits
    )
    csrf.init_app(app)

    @app.before_request
    def protect_cookie_requests() -> None:
        if request.method not in SAFE_METHODS and not request.path.startswith(("/api/", "/internal/")):
            csrf.protect()

    @app.errorhandler(CSRFError)
    def on_csrf_error(err: CSRFError):
        body = errors.BadRequest(_("The form has expired or did not come from this site. Reload the page "
                                   "and try again.")).to_problem()
        return problem_response(body)


def session_identity() -> Identity | None:
    """The identity of a valid browser session (the chassis' ``authenticate`` for web pages)."""
    user_id = session.get("uid")
    if not user_id:
        return None
    settings = gateway().settings
    now = time.time()
    signed_in_at, seen_at = session.get("auth_at", 0), session.get("seen_at", 0)
    if now - signed_in_at > settings.session_max_age or now - seen_at > settings.session_idle_timeout:
        session.clear()
        return None
    user = active_user(user_id, issued_at=datetime.fromtimestamp(int(signed_in_at), UTC))
    if user is None:
        session.clear()
        return None
    if now - seen_at > SEEN_RESOLUTION:
        session["seen_at"] = int(now)
    return user_identity(user)


def current_user() -> WebUser | None:
    identity = g.get("identity")
    if identity is None or identity.is_service or request.path.startswith(("/api/", "/internal/")):
        return None
    if "web_user" not in g:
        g.web_user = WebUser.from_identity(identity)
    return g.web_user


def login_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            target = f"{LOGIN_PATH}?{urlencode({'next': safe_next(request.full_path)})}"
            if request.headers.get("HX-Request"):
                return "", 401, {"HX-Redirect": target}
            return redirect(target)
        return view(*args, **kwargs)

    return wrapper


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to return to after log-in; anything that could leave the site becomes ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target.rstrip("?") or default


def authenticate_password(email: str, password: str) -> WebUser:
    """Check e-mail and password with the same throttling as the API; raises one of ``LoginFailed``."""
    user = _authenticate_password(db_session(), email, password)
    identity = user_identity(user)
    end_read_transaction()
    return WebUser.from_identity(identity)


def sign_in(user: WebUser | User) -> None:
    """Start a fresh session for the user (a new cookie: no session fixation)."""
    now = int(time.time())
    session.clear()
    session.permanent = True
    session.update({"uid": user.id, "auth_at": now, "seen_at": now, "language": user.language})
    g.identity = user_identity(db_session().get(User, user.id))
    g.pop("web_user", None)
    end_read_transaction()


def sign_out() -> None:
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    g.identity = None
    g.pop("web_user", None)


# -- the in-process API client ---------------------------------------------------------------------

@dataclass
class ApiResponse:
    status: int
    headers: Any
    body: Any = None
    stream: Iterator[bytes] | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def json(self) -> Any:
        return self.body

    @property
    def is_problem(self) -> bool:
        return self.headers.get("Content-Type", "").startswith("application/problem+json")


class ApiClient:
    """The public API as the signed-in user, through this app's own WSGI stack (no loopback HTTP)."""

    def __init__(self, app: Flask, token: str, language: str, remote_addr: str):
        self._client = Client(app)
        self._headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}
        self._environ = {"REMOTE_ADDR": remote_addr}

    def get(self, path: str, **kwargs) -> ApiResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> ApiResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> ApiResponse:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs) -> ApiResponse:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs) -> ApiResponse:
        return self.request("DELETE", path, **kwargs)

    def request(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
                data: dict | None = None, files: dict | None = None, headers: dict | None = None,
                stream: bool = False) -> ApiResponse:
        """``stream=True`` leaves the body unread: iterate ``.stream`` (for downloads)."""
        if not path.startswith("/api/"):
            raise ValueError("api() calls the public API: paths start with /api/")
        form = dict(data or {})
        for name, value in (files or {}).items():
            form[name] = _file_field(value)
        response = self._client.open(
            path, method=method, query_string=params, json=json, data=form or None,
            headers={**self._headers, **(headers or {})}, environ_base=self._environ, buffered=not stream,
        )
        if stream:
            return ApiResponse(response.status_code, response.headers, stream=response.iter_encoded())
        return ApiResponse(response.status_code, response.headers, body=_decode(response))


def api() -> ApiClient:
    """The client for the current request's signed-in user (one short-lived token per request)."""
    user = current_user()
    if user is None:
        raise errors.Unauthorized(_("Sign in to use this service."))
    if "api_client" not in g:
        token, _seconds = gateway().access_tokens.issue(user.id, ttl=API_TOKEN_TTL)
        language = session.get("language") or user.language or "da"
        if language not in SUPPORTED_LANGUAGES:
            language = "da"
        g.api_client = ApiClient(current_app._get_current_object(), token, language,
                                 request.remote_addr or "127.0.0.1")
    return g.api_client


def _file_field(value: Any) -> tuple:
    if isinstance(value, FileStorage):
        return value.stream, value.filename or "file", value.mimetype or "application/octet-stream"
    if isinstance(value, tuple):
        filename, fileobj, *rest = value
        return fileobj, filename, (rest[0] if rest else "application/octet-stream")
    raise TypeError("files values are FileStorage objects or (filename, file[, content_type]) tuples")


def _decode(response) -> Any:
    data = response.get_data()
    if not data:
        return None
    mimetype = response.mimetype or ""
    if mimetype == "application/json" or mimetype.endswith("+json"):
        try:
            return jsonlib.loads(data)
        except ValueError:
            return data.decode("utf-8", "replace")
    if mimetype.startswith("text/"):
        return data.decode(response.charset or "utf-8", "replace")
    return data
