"""A service's own metrics: registered once per context, however often its worker is built."""

import pytest
from prometheus_client import Counter, Gauge

from servicekit.metrics import ServiceMetrics


def test_asking_twice_for_a_metric_gives_the_one_registered_first():
    metrics = ServiceMetrics("kit")
    first = metrics.own(Counter, "kit_things_total", "Things done", ["outcome"])
    again = metrics.own(Counter, "kit_things_total", "Things done", ["outcome"])
    assert again is first
    again.labels("ok").inc()
    scraped = metrics.render().decode()
    assert scraped.count("# TYPE kit_things_total counter") == 1
    assert 'kit_things_total{outcome="ok"} 1.0' in scraped


def test_a_name_taken_by_another_kind_or_other_labels_is_refused():
    metrics = ServiceMetrics("kit")
    metrics.own(Counter, "kit_things_total", "Things done", ["outcome"])
    with pytest.raises(ValueError, match="kit_things_total"):
        metrics.own(Gauge, "kit_things_total", "Things done", ["outcome"])
    with pytest.raises(ValueError, match="kit_things_total"):
        metrics.own(Counter, "kit_things_total", "Things done", ["kind"])
