"""Who is calling: the gateway's ``authenticate`` hook for the chassis.

``/api/`` and ``/internal/`` take only ``Authorization: Bearer``: an access
token, a personal API token (``sdp_...``) or a service key.  Every other path
(the web front end) takes the signed session cookie.  No credentials means an
anonymous caller (the endpoint decides); credentials that do not hold are 401.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from flask import g, request
from sqlalchemy import select

from servicekit import errors
from servicekit.auth import SERVICE, Identity
from servicekit.db import utcnow
from servicekit.i18n import _ as kit_gettext
from servicekit.web import db_session

from ..i18n import _
from ..models import ApiToken, User
from ..routing.table import service_may_call
from ..runtime import gateway
from .tokens import PERSONAL_TOKEN_PREFIX, digest, looks_like_jwt

LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class UserIdentity(Identity):
    """A person as the gateway found them, and whether by a personal API token (which may do less: it
    cannot manage API tokens). Only the claims of :class:`Identity` are forwarded to the services."""

    by_personal_token: bool = False


def user_identity(user: User, *, by_personal_token: bool = False) -> UserIdentity:
    return UserIdentity(
        by_personal_token=by_personal_token,
        user_id=user.id,
        roles=frozenset(user.roles),
        email=user.email,
        name=user.name,
        organisation_id=user.organisation_id,
        team_ids=frozenset(user.team_ids),
        dispatcher_team_ids=frozenset(user.dispatcher_team_ids),
        language=user.language,
    )


def service_identity(name: str) -> Identity:
    return Identity(user_id=f"service:{name}", roles=frozenset({SERVICE}), name=name)


# What answers without credentials under /api/: log-in, password links, sign-up and the API documents.
PUBLIC_API_PREFIXES = ("/api/v1/auth/", "/api/openapi.json", "/api/asyncapi.json", "/api/docs")


def authenticate() -> Identity | None:
    try:
        if request.path.startswith(("/api/", "/internal/")):
            identity = _bearer_identity()
            if identity is None and request.method != "OPTIONS" and not request.path.startswith(PUBLIC_API_PREFIXES):
                # refused before the body is read or validated: a stranger learns nothing of the route
                raise errors.Unauthorized(kit_gettext("Sign in to use this service."))
            if (identity is not None and identity.is_service and request.path.startswith("/api/")
                    and not service_may_call(request.method, request.path)):
                raise errors.Forbidden(_("A service may call only the public routes it needs, and this is not "
                                         "one of them."))
            return identity
        from ..webauth import session_identity

        return session_identity()
    finally:
        end_read_transaction()


def end_read_transaction() -> None:
    """End the transaction the look-up opened: on SQLite every transaction holds the write lock, and an
    in-process API call from the same request (``webauth.api()``) must not wait for it."""
    session = g.get("db_session")
    if session is not None and session.in_transaction():
        session.commit()


def _bearer_identity() -> Identity | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _sep, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _refused()
    if token.startswith(PERSONAL_TOKEN_PREFIX):
        return _personal_token_identity(token)
    if looks_like_jwt(token):
        return _access_token_identity(token)
    return _service_key_identity(token)


def _access_token_identity(token: str) -> Identity:
    claims = gateway().access_tokens.verify(token)
    if claims is None:
        raise _refused()
    user = active_user(claims.user_id, issued_at=claims.issued_at)
    if user is None:
        raise _refused()
    return user_identity(user)


def _personal_token_identity(token: str) -> Identity:
    session = db_session()
    api_token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    now = utcnow()
    if (api_token is None or api_token.revoked_at is not None
            or (api_token.expires_at is not None and api_token.expires_at <= now)):
        raise _refused()
    user = active_user(api_token.user_id, issued_at=api_token.created_at)
    if user is None:
        raise _refused()
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
        api_token.last_used_at = now
        session.commit()
    return user_identity(user, by_personal_token=True)


def _service_key_identity(token: str) -> Identity:
    found = None
    for key, name in gateway().service_keys.items():
        if hmac.compare_digest(key.encode(), token.encode()):
            found = name
    if found is None:
        raise _refused()
    return service_identity(found)


def active_user(user_id: str, issued_at=None) -> User | None:
    """The user behind a credential, if still active and the credential not voided since it was issued."""
    user = db_session().get(User, user_id)
    if user is None or not user.active:
        return None
    g.authenticated_user = user  # held for the request: the session's identity map keeps only weak references
    if issued_at is not None and user.tokens_valid_after is not None and issued_at < user.tokens_valid_after:
        return None
    return user


def _refused() -> errors.Unauthorized:
    return errors.Unauthorized(_("The credentials are not valid, or have expired."))
