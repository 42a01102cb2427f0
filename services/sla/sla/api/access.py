"""Who may do what, decided from the identity the gateway vouches for."""

from __future__ import annotations

from datetime import timedelta

from flask import request

from servicekit import errors
from servicekit.auth import Identity
from servicekit.db import utcnow
from servicekit.web import current_identity, service

from ..i18n import _
from ..service.concurrency import parse_if_match


def staff() -> Identity:
    """Agents, dispatchers, admins and services; a requester is refused."""
    identity = current_identity()
    if not identity.is_staff:
        raise errors.Forbidden(_("Only staff may see SLA settings and figures."))
    return identity


def admin() -> Identity:
    identity = current_identity()
    if not (identity.is_admin or identity.is_service):
        raise errors.Forbidden(_("Only administrators may change SLA policies and calendars."))
    return identity


def case_reader() -> Identity:
    """SLA clocks are internal: to a requester a case's SLA does not exist (404, never 403)."""
    identity = current_identity()
    if not identity.is_staff:
        raise errors.NotFound(_("There is nothing at this address, or you may not see it."))
    return identity


def if_match() -> int | None:
    return parse_if_match(request.headers.get("If-Match"))


def auto_close_after() -> timedelta:
    return timedelta(seconds=service().settings.auto_close_after)


def replanning() -> dict:
    """What re-planning the open clocks after an admin change needs: when, and in chunks of how many."""
    settings = service().settings
    return {"now": now(), "auto_close_after": auto_close_after(), "batch_size": settings.replan_batch_size}


def now():
    return utcnow()
