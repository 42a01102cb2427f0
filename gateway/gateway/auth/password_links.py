"""Password links for a request: throttled like log-ins, shared by the API and the web front end."""

from __future__ import annotations

from datetime import timedelta

from servicekit.web import db_session

from ..runtime import gateway
from .login import client_address
from .password_reset import complete_reset, request_reset


def request_link(email: str) -> None:
    """Mail a link to choose a new password (if the address has an active user); raises LoginRefused when
    this client asks too often. Says nothing about whether the address has a user."""
    gw = gateway()
    gw.throttle.admit(client_address(), None)
    settings = gw.settings
    request_reset(db_session(), email, public_url=settings.public_url,
                  ttl=timedelta(seconds=settings.password_reset_ttl), mail_enabled=bool(settings.smtp_url))


def use_link(token: str, new_password: str) -> None:
    """Set the new password; raises ValidationFailed (422) when the link is unknown, used or expired."""
    gw = gateway()
    gw.throttle.admit(client_address(), None)
    complete_reset(db_session(), token, new_password, gw.passwords)
