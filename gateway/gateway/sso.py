"""Single sign-on through OpenID Connect (authlib), when ``OIDC_ISSUER`` is configured.

``/log-ind/sso?next=/sager`` sends the browser to the provider (authorization code flow with PKCE,
state and nonce); ``/log-ind/sso/callback`` exchanges the code, verifies the ID token and signs the
user in. Who the user is:

1. the user linked to the provider's subject (``users.oidc_subject`` = ``<issuer>|<sub>``), if any;
2. else the user with the e-mail address of the claims, and only if the provider vouches for it
   (``email_verified`` true; ``OIDC_TRUST_UNVERIFIED_EMAIL=true`` accepts an address without it). That
   user is then linked to the subject, unless they are linked to another subject already (refused).

Nobody is created here: the user must exist and be active. As seed 000 says, a user who has a password
logs in with it the first time (``OIDC_REQUIRE_PASSWORD_FIRST``, on by default) and may use SSO
afterwards; a user without any password (created for SSO only, or from a mail) may use SSO at once.
The claims of the userinfo endpoint are used only when their ``sub`` is the ID token's.

A refusal or a failure goes back to ``/log-ind?sso=<reason>`` with a flashed message (category
``error``) in the user's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, flash, redirect, request, session
from requests import RequestException
from sqlalchemy import select

from servicekit.web import db_session

from .auth.principals import user_identity
from .i18n import _
from .identity.users import find_user_by_email, record_login
from .models import User
from .runtime import gateway
from .webauth import LOGIN_PATH, WebUser, safe_next, sign_in

log = logging.getLogger(__name__)

CALLBACK_PATH = "/log-ind/sso/callback"
NEXT_KEY = "sso_next"

bp = Blueprint("sso", __name__)
oauth = OAuth()


class SsoRefused(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def sso_enabled() -> bool:
    return bool(current_app.extensions["servicekit"].settings.oidc_issuer)


def init_sso(app: Flask) -> None:
    settings = app.extensions["servicekit"].settings
    app.jinja_env.globals["sso_enabled"] = sso_enabled
    if not settings.oidc_issuer:
        return
    oauth.init_app(app)
    oauth.register(
        "oidc",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256", "default_timeout": 10},
    )
    app.register_blueprint(bp)


@bp.get("/log-ind/sso")
def start():
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    redirect_uri = gateway().settings.public_url.rstrip("/") + CALLBACK_PATH
    try:
        return oauth.oidc.authorize_redirect(redirect_uri)
    except (OAuthError, RequestException, ValueError) as err:
        log.warning("single sign-on could not start: %s", err)
        return _back_to_login("unavailable", _("Single sign-on is not available right now. Log in with your "
                                               "password, or try again later."))


@bp.get(CALLBACK_PATH)
def callback():
    next_path = session.pop(NEXT_KEY, "/")
    try:
        token = oauth.oidc.authorize_access_token()
        claims = _claims(token)
        user = _match_user(claims)
    except SsoRefused as refused:
        gateway().metrics.logins.labels("sso", "refused").inc()
        log.info("single sign-on refused: %s", refused.reason)
        return _back_to_login(refused.reason, refused.message)
    except (OAuthError, RequestException, ValueError, KeyError) as err:
        gateway().metrics.logins.labels("sso", "invalid").inc()
        log.warning("single sign-on failed: %s", err)
        return _back_to_login("failed", _("Single sign-on did not succeed. Try again, or log in with your "
                                          "password."))
    record_login(db_session(), user, with_password=False)
    gateway().metrics.logins.labels("sso", "ok").inc()
    log.info("user %s logged in through single sign-on", user.id)
    sign_in(WebUser.from_identity(user_identity(user)))
    return redirect(next_path)


def _claims(token: dict[str, Any]) -> dict[str, Any]:
    return merged_claims(token.get("userinfo") or {}, lambda: oauth.oidc.userinfo(token=token))


def merged_claims(id_token: dict[str, Any], fetch_userinfo: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The ID token's claims, completed from the userinfo endpoint when they name no e-mail address; the
    userinfo answer must be about the same subject (OpenID Connect Core 5.3.2)."""
    claims = dict(id_token)
    if not claims.get("sub"):
        raise ValueError("the provider named no subject")
    if not claims.get("email"):
        userinfo = dict(fetch_userinfo())
        if userinfo.get("sub") != claims["sub"]:
            raise ValueError("the userinfo answer is about another subject than the ID token")
        claims.update(userinfo)
    return claims


def _match_user(claims: dict[str, Any]) -> User:
    settings = gateway().settings
    subject = f"{settings.oidc_issuer.rstrip('/')}|{claims['sub']}"
    session_db = db_session()
    user = session_db.scalar(select(User).where(User.oidc_subject == subject)) or _user_by_email(claims)
    if not user.active:
        raise SsoRefused("inactive", _("Your user is deactivated."))
    if user.oidc_subject is None:
        if (settings.oidc_require_password_first and user.password_hash is not None
                and user.first_password_login_at is None):
            raise SsoRefused("password_first", _("Log in with your password the first time. After that you "
                                                 "can use single sign-on."))
        user.oidc_subject = subject
        session_db.commit()
    elif user.oidc_subject != subject:
        raise SsoRefused("linked_elsewhere", _("Your user is linked to another sign-on account."))
    return user


def _user_by_email(claims: dict[str, Any]) -> User:
    email = claims.get("email")
    vouched = claims.get("email_verified") is True or gateway().settings.oidc_trust_unverified_email
    if not email or not vouched:
        raise SsoRefused("no_email", _("The sign-on service did not confirm your e-mail address."))
    user = find_user_by_email(db_session(), email)
    if user is None:
        raise SsoRefused("unknown_user", _("There is no user with your e-mail address here. Ask your "
                                           "organisation's administrator to create you."))
    return user


def _back_to_login(reason: str, message: str):
    flash(message, "error")
    return redirect(f"{LOGIN_PATH}?{urlencode({'sso': reason})}")
