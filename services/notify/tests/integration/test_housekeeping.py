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


def notice(name: str, age_days: float, read: bool) -> Notification:
    made = utcnow() - timedelta(days=age_days)
    return Notification(id=new_id(), user_id="u", notice_key=name, kind="case_status", params={}, created_at=made,
                        read_at=made if read else None)


def test_old_sent_mail_read_notices_and_inbound_records_go_and_pending_mail_and_unread_notices_stay(
        clean_database):
    with clean_database.transaction() as session:
        session.add_all([mail("sent", 400), mail("failed", 400), mail("pending", 400), mail("sent", 10)])
        session.add_all([notice("old read", 400, True), notice("new read", 10, True),
                         notice("old unread", 400, False), notice("ancient unread", 1200, False)])
        session.add(InboundMail(id=new_id(), message_id="<old@x>", from_email="a@x", outcome="published",
                                received_at=utcnow() - timedelta(days=100)))
    Housekeeping(clean_database, mail_days=365, notification_days=365, unread_notification_days=1095,
                 webhook_days=30, inbound_days=90).purge()
    with clean_database.transaction() as session:
        assert sorted(session.scalars(select(OutgoingMail.status))) == ["pending", "sent"]
        assert sorted(session.scalars(select(Notification.notice_key))) == ["new read", "old unread"]
        assert session.scalar(select(func.count()).select_from(InboundMail)) == 0
