"""The status of a case per version, recorded from every ``case.*`` event whatever order they arrive in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import CaseSnapshot
from ..models import CaseTransition
from .rows import insert_unless_present


def record_transition(session: Session, snapshot: CaseSnapshot) -> bool:
    """Note the status of the case at the snapshot's version; False if it was known already (another
    event of the same version, or a redelivery)."""
    table = CaseTransition.__table__
    recorded = session.execute(
        insert_unless_present(session, table)
        .values(case_id=snapshot.id, version=snapshot.version, status=snapshot.status, at=snapshot.entered_at)
        .returning(table.c.version)
    ).first()
    return recorded is not None


def transitions_of(session: Session, case_id: str) -> list[CaseTransition]:
    """Every recorded version of the case, oldest first."""
    return list(session.scalars(select(CaseTransition).where(CaseTransition.case_id == case_id)
                                .order_by(CaseTransition.version)))
