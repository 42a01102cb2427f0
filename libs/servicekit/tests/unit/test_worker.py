"""The worker process: a dying loop stops it, its probes answer, its inbox does not grow without bound."""

import os
import signal
import socket
import threading
import time
from datetime import timedelta

import pytest
import requests
from ledger import add_entry_and_event, make_context, make_handlers
from sqlalchemy import select, update

from servicekit.config import ConfigError, ServiceConfig, load_settings
from servicekit.db import utcnow
from servicekit.inbox import InboxRetention, claim, inbox_table
from servicekit.worker import Worker, serve_probes


@pytest.fixture
def context(database, request):
    ctx = make_context(database.url, "memory://", f"mem.{request.node.name}", f"{request.node.name}.")
    yield ctx
    ctx.database.dispose()


def crashing(stop: threading.Event) -> None:
    raise RuntimeError("the SMTP server said something unexpected")


def ending_early(stop: threading.Event) -> None:
    return None


def idling(stop: threading.Event) -> None:
    stop.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("loop", "reason"), [(crashing, "mail-sender loop crashed"),
                                              (ending_early, "mail-sender loop ended on its own")])
def test_a_loop_that_dies_stops_the_whole_worker_with_exit_status_1(context, loop, reason):
    worker = Worker(context, handlers=make_handlers(), loops=[("idle", idling), ("mail-sender", loop)])
    guard = threading.Timer(20, worker.stop_event.set)  # a worker that would not stop by itself ends the test
    guard.start()
    try:
        status = worker.run_forever()
    finally:
        guard.cancel()
    assert status == 1
    assert worker.failure.startswith(reason), worker.failure
    assert not any(thread.is_alive() for thread in worker._threads), "every other loop stopped too"


def test_a_worker_stopped_by_sigterm_exits_0_and_gives_the_signal_back(context):
    before = signal.getsignal(signal.SIGTERM)
    worker = Worker(context, handlers=make_handlers(), loops=[("idle", idling)])
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
    assert worker.run_forever() == 0
    assert worker.failure is None
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_worker_probes_answer_healthz_and_metrics_with_the_outbox_count(context):
    with context.database.transaction() as session:
        add_entry_and_event(session, "created")
        add_entry_and_event(session, "updated")
    worker = Worker(context, handlers=make_handlers())
    port = free_port()
    server = serve_probes(worker, port, host="127.0.0.1")
    try:
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 503, "not started"
        worker.start_consuming()
        assert worker.wait_until_consuming(5)
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 200, health.text
        assert health.json() == {"status": "ok", "service": "ledger", "failure": None}
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "outbox_pending_events 2.0" in metrics
        assert requests.get(f"http://127.0.0.1:{port}/elsewhere", timeout=5).status_code == 404
    finally:
        worker.stop(5)
        server.shutdown()
        server.server_close()


def test_healthz_fails_once_a_loop_died(context):
    worker = Worker(context, handlers={}, loops=[("mail-sender", crashing)])
    port = free_port()
    server = serve_probes(worker, port, host="127.0.0.1")
    try:
        worker.start()
        assert worker.stop_event.wait(5)
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 503
        assert health.json()["failure"].startswith("mail-sender loop crashed")
    finally:
        worker.stop(5)
        server.shutdown()
        server.server_close()


def claims_left(database) -> set[str]:
    with database.transaction() as session:
        return set(session.scalars(select(inbox_table.c.event_id)))


def claim_received(database, event_id: str, days_ago: float) -> None:
    with database.transaction() as session:
        assert claim(session, "ledger", event_id, "ledger.created")
        session.execute(update(inbox_table).where(inbox_table.c.event_id == event_id)
                        .values(received_at=utcnow() - timedelta(days=days_ago)))


def test_inbox_retention_forgets_old_claims_in_batches_and_keeps_the_recent_ones(database):
    for n in range(7):
        claim_received(database, f"old-{n}", days_ago=31)
    claim_received(database, "recent", days_ago=29)
    retention = InboxRetention(database, timedelta(days=30), batch_size=3)
    assert retention.purge_batch(utcnow() - timedelta(days=30)) == 3
    assert retention.purge() == 4
    assert claims_left(database) == {"recent"}


def test_the_worker_runs_the_inbox_retention_of_its_settings(database, request):
    context = make_context(database.url, "memory://", f"mem.{request.node.name}", f"{request.node.name}.",
                           inbox_retention_days=10)
    claim_received(database, "old", days_ago=11)
    claim_received(database, "recent", days_ago=9)
    worker = Worker(context, handlers=make_handlers())
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while claims_left(database) != {"recent"} and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop(5)
        context.database.dispose()
    assert claims_left(database) == {"recent"}


def test_inbox_retention_is_30_days_unless_set_and_at_least_a_day():
    environ = {"SERVICE_NAME": "x", "DATABASE_URL": "sqlite://", "AMQP_URL": "memory://"}
    assert load_settings(ServiceConfig, environ).inbox_retention_days == 30
    assert load_settings(ServiceConfig, {**environ, "INBOX_RETENTION_DAYS": "90"}).inbox_retention_days == 90
    with pytest.raises(ConfigError) as refused:
        load_settings(ServiceConfig, {**environ, "INBOX_RETENTION_DAYS": "0"})
    assert "INBOX_RETENTION_DAYS" in refused.value.problems
