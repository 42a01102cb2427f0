"""The notify worker's own Prometheus metrics (on the service's registry, served with the rest)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge
from sqlalchemy import func, select

from servicekit.db import Database
from servicekit.metrics import ServiceMetrics

from .models import OutgoingMail


class NotifyMetrics:
    def __init__(self, metrics: ServiceMetrics, database: Database):
        self.database = database
        self.mails = metrics.own(Counter, "notify_mails_total", "Outgoing mails by outcome (sent, retry, fail)",
                                 ["outcome"])
        self.failed_mails = metrics.own(Gauge, "notify_mails_failed",
                                        "Mails given up (refused for good, or unsent after MAIL_GIVE_UP_AFTER) and "
                                        "not queued again; -1 while the database is away")
        self.failed_mails.set_function(self._failed_or_minus_one)
        self.webhooks = metrics.own(Counter, "notify_webhook_attempts_total",
                                    "Webhook delivery attempts by outcome (delivered, retry, failed)", ["outcome"])
        self.inbound = metrics.own(Counter, "notify_inbound_mails_total", "Inbound mails by outcome", ["outcome"])

    def _failed_or_minus_one(self) -> float:
        try:
            with self.database.transaction() as session:
                return float(session.scalar(select(func.count()).select_from(OutgoingMail)
                                            .where(OutgoingMail.status == "failed")) or 0)
        except Exception:  # a scrape must never fail because the database is away
            return -1.0
