"""Old rows go: sent mail, read notices, finished webhook deliveries and the inbound-mail record.

What is kept and for how long is set by ``*_RETENTION_DAYS``.  A notice goes
``NOTIFICATION_RETENTION_DAYS`` after it was made once it has been read; an
unread one stays (it is still news to its reader) until the much longer
``NOTIFICATION_UNREAD_RETENTION_DAYS`` (default three years), so the table of
someone who never reads them cannot grow for ever.  An old mail's Message-ID
goes with it: a late reply still finds its case by the thread root in
``References`` or by the number in the subject, but is no longer
``sender_verified``.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import delete

from servicekit.db import Database, utcnow

from .models import InboundMail, Notification, OutgoingMail, WebhookDelivery
from .polling import repeat

log = logging.getLogger(__name__)

HOUR = 3600.0


class Housekeeping:
    def __init__(self, database: Database, *, mail_days: float, notification_days: float,
                 unread_notification_days: float, webhook_days: float, inbound_days: float):
        self.database = database
        self.keep = {"mail": mail_days, "notification": notification_days, "unread": unread_notification_days,
                     "webhook": webhook_days, "inbound": inbound_days}

    def purge(self) -> int:
        now = utcnow()

        def before(days: float):
            return now - timedelta(days=days)

        statements = [
            delete(OutgoingMail).where(OutgoingMail.status != "pending",
                                       OutgoingMail.created_at < before(self.keep["mail"])),
            delete(Notification).where(Notification.read_at.is_not(None),
                                       Notification.created_at < before(self.keep["notification"])),
            delete(Notification).where(Notification.created_at < before(self.keep["unread"])),
            delete(WebhookDelivery).where(WebhookDelivery.status != "pending",
                                          WebhookDelivery.created_at < before(self.keep["webhook"])),
            delete(InboundMail).where(InboundMail.received_at < before(self.keep["inbound"])),
        ]
        removed = 0
        with self.database.transaction() as session:
            for statement in statements:
                removed += session.execute(statement).rowcount or 0
        if removed:
            log.info("housekeeping removed %d old row(s)", removed)
        return 0  # one round an hour is enough, whatever it removed

    def run(self, stop: threading.Event) -> None:
        repeat(stop, self.purge, rest_seconds=HOUR, full_round=1, what="housekeeping")
