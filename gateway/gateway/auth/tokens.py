"""Access tokens for the public API, and personal API tokens for integrations.

Access tokens are JWTs signed with the gateway's Ed25519 key.  Their audience
(``servicedesk-api``) differs from every service's name, so an access token is
never accepted as a per-call identity token by a service, nor the reverse.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization

from servicekit.auth import ALGORITHM, ISSUER

API_AUDIENCE = "servicedesk-api"
PERSONAL_TOKEN_PREFIX = "sdp_"


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    issued_at: datetime


class AccessTokens:
    def __init__(self, private_key_pem: str, ttl: timedelta):
        self._private = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        self._public = self._private.public_key()
        self.ttl = ttl

    def issue(self, user_id: str, ttl: timedelta | None = None) -> tuple[str, int]:
        """A signed token for the user and its lifetime in seconds."""
        lifetime = ttl or self.ttl
        now = datetime.now(UTC)
        # iat with its fraction of a second: a password change voids the tokens issued before it, to the microsecond
        claims = {"iss": ISSUER, "aud": API_AUDIENCE, "sub": user_id, "iat": now.timestamp(),
                  "exp": now + lifetime, "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self._private, algorithm=ALGORITHM), int(lifetime.total_seconds())

    def verify(self, token: str) -> AccessClaims | None:
        """The claims of a genuine, unexpired token; None for anything else."""
        try:
            claims = jwt.decode(token, self._public, algorithms=[ALGORITHM], audience=API_AUDIENCE, issuer=ISSUER,
                                leeway=5, options={"require": ["exp", "iat", "sub", "aud", "iss"]})
        except jwt.PyJWTError:
            return None
        return AccessClaims(user_id=str(claims["sub"]), issued_at=datetime.fromtimestamp(claims["iat"], UTC))


def new_personal_token() -> tuple[str, str, str]:
    """(the secret shown once, its display prefix, its digest to store)."""
    secret = PERSONAL_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return secret, secret[:12], digest(secret)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2
