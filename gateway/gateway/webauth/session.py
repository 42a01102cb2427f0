"""The browser session: who is signed in, for how long, in which language."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from flask import g, redirect, request, session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.i18n import SUPPORTED_LANGUAGES, request_language
from servicekit.web import db_session

from ..auth.login import authenticate_password as _authenticate_password
from ..auth.principals import active_user, end_read_transaction, user_identity
from ..i18n import _
from ..identity.users import end_browser_sessions
from ..models import User
from ..runtime import gateway

LOGIN_PATH = "/log-ind"
SEEN_RESOLUTION = 60  # seconds: the cookie is rewritten at most once a minute to track idleness
UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f\\]")  # control characters, space, backslash
BACKGROUND_POLL_HEADER = "X-Background-Poll"  # sent by a page's own timed refreshes: not the user's activity


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


def web_language() -> str:
    """The language of a web page: the one chosen in this session, else the user's, else the browser's."""
    chosen = session.get("language")
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    identity = g.get("identity")
    if identity is not None and identity.language in SUPPORTED_LANGUAGES:
        return identity.language
    return request_language()


def set_language(language: str) -> None:
    """Remember the visitor's choice of language in the session (the pages also save it for a signed-in
    user through ``api().patch("/api/v1/me", json={"language": ...})``)."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"language must be one of {SUPPORTED_LANGUAGES}")
    session["language"] = language


def locale_selector() -> str:
    if request.path.startswith(("/api/", "/internal/")):
        return request_language()
    return web_language()


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
    signed_in = datetime.fromtimestamp(signed_in_at, UTC)
    user = active_user(user_id, issued_at=signed_in)
    if user is None or (user.sessions_valid_after is not None and signed_in < user.sessions_valid_after):
        session.clear()
        return None
    if now - seen_at > SEEN_RESOLUTION and not request.headers.get(BACKGROUND_POLL_HEADER):
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


def roles_required(*roles: str) -> Callable[[Callable], Callable]:
    """Like ``login_required``, and the user must have one of ``roles`` (``"staff"`` means agent, dispatcher
    or admin); anyone else gets 403 (raise your own page from an error handler of the blueprint if wanted)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(*args, **kwargs):
            user = current_user()
            if not (set(user.roles) & set(roles) or ("staff" in roles and user.is_staff)):
                raise errors.Forbidden(_("Only staff may do this.") if "staff" in roles else
                                       _("You may not see this page."))
            return view(*args, **kwargs)

        return login_required(checked)

    return decorate


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to return to after log-in; anything that could leave the site becomes ``default``.

    Browsers drop tabs and line breaks from a ``Location`` and read a backslash as a slash, so
    ``/\t/evil.example`` would become ``//evil.example``: such characters are refused outright (a line break
    would also make the redirect itself fail).
    """
    if not target or UNSAFE_IN_NEXT.search(target) or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
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
    now = time.time()
    session.clear()
    session.permanent = True
    session.update({"uid": user.id, "auth_at": now, "seen_at": now, "language": user.language})
    g.identity = user_identity(db_session().get(User, user.id))
    g.pop("web_user", None)
    end_read_transaction()


def sign_out() -> None:
    """End the session: this cookie, and any copy of it (the user's sessions signed in before now end)."""
    language = session.get("language")
    if session.get("uid"):
        end_browser_sessions(db_session(), session["uid"])
    session.clear()
    if language:
        session["language"] = language
    g.identity = None
    g.pop("web_user", None)
