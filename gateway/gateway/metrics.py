"""The gateway's own Prometheus metrics, in the chassis' registry (served at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from servicekit.metrics import ServiceMetrics


class GatewayMetrics:
    def __init__(self, metrics: ServiceMetrics):
        self.upstream_requests = metrics.own(
            Counter, "gateway_upstream_requests_total", "Calls forwarded to a service, by service and answer status "
            "(502/503/504 when the service failed)", ["service", "status"])
        self.upstream_latency = metrics.own(
            Histogram, "gateway_upstream_duration_seconds", "Time until a service's answer began", ["service"])
        self.logins = metrics.own(
            Counter, "gateway_logins_total", "Log-in attempts by method and outcome (ok, invalid, refused)",
            ["method", "outcome"])
