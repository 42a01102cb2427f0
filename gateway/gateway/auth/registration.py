"""Requesters sign themselves up with an address of their organisation's mail domain (seed 000).

The address is proven by the mail: the new user has no password until they choose one through the
link mailed to them. Someone who already has a user gets a password link instead, so the answer never
tells whether an address has a user. An address whose domain no organisation owns is refused (422):
an administrator creates such users. Needs ``SMTP_URL``; ``SELF_REGISTRATION=false`` closes it.
"""

from __future__ import annotations

from datetime import timedelta

from servicekit import errors
from servicekit.web import db_session

from ..i18n import _
from ..identity.organisations import organisation_for_email
from ..identity.users import create_user, find_user_by_email
from ..runtime import gateway
from .login import client_address
from .password_reset import request_reset


def register(email: str, name: str, language: str) -> None:
    gw = gateway()
    settings = gw.settings
    if not (settings.self_registration and settings.smtp_url):
        raise errors.Forbidden(_("You cannot sign up here yourself. Ask your organisation's administrator."))
    gw.throttle.admit(client_address(), None)
    session = db_session()
    organisation = organisation_for_email(session, email)
    if organisation is None:
        raise errors.ValidationFailed(
            _("Your e-mail domain does not belong to an organisation here. Ask your organisation's "
              "administrator to create you."), errors={"email": [_("Not an address of a known organisation.")]})
    existing = find_user_by_email(session, email)
    session.commit()
    if existing is None:
        create_user(session, {"email": email, "name": name, "password": None, "roles": ["requester"],
                              "organisation_id": organisation.id, "language": language, "shared_mailbox": False},
                    gw.passwords, actor_id=None)
    request_reset(session, email, public_url=settings.public_url,
                  ttl=timedelta(seconds=settings.password_reset_ttl), mail_enabled=True, welcome=existing is None)
