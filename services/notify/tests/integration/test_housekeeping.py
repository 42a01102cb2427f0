"""Old records are removed; what is still in flight is kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from notify.housekeeping import Housekeeping
from notify.models import InboundMail, Notification, OutgoingMail, new_id
from servicekit.db import utcnow


def mail(status: str, age_days: float) -> OutgoingMail:
    return OutgoingMail(id=new_id(), notice_key=new_id(), recipient="user:x", kind="case_status", context={},
                        message_id=f"<{new_id()}@sd.example>", references=[], status=status,
                        created_at=utcnow() - timedelta(days=age_days), next_attempt_at=utcnow())


def test_old_sent_mail_notices_and_inbound_records_go_and_pending_mail_stays(clean_database):
    with clean_database.transaction() as session:
        session.add_all([mail("sent", 400), mail("failed", 400), mail("pending", 400), mail("sent", 10)])
        session.add_all([
            Notification(id=new_id(), user_id="u", notice_key=new_id(), kind="case_status", params={},
                         created_at=utcnow() - timedelta(days=400)),
            Notification(id=new_id(), user_id="u", notice_key=new_id(), kind="case_status", params={},
                         created_at=utcnow()),
            InboundMail(id=new_id(), message_id="<old@x>", from_email="a@x", outcome="published",
                        received_at=utcnow() - timedelta(days=100)),
        ])
    Housekeeping(clean_database, mail_days=365, notification_days=365, webhook_days=30, inbound_days=90).purge()
    with clean_database.transaction() as session:
        assert sorted(session.scalars(select(OutgoingMail.status))) == ["pending", "sent"]
        assert session.scalar(select(func.count()).select_from(Notification)) == 1
        assert session.scalar(select(func.count()).select_from(InboundMail)) == 0
