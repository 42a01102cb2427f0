"""The outbox on PostgreSQL publishing to RabbitMQ: an event goes out if and only if its change committed."""

import json
import logging
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from kombu import Queue
from ledger import add_entry_and_event
from sqlalchemy import select, text, update

from servicekit.bus import EventBus, PublishFailed
from servicekit.db import Database, utcnow
from servicekit.inbox import InboxRetention, claim, inbox_table
from servicekit.outbox import OutboxRelay

HERE = Path(__file__).parent.parent


def wait_for(predicate, timeout=15.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(interval)
    return predicate()


def test_a_rolled_back_change_publishes_nothing(database, rabbit_bus, spy):
    try:
        with database.transaction() as session:
            add_entry_and_event(session, "created")
            raise RuntimeError("rule broken")
    except RuntimeError:
        pass
    OutboxRelay(database, rabbit_bus).publish_pending()
    assert spy() == []


def test_a_committed_change_is_published_persistently_with_its_envelope(database, rabbit_bus, spy):
    with database.transaction() as session:
        event = add_entry_and_event(session, "created")
    assert OutboxRelay(database, rabbit_bus).publish_pending() == 1
    [message] = wait_for(spy)
    assert message.properties["message_id"] == event.id
    assert message.properties["delivery_mode"] == 2
    assert message.delivery_info["routing_key"] == "ledger.created"
    assert json.loads(message.body)["id"] == event.id


def test_a_process_killed_between_commit_and_publish_still_publishes_after_restart(
    database, rabbit_bus, spy, ledger_db_url
):
    """The first process commits, starts publishing and dies by SIGKILL before it can mark anything."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(HERE)!r})
        from servicekit.bus import EventBus
        from servicekit.db import Database
        from servicekit.outbox import OutboxRelay
        from ledger import add_entry_and_event

        database = Database({ledger_db_url!r})
        with database.transaction() as session:
            for kind in ("one", "two", "three"):
                add_entry_and_event(session, kind)
        bus = EventBus({rabbit_bus.url!r}, exchange={rabbit_bus.exchange.name!r})
        original = bus.publish_many
        def publish_then_die(messages, conn=None):
            original(list(messages)[:1], conn)
            os.kill(os.getpid(), signal.SIGKILL)
        bus.publish_many = publish_then_die
        OutboxRelay(database, bus).publish_pending()
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode == -9, result.stderr.decode()
    relay = OutboxRelay(database, rabbit_bus)
    assert relay.pending_count() == 3

    def drained():
        relay.publish_pending()
        return relay.pending_count() == 0

    # PostgreSQL may hold the dead process's row locks a moment longer (SKIP LOCKED passes them by):
    # a running relay simply tries again, as this does
    assert wait_for(drained, timeout=30, interval=0.2)
    kinds = sorted(json.loads(m.body)["data"]["kind"] for m in wait_for(spy))
    # at least once: the one message out before the crash goes out again
    assert sorted(set(kinds)) == ["one", "three", "two"]


def test_two_relays_at_once_publish_every_row_exactly_once(database, rabbit_bus, spy, ledger_db_url):
    with database.transaction() as session:
        ids = [add_entry_and_event(session, f"k{i}").id for i in range(400)]
    relays = [OutboxRelay(Database(ledger_db_url), rabbit_bus, batch_size=25) for _ in range(2)]
    published = [0, 0]

    def run(index):
        while (n := relays[index].publish_pending()) > 0:
            published[index] += n

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    messages = []
    wait_for(lambda: messages.extend(spy()) or len(messages) >= 400, timeout=20)
    received = [m.properties["message_id"] for m in messages]
    assert sorted(received) == sorted(ids)
    assert sum(published) == 400
    assert all(published), f"both relays should have worked: {published}"


def test_a_running_relay_wakes_on_notify_not_on_a_slow_poll(database, rabbit_bus, spy, ledger_db_url):
    """The write comes from another process: only PostgreSQL's NOTIFY can wake the relay."""
    relay = OutboxRelay(database, rabbit_bus, idle_wait=30)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        assert wait_for(lambda: _listening(database), timeout=10), "the relay listens from its start"
        time.sleep(0.3)  # the relay has looked at the (empty) outbox and waits
        script = textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(HERE)!r})
            from servicekit.db import Database
            from ledger import add_entry_and_event

            with Database({ledger_db_url!r}).transaction() as session:
                add_entry_and_event(session, "woken")
            """
        )
        subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
        committed = time.monotonic()
        assert wait_for(spy, timeout=5)
        assert time.monotonic() - committed < 2.0
    finally:
        stop.set()
        thread.join(5)


def test_a_commit_between_the_relays_start_and_its_first_wait_is_heard(database, rabbit_bus, spy, ledger_db_url):
    relay = OutboxRelay(database, rabbit_bus, idle_wait=30)
    original = relay.publish_pending

    def first_look_then_a_commit_elsewhere(conn=None):
        published = original(conn)
        if not getattr(relay, "_committed", False):
            relay._committed = True
            with Database(ledger_db_url).transaction() as session:  # another engine: no in-process wake-up
                add_entry_and_event(session, "early")
            from servicekit.outbox import wakeups

            wakeups.signal_for(Database(ledger_db_url).engine.url.render_as_string(hide_password=False)).clear()
        return published

    relay.publish_pending = first_look_then_a_commit_elsewhere
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    started = time.monotonic()
    thread.start()
    try:
        assert wait_for(spy, timeout=5)
        assert time.monotonic() - started < 3.0
    finally:
        stop.set()
        thread.join(5)


def _listening(database) -> bool:
    with database.transaction() as session:
        return bool(session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = :q"
        ), {"q": "LISTEN servicekit_outbox"}))


def test_a_relay_idle_longer_than_its_heartbeat_still_publishes_without_an_error(database, rabbit_bus, spy, caplog):
    """Nothing reads on a publishing connection, so the broker drops it after two silent heartbeats."""
    bus = EventBus(rabbit_bus.url, exchange=rabbit_bus.exchange.name, heartbeat=2)
    relay = OutboxRelay(database, bus, idle_wait=0.2)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        with database.transaction() as session:
            add_entry_and_event(session, "before")
        assert wait_for(spy, timeout=5)
        time.sleep(7)  # more than three heartbeats with nothing to publish
        with caplog.at_level(logging.WARNING, logger="servicekit"):
            with database.transaction() as session:
                after = add_entry_and_event(session, "after")
            [message] = wait_for(spy, timeout=5)
    finally:
        stop.set()
        thread.join(5)
    assert message.properties["message_id"] == after.id
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_batch_the_broker_refuses_stays_pending_and_goes_out_once_it_is_accepted(database, rabbit_bus):
    bus = EventBus(rabbit_bus.url, exchange=f"{rabbit_bus.exchange.name}.refusing")
    with bus.connect() as conn:
        channel = conn.channel()
        bus.declare_exchange(channel)
        full = Queue(f"{rabbit_bus.queue_prefix}always-full", exchange=bus.exchange, routing_key="#",
                     queue_arguments={"x-max-length": 0, "x-overflow": "reject-publish"})(channel)
        full.declare()
        try:
            with database.transaction() as session:
                add_entry_and_event(session, "refused")
            relay = OutboxRelay(database, bus)
            with pytest.raises(PublishFailed, match="refused 1 of 1"):
                relay.publish_pending()
            assert relay.pending_count() == 1
        finally:
            full.delete()
        try:
            assert relay.publish_pending() == 1
            assert relay.pending_count() == 0
        finally:
            bus.exchange(channel).delete()


def test_inbox_retention_forgets_old_claims_in_batches_on_postgresql(database):
    with database.transaction() as session:
        for n in range(5):
            assert claim(session, "ledger", f"old-{n}", "ledger.created")
        assert claim(session, "ledger", "recent", "ledger.created")
        session.execute(update(inbox_table).where(inbox_table.c.event_id.like("old-%"))
                        .values(received_at=utcnow() - timedelta(days=31)))
    assert InboxRetention(database, timedelta(days=30), batch_size=2).purge() == 5
    with database.transaction() as session:
        assert list(session.scalars(select(inbox_table.c.event_id))) == ["recent"]
