"""The gateway's own metrics live in the chassis' registry, and may be set up more than once on it."""

from gateway.metrics import GatewayMetrics
from servicekit.metrics import ServiceMetrics


def test_gateway_metrics_set_up_twice_on_one_registry_are_the_same_metrics():
    metrics = ServiceMetrics("gateway")
    first, second = GatewayMetrics(metrics), GatewayMetrics(metrics)

    first.logins.labels("password", "ok").inc()
    second.logins.labels("password", "ok").inc()
    second.upstream_requests.labels("cases", "200").inc()

    assert second.logins is first.logins
    assert metrics.registry.get_sample_value("gateway_logins_total", {"method": "password", "outcome": "ok"}) == 2
    assert metrics.registry.get_sample_value(
        "gateway_upstream_requests_total", {"service": "cases", "status": "200"}) == 1
