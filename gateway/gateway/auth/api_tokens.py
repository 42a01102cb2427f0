"""Personal API tokens: created with the secret shown once, listed, revoked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.db import utcnow
from servicekit.pagination import paginate

from ..i18n import _
from ..models import ApiToken
from .tokens import new_personal_token

MAX_TOKENS_PER_USER = 50


def token_view(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def list_tokens(session: Session, owner: Identity, args: dict[str, Any]) -> dict[str, Any]:
    """A page of the owner's tokens, newest first."""
    query = (select(ApiToken).where(ApiToken.user_id == owner.user_id)
             .order_by(ApiToken.created_at.desc(), ApiToken.id))
    return paginate(session, query, args, token_view)


def create_token(session: Session, owner: Identity, data: dict[str, Any]) -> dict[str, Any]:
    active = session.scalars(
        select(ApiToken.id).where(ApiToken.user_id == owner.user_id, ApiToken.revoked_at.is_(None))
    ).all()
    if len(active) >= MAX_TOKENS_PER_USER:
        raise errors.Conflict(_("You have too many API tokens; revoke some first."))
    secret, prefix, token_hash = new_personal_token()
    expires_at = utcnow() + timedelta(days=data["expires_in_days"]) if data.get("expires_in_days") else None
    token = ApiToken(user_id=owner.user_id, name=data["name"].strip(), prefix=prefix, token_hash=token_hash,
                     expires_at=expires_at)
    session.add(token)
    session.commit()
    return {**token_view(token), "token": secret}


def revoke_token(session: Session, viewer: Identity, token_id: str) -> None:
    """The owner revokes their own token; an administrator any token."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != viewer.user_id and not viewer.is_admin):
        raise errors.NotFound(_("There is no such API token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.commit()
