"""Password log-in, shared by the token endpoint and the web front end's log-in form."""

from __future__ import annotations

import logging

from flask import request
from sqlalchemy.orm import Session

from servicekit.errors import Unauthorized

from ..i18n import _
from ..identity.schemas import normalise_email
from ..identity.users import find_user_by_email, record_login
from ..models import User
from ..runtime import gateway
from .throttle import LoginRefused

log = logging.getLogger(__name__)

__all__ = ["InvalidCredentials", "LoginRefused", "authenticate_password", "client_address"]


class InvalidCredentials(Unauthorized):
    """Wrong e-mail, wrong password, no password or inactive account: the caller is told nothing more."""

    def __init__(self):
        super().__init__(_("The e-mail address or the password is wrong."))


def client_address() -> str:
    """The caller's address (``TRUSTED_PROXY_COUNT`` proxies in front are accounted for by ProxyFix)."""
    return request.remote_addr or "unknown"


def authenticate_password(session: Session, email: str, password: str) -> User:
    """The active user with this e-mail and password.

    Raises LoginRefused (too many attempts from this client or failures for this
    account; nothing is checked) or InvalidCredentials (always the same answer,
    in the same time, whichever part was wrong).
    """
    account = normalise_email(email or "")
    gw = gateway()
    try:
        gw.throttle.admit(client_address(), account)
    except LoginRefused as refused:
        gw.metrics.logins.labels("password", "refused").inc()
        log.warning("log-in refused (%s) from %s", refused.reason, client_address())
        raise
    user = find_user_by_email(session, account) if account else None
    usable = user is not None and user.active
    verified = gw.passwords.verify(user.password_hash if usable else None, password or "")
    session.commit()  # end the read: the throttle writes in a transaction of its own (SQLite has one writer)
    if not verified:
        gw.throttle.failed(account)
        gw.metrics.logins.labels("password", "invalid").inc()
        log.info("log-in failed from %s", client_address())
        raise InvalidCredentials()
    gw.throttle.succeeded(account)
    record_login(session, user, with_password=True, passwords=gw.passwords, password=password)
    gw.metrics.logins.labels("password", "ok").inc()
    log.info("user %s logged in with a password from %s", user.id, client_address())
    return user
