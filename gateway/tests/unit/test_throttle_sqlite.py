"""Log-in throttling on SQLite (the embedded mode): the same counters and lock-out as on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.app import MIGRATIONS_DIR
from gateway.auth.throttle import LoginRefused, Throttle, ThrottlePolicy, purge_expired
from gateway.models import LoginThrottle
from servicekit.db import Database, utcnow
from servicekit.migrations import upgrade


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade(url, MIGRATIONS_DIR)
    db = Database(url)
    yield db
    db.dispose()


def test_a_client_over_its_limit_is_refused_until_the_window_ends(database):
    throttle = Throttle(database, ThrottlePolicy(client_limit=3, client_window=timedelta(minutes=5)))
    for _ in range(3):
        throttle.admit("10.0.0.1", "a@example.dk")
    with pytest.raises(LoginRefused) as refused:
        throttle.admit("10.0.0.1", "b@example.dk")
    assert refused.value.reason == "client" and 290 <= refused.value.retry_after <= 300
    throttle.admit("10.0.0.2", "a@example.dk")


def test_an_account_is_locked_after_the_failures_and_freed_by_a_success(database):
    throttle = Throttle(database, ThrottlePolicy(max_failures=2, lockout=timedelta(seconds=30)))
    throttle.failed("a@example.dk")
    throttle.admit("10.0.0.1", "a@example.dk")
    throttle.failed("a@example.dk")
    with pytest.raises(LoginRefused) as refused:
        throttle.admit("10.0.0.1", "a@example.dk")
    assert refused.value.reason == "account"
    throttle.succeeded("a@example.dk")
    throttle.admit("10.0.0.1", "a@example.dk")


def test_old_counters_are_purged(database):
    throttle = Throttle(database, ThrottlePolicy())
    throttle.admit("10.0.0.1", "a@example.dk")
    with database.transaction() as session:
        session.get(LoginThrottle, "client:10.0.0.1").window_started_at = utcnow() - timedelta(days=2)
    assert purge_expired(database, timedelta(days=1)) == 1
