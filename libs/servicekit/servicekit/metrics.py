"""Prometheus metrics, one registry per service (services may share a process)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,  # noqa: F401  (re-exported for the web layer)
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

Metric = TypeVar("Metric", Counter, Gauge, Histogram)


class ServiceMetrics:
    def __init__(self, service: str):
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "http_requests_total", "HTTP requests handled", ["method", "endpoint", "status"], registry=self.registry
        )
        self.http_latency = Histogram(
            "http_request_duration_seconds", "Time to answer an HTTP request", ["method", "endpoint"],
            registry=self.registry,
        )
        self.events_published = Counter(
            "outbox_events_published_total", "Events published from the outbox", registry=self.registry
        )
        self.events_consumed = Counter(
            "events_consumed_total", "Events taken from the service's queue, by outcome", ["outcome"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "outbox_pending_events", "Events committed but not yet published", registry=self.registry
        )
        self._own: dict[str, tuple[type, tuple[str, ...], Counter | Gauge | Histogram]] = {}
        self._own_lock = threading.Lock()

    def own(self, kind: type[Metric], name: str, documentation: str, labelnames: Sequence[str] = ()) -> Metric:
        """The service's own metric ``name``, registered on the first call and the same object on every later one.

        The registry refuses a name twice, and a process may build a service's worker (or app) more than once
        on one context: the tests, the embedded launcher, a management command.
        """
        with self._own_lock:
            known = self._own.get(name)
            if known is None:
                metric = kind(name, documentation, labelnames, registry=self.registry)
                self._own[name] = (kind, tuple(labelnames), metric)
                return metric
        known_kind, known_labels, metric = known
        if (known_kind, known_labels) != (kind, tuple(labelnames)):
            raise ValueError(f"metric {name} is already a {known_kind.__name__} with labels {known_labels}")
        return metric

    def count_outbox_with(self, count: Callable[[], int]) -> None:
        """Read ``outbox_pending_events`` from ``count`` at each scrape (-1 while it cannot be counted)."""

        def pending_or_minus_one() -> float:
            try:
                return float(count())
            except Exception:  # a scrape must never fail because the database is away
                return -1.0

        self.outbox_pending.set_function(pending_or_minus_one)

    def render(self) -> bytes:
        return generate_latest(self.registry)
