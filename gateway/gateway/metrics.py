"""The gateway's own Prometheus metrics, in the chassis' registry (served at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from servicekit.metrics import ServiceMetrics


class GatewayMetrics:
    def __init__(self, metrics: ServiceMetrics):
        self.upstream_requests = Counter(
            "gateway_upstream_requests_total", "Calls forwarded to a service, by service and answer status "
            "(502/503/504 when the service failed)", ["service", "status"], registry=metrics.registry)
        self.upstream_latency = Histogram(
            "gateway_upstream_duration_seconds", "Time until a service's answer began", ["service"],
            registry=metrics.registry)
        self.logins = Counter(
            "gateway_logins_total", "Log-in attempts by method and outcome (ok, invalid, refused)",
            ["method", "outcome"], registry=metrics.registry)
