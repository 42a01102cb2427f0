"""Small helpers the identity use cases share."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit import errors


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(text: str) -> str:
    return f"%{escape_like(text.strip())}%"


UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def is_unique_violation(err: IntegrityError) -> bool:
    """Whether the database refused a duplicate of a unique key (any other integrity error is a bug)."""
    if getattr(err.orig, "sqlstate", None) == UNIQUE_VIOLATION:
        return True
    return isinstance(err.orig, sqlite3.IntegrityError) and str(err.orig).startswith("UNIQUE constraint failed")


def commit_unique(session: Session, conflict_message: str) -> None:
    """Commit; a unique key taken by a concurrent writer is a 409, not a 500."""
    try:
        session.commit()
    except IntegrityError as err:
        session.rollback()
        if not is_unique_violation(err):
            raise
        raise errors.Conflict(conflict_message) from None
