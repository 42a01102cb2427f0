"""Forgotten passwords, and a first password for users created without one (for example from a mail).

``request_reset`` always answers the same, whether or not the address has a user, and mails a one-time
link to an active user: ``PUBLIC_URL/nulstil-adgangskode?token=...`` (the web front end's page), valid for
``PASSWORD_RESET_TTL`` seconds. ``complete_reset`` sets the new password and ends the user's sessions and
tokens. At most three links are sent to one user per hour.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.db import utcnow

from ..i18n import _
from ..identity.schemas import normalise_email
from ..identity.users import find_user_by_email, get_user, set_password
from ..mail import queue_mail
from ..models import PasswordReset, User

log = logging.getLogger(__name__)

RESET_PATH = "/nulstil-adgangskode"
MAX_LINKS_PER_HOUR = 3


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(session: Session, email: str, *, public_url: str, ttl: timedelta, mail_enabled: bool,
                  welcome: bool = False) -> None:
    """Queue a link mail to the active user with this address, if any (``welcome``: for a new user)."""
    user = find_user_by_email(session, normalise_email(email))
    if user is None or not user.active or not mail_enabled:
        log.info("password link not sent (no active user with that address, or no SMTP_URL)")
        return
    recent = session.scalar(select(func.count()).select_from(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.created_at > utcnow() - timedelta(hours=1)))
    if recent >= MAX_LINKS_PER_HOUR:
        log.warning("password link for user %s not sent: %d sent in the last hour", user.id, recent)
        return
    token = secrets.token_urlsafe(32)
    session.add(PasswordReset(user_id=user.id, token_hash=_digest(token), expires_at=utcnow() + ttl))
    link = f"{public_url.rstrip('/')}{RESET_PATH}?{urlencode({'token': token})}"
    values = {"name": user.name, "email": user.email, "minutes": int(ttl.total_seconds() // 60), "link": link}
    with force_locale(user.language):
        subject, body = _welcome_mail(values) if welcome else _reset_mail(values)
        queue_mail(session, to=user.email, subject=subject, body=body)
    session.commit()


def _welcome_mail(values: dict) -> tuple[str, str]:
    return _("Welcome to servicedesk: choose your password"), _(
        "Hello %(name)s\n\n"
        "You are now a user of servicedesk as %(email)s. Open this link within %(minutes)d minutes and choose "
        "your password:\n\n%(link)s\n\n"
        "If you did not sign up, you can ignore this mail.\n", **values)


def _reset_mail(values: dict) -> tuple[str, str]:
    return _("Choose a new password for servicedesk"), _(
        "Hello %(name)s\n\n"
        "Someone (hopefully you) asked to choose a new password for your user %(email)s. Open this link "
        "within %(minutes)d minutes and choose your new password:\n\n%(link)s\n\n"
        "If you did not ask for this, you can ignore this mail: your password has not been changed.\n", **values)


def complete_reset(session: Session, token: str, new_password: str, passwords) -> User:
    now = utcnow()
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _digest(token or ""))
                           .with_for_update())
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise errors.ValidationFailed(_("The link is not valid any more. Ask for a new one."),
                                      errors={"token": [_("The link is not valid any more. Ask for a new one.")]})
    user = get_user(session, reset.user_id, for_update=True)
    if not user.active:
        raise errors.ValidationFailed(_("The link is not valid any more. Ask for a new one."))
    session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                    .values(used_at=now))
    set_password(session, user, new_password, passwords, actor_id=user.id)
    return user
