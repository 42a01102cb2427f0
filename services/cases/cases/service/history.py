"""Reading a case's history: staff see every entry, requesters only those about what they may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekit.auth import Identity

from ..models import HistoryEntry
from .common import get_case


def list_history(session: Session, viewer: Identity, case_id: str, *, page: int,
                 per_page: int) -> tuple[list[Any], int]:
    case = get_case(session, viewer, case_id)
    query = select(HistoryEntry, func.count().over()).where(HistoryEntry.case_id == case.id)
    if not viewer.is_staff:
        query = query.where(HistoryEntry.internal.is_(False))
    rows = session.execute(query.order_by(HistoryEntry.id).limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        return [entry for entry, _total in rows], rows[0][1]
    return [], session.scalar(select(func.count()).select_from(query.subquery())) or 0
