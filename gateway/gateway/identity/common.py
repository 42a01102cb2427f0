"""Small helpers the identity use cases share."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit import errors


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(text: str) -> str:
    return f"%{escape_like(text.strip())}%"


def commit_unique(session: Session, conflict_message: str) -> None:
    """Commit; a unique key taken by a concurrent writer is a 409, not a 500."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise errors.Conflict(conflict_message) from None
