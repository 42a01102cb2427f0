"""The caller's identity as the gateway vouches for it.

The gateway authenticates users (passwords, sessions, SSO, API tokens) and
forwards each call to a service with a short-lived token in the
``X-Servicedesk-Identity`` header, signed with the gateway's Ed25519 key.
Services hold only the public key: they verify the signature, the audience
(their own name) and the expiry, and never trust a bare header.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .errors import Unauthorized
from .i18n import _

IDENTITY_HEADER = "X-Servicedesk-Identity"
ISSUER = "servicedesk-gateway"
ALGORITHM = "EdDSA"

REQUESTER, AGENT, DISPATCHER, ADMIN, SERVICE = "requester", "agent", "dispatcher", "admin", "service"
STAFF_ROLES = frozenset({AGENT, DISPATCHER, ADMIN})


@dataclass(frozen=True)
class Identity:
    """Who is calling: a user (by roles) or another service of the system."""

    user_id: str
    roles: frozenset[str]
    email: str = ""
    name: str = ""
    organisation_id: str | None = None
    team_ids: frozenset[str] = field(default_factory=frozenset)
    dispatcher_team_ids: frozenset[str] = field(default_factory=frozenset)
    language: str = "da"

    @property
    def is_staff(self) -> bool:
        """Agents, dispatchers and admins: everyone who works cases rather than opens them."""
        return bool(self.roles & STAFF_ROLES) or self.is_service

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def is_service(self) -> bool:
        return SERVICE in self.roles

    @property
    def is_requester_only(self) -> bool:
        return not self.is_staff

    def is_dispatcher_of(self, team_id: str | None) -> bool:
        return team_id is not None and str(team_id) in self.dispatcher_team_ids

    def is_member_of(self, team_id: str | None) -> bool:
        return team_id is not None and str(team_id) in self.team_ids

    def to_claims(self) -> dict:
        return {
            "sub": self.user_id,
            "roles": sorted(self.roles),
            "email": self.email,
            "name": self.name,
            "org": self.organisation_id,
            "teams": sorted(self.team_ids),
            "dteams": sorted(self.dispatcher_team_ids),
            "lang": self.language,
        }

    @classmethod
    def from_claims(cls, claims: dict) -> Identity:
        return cls(
            user_id=str(claims["sub"]),
            roles=frozenset(claims.get("roles") or ()),
            email=claims.get("email") or "",
            name=claims.get("name") or "",
            organisation_id=claims.get("org"),
            team_ids=frozenset(claims.get("teams") or ()),
            dispatcher_team_ids=frozenset(claims.get("dteams") or ()),
            language=claims.get("lang") or "da",
        )


class IdentitySigner:
    """Used by the gateway only: mints the per-call identity token for one service."""

    def __init__(self, private_key_pem: str, ttl: timedelta = timedelta(seconds=60)):
        self._key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        self.ttl = ttl

    def sign(self, identity: Identity, audience: str) -> str:
        now = datetime.now(UTC)
        claims = identity.to_claims() | {
            "iss": ISSUER,
            "aud": audience,
            "iat": now,
            "exp": now + self.ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)


class IdentityVerifier:
    """Used by every service: checks the gateway's signature, its audience and the expiry."""

    def __init__(self, public_key_pem: str, audience: str, leeway: float = 5.0):
        self._key = serialization.load_pem_public_key(public_key_pem.encode())
        self.audience = audience
        self.leeway = leeway

    def verify(self, token: str) -> Identity:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=ISSUER,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError:
            raise Unauthorized(_("The identity of the caller could not be verified.")) from None
        return Identity.from_claims(claims)


def generate_keypair() -> tuple[str, str]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


def read_key(inline: str | None, path: str | None, name: str) -> str:
    """A PEM key given inline (``\\n`` escapes allowed) or as a file path."""
    if inline:
        return inline.replace("\\n", "\n")
    if path:
        return Path(path).read_text()
    raise ValueError(f"{name} or {name}_FILE must be set")
