"""Reading a case's history: staff see every entry, requesters only those about what they may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.auth import Identity
from servicekit.pagination import fetch_page

from ..models import HistoryEntry
from .common import get_case


def list_history(session: Session, viewer: Identity, case_id: str, *, page: int,
                 per_page: int) -> tuple[list[Any], int]:
    case = get_case(session, viewer, case_id)
    query = select(HistoryEntry).where(HistoryEntry.case_id == case.id)
    if not viewer.is_staff:
        query = query.where(HistoryEntry.internal.is_(False))
    rows, total = fetch_page(session, query.order_by(HistoryEntry.id), page=page, per_page=per_page)
    return [entry for (entry,) in rows], total
