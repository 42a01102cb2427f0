"""The notify worker's own Prometheus counters (on the service's registry, served with the rest)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class NotifyMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.mails = Counter("notify_mails_total", "Outgoing mails by outcome (sent, retry, fail)", ["outcome"],
                             registry=registry)
        self.webhooks = Counter("notify_webhook_attempts_total",
                                "Webhook delivery attempts by outcome (delivered, retry, failed)", ["outcome"],
                                registry=registry)
        self.inbound = Counter("notify_inbound_mails_total", "Inbound mails by outcome", ["outcome"],
                               registry=registry)
