"""Who may do what at the gateway's own endpoints, decided from the caller's identity."""

from __future__ import annotations

import functools
from collections.abc import Callable

from servicekit import errors
from servicekit.auth import Identity
from servicekit.web import current_identity

from .auth.principals import UserIdentity
from .i18n import _


def caller() -> Identity:
    return current_identity()


def require_admin() -> Identity:
    identity = current_identity()
    if not identity.is_admin:
        raise errors.Forbidden(_("Only administrators may do this."))
    return identity


def require_staff() -> Identity:
    identity = current_identity()
    if not identity.is_staff:
        raise errors.Forbidden(_("Only staff may do this."))
    return identity


def require_user() -> Identity:
    """A person (not a service principal): personal settings and tokens belong to people."""
    identity = current_identity()
    if identity.is_service:
        raise errors.Forbidden(_("A service principal has no personal settings."))
    return identity


def require_logged_in_user() -> Identity:
    """A person who logged in (password, single sign-on or the web session), not one calling with a
    personal API token: a leaked token must not mint fresh tokens that outlive its revocation."""
    identity = require_user()
    if isinstance(identity, UserIdentity) and identity.by_personal_token:
        raise errors.Forbidden(_("API tokens can be managed only after logging in, not with an API token."))
    return identity


def logged_in_only(view: Callable) -> Callable:
    """:func:`require_logged_in_user` before the request body is read or validated."""

    @functools.wraps(view)
    def gated(*args, **kwargs):
        require_logged_in_user()
        return view(*args, **kwargs)

    return gated


def require_service() -> Identity:
    identity = current_identity()
    if not identity.is_service:
        raise errors.Forbidden(_("Only the system's own services may call this."))
    return identity


def actor_id(identity: Identity | None) -> str | None:
    return identity.user_id if identity is not None else None
