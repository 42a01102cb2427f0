"""The case a task is on: from the replica, or asked of the cases service when the replica lacks it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.errors import NotFound

from ..gateway import CaseSource
from ..i18n import _
from ..models import CaseReplica
from .replicas import apply_case


def known_case(session: Session, case_id: str, cases: CaseSource, *, share_lock: bool = False) -> CaseReplica:
    """The case, 404 when there is no such case.  Only a case missing from the replica (its events may still
    be on their way) is asked of the cases service.  ``share_lock`` makes a concurrent close wait for this
    transaction."""
    case = _replica(session, case_id, share_lock)
    if case is None:
        _adopt(session, case_id, cases)
        case = _replica(session, case_id, share_lock)
    return case


def _replica(session: Session, case_id: str, share_lock: bool) -> CaseReplica | None:
    statement = select(CaseReplica).where(CaseReplica.id == case_id)
    if share_lock:
        statement = statement.with_for_update(read=True)
    return session.execute(statement).scalar_one_or_none()


def _adopt(session: Session, case_id: str, cases: CaseSource) -> None:
    """What the cases service answers goes into the replica as the case's events would (by version), and is
    kept, so that the next look-up need not ask again."""
    session.rollback()  # nothing done yet: hold no connection while the cases service answers
    data = cases.find_case(case_id)
    if data is None:
        raise NotFound(_("There is no such case."), case_id=case_id)
    apply_case(session, data)
    session.commit()
