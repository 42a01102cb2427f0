"""The first administrator: from ``ADMIN_EMAIL``/``ADMIN_PASSWORD`` at first start,
or from ``gateway-manage create-admin``."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.db import Database

from ..auth.passwords import Passwords
from ..models import User
from .users import create_user, find_user_by_email, update_user

log = logging.getLogger(__name__)


def has_admin(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.is_admin.is_(True), User.active.is_(True)).limit(1)) is not None


def create_admin(session: Session, *, email: str, name: str, password: str, passwords: Passwords) -> dict:
    """Create an administrator, or make an existing user one (and set the password given)."""
    existing = find_user_by_email(session, email)
    if existing is None:
        return create_user(session, {"email": email.strip().lower(), "name": name, "password": password,
                                     "roles": ["admin", "agent"], "organisation_id": None, "language": "da",
                                     "shared_mailbox": False}, passwords, actor_id=None)
    roles = sorted(set(existing.roles) | {"admin", "agent"})
    return update_user(session, existing.id, {"roles": roles, "password": password, "active": True}, passwords,
                       actor=None)


def ensure_first_admin(database: Database, settings, passwords: Passwords) -> None:
    """At start: when no administrator exists yet and ``ADMIN_EMAIL``/``ADMIN_PASSWORD`` are set, create one."""
    if not (settings.admin_email and settings.admin_password):
        return
    try:
        with database.transaction() as session:
            if has_admin(session):
                return
            create_admin(session, email=settings.admin_email, name=settings.admin_name,
                         password=settings.admin_password, passwords=passwords)
            log.info("first administrator %s created", settings.admin_email)
    except (OperationalError, ProgrammingError):
        log.warning("the identity store is not migrated yet: run `gateway-manage migrate`; no admin created")
    except (errors.Conflict, IntegrityError):
        log.info("another process created the first administrator")
