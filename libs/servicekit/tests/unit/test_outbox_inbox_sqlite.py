"""Outbox, inbox and consumer on SQLite and the in-process broker (the embedded mode)."""

import threading
import time
from datetime import UTC, datetime

import pytest
from kombu import Queue
from ledger import add_entry_and_event, create_schema, entries, make_context, make_handlers

from servicekit.bus import ConsumerTopology, EventBus, EventConsumer
from servicekit.db import Database
from servicekit.events import Event
from servicekit.inbox import claim
from servicekit.outbox import OutboxRelay, publish_again_since, record_events, wakeups
from servicekit.worker import EventDispatcher, Worker, drain_workers


@pytest.fixture
def memory_bus(request):
    return EventBus("memory://", exchange=f"mem.{request.node.name}", queue_prefix=f"{request.node.name}.")


def collect(bus, pattern="#"):
    """A plain queue bound to the exchange, to see what was published."""
    conn = bus.connect()
    queue = Queue(f"{bus.queue_prefix}spy", exchange=bus.exchange, routing_key=pattern)
    queue(conn.channel()).declare()
    return conn, queue


def drain(conn, queue):
    bound = queue(conn.channel())
    bodies = []
    while (message := bound.get(no_ack=True)) is not None:
        bodies.append(Event.from_json(message.body))
    return bodies


def test_a_rolled_back_change_leaves_nothing_to_publish(database, memory_bus):
    try:
        with database.transaction() as session:
            add_entry_and_event(session, "created")
            raise RuntimeError("business rule failed")
    except RuntimeError:
        pass
    assert OutboxRelay(database, memory_bus).pending_count() == 0


def test_relay_publishes_committed_events_once_and_marks_them(database, memory_bus):
    conn, spy = collect(memory_bus)
    with database.transaction() as session:
        event = add_entry_and_event(session, "created")
    relay = OutboxRelay(database, memory_bus)
    assert relay.pending_count() == 1
    assert relay.publish_pending() == 1
    assert relay.publish_pending() == 0
    assert [e.id for e in drain(conn, spy)] == [event.id]


def test_a_batch_of_events_is_recorded_in_one_statement_and_published_in_order(database, memory_bus):
    from sqlalchemy import event as sa_event

    conn, spy = collect(memory_bus)
    batch = [Event.new("ledger.counted", service="ledger", subject=str(n), data={"n": n}) for n in range(3)]
    inserts = []
    sa_event.listen(database.engine, "before_cursor_execute",
                    lambda c, cur, statement, *a: inserts.append(statement) if "INSERT" in statement else None)
    with database.transaction() as session:
        record_events(session, batch)
        record_events(session, [])
    assert len(inserts) == 1
    assert OutboxRelay(database, memory_bus).publish_pending() == 3
    assert [e.id for e in drain(conn, spy)] == [e.id for e in batch]


def test_commit_wakes_the_relay_in_the_same_process(database, memory_bus):
    signal = wakeups.signal_for(database.engine.url.render_as_string(hide_password=False))
    signal.clear()
    with database.transaction() as session:
        add_entry_and_event(session, "created")
    assert signal.is_set()
    signal.clear()
    with database.transaction() as session:
        session.execute(__import__("sqlalchemy").text("SELECT 1"))
    assert not signal.is_set()


def test_running_relay_publishes_promptly_after_commit(database, memory_bus):
    conn, spy = collect(memory_bus)
    relay = OutboxRelay(database, memory_bus, idle_wait=30)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        time.sleep(0.2)
        with database.transaction() as session:
            add_entry_and_event(session, "created")
        deadline = time.monotonic() + 5
        while relay.pending_count() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert relay.pending_count() == 0
    finally:
        stop.set()
        thread.join(5)
    assert len(drain(conn, spy)) == 1


def test_events_published_since_a_moment_can_be_published_again(database, memory_bus):
    relay = OutboxRelay(database, memory_bus)
    with database.transaction() as session:
        add_entry_and_event(session, "before")
    relay.publish_pending()
    since = datetime.now(UTC)
    with database.transaction() as session:
        again = [add_entry_and_event(session, "after"), add_entry_and_event(session, "after")]
    relay.publish_pending()
    conn, spy = collect(memory_bus)
    assert publish_again_since(database, since) == 2
    assert relay.publish_pending() == 2
    assert [e.id for e in drain(conn, spy)] == [e.id for e in again]


def test_inbox_claims_an_event_once_per_consumer(database):
    with database.transaction() as session:
        assert claim(session, "cases", "e-1", "x") is True
        assert claim(session, "cases", "e-1", "x") is False
        assert claim(session, "tasks", "e-1", "x") is True


def test_dispatcher_applies_a_redelivered_event_once(database):
    dispatch = EventDispatcher("ledger", database, make_handlers())
    event = Event.new("ledger.created", service="other", subject="s", data={"kind": "created", "version": 1})
    dispatch(event)
    dispatch(event)
    assert entries(database) == [(event.id, "created")]


def test_dispatcher_rolls_back_the_claim_when_a_handler_fails(database):
    dispatch = EventDispatcher("ledger", database, make_handlers(fail_kinds=("poison",)))
    event = Event.new("ledger.poison", service="other", subject="s", data={"kind": "poison"})
    with pytest.raises(RuntimeError):
        dispatch(event)
    with database.transaction() as session:
        assert claim(session, "ledger", event.id, event.type) is True


def test_in_process_consumer_retries_then_dead_letters_without_blocking(database, memory_bus):
    topology = ConsumerTopology(memory_bus, "ledger", ("ledger.#",), retry_delays=(0.05, 0.05))
    outcomes = []
    consumer = EventConsumer(
        topology, EventDispatcher("ledger", database, make_handlers(fail_kinds=("poison",))),
        on_outcome=outcomes.append,
    )
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    assert consumer.ready.wait(5)
    events = [Event.new(f"ledger.{k}", service="o", subject="s", data={"kind": k}) for k in ("poison", "ok1", "ok2")]
    from servicekit.bus import OutgoingMessage

    memory_bus.publish_many([OutgoingMessage(e.type, e.to_json(), e.id) for e in events])
    deadline = time.monotonic() + 10
    while "dead_lettered" not in outcomes and time.monotonic() < deadline:
        time.sleep(0.02)
    consumer.stop()
    thread.join(5)
    consumer.close()
    assert sorted(kind for _, kind in entries(database)) == ["ok1", "ok2"]
    assert outcomes.count("retried") == 2
    assert outcomes.count("dead_lettered") == 1
    with memory_bus.connect() as conn:
        dead = topology.dead_letter_queue()(conn.channel()).get(no_ack=True)
    assert Event.from_json(dead.body).id == events[0].id


def test_a_second_transaction_in_the_same_thread_is_refused_at_once_on_sqlite(database):
    from servicekit.db import NestedTransactionError

    outer = database.session()
    outer.execute(__import__("sqlalchemy").text("SELECT 1"))
    with pytest.raises(NestedTransactionError), database.transaction() as inner:
        inner.execute(__import__("sqlalchemy").text("SELECT 1"))
    outer.rollback()
    with database.transaction() as again:
        again.execute(__import__("sqlalchemy").text("SELECT 1"))
    outer.close()


def test_draining_the_workers_lets_every_event_in_the_in_process_broker_arrive_before_the_stop(tmp_path,
                                                                                               memory_bus):
    """The in-process broker keeps nothing, so what its queues hold at a stop must be consumed first."""
    source_db, ledger_db = Database(f"sqlite:///{tmp_path}/source.db"), Database(f"sqlite:///{tmp_path}/ledger.db")
    create_schema(source_db)
    create_schema(ledger_db)
    exchange, prefix = memory_bus.exchange.name, memory_bus.queue_prefix
    source = Worker(make_context(source_db.url, "memory://", exchange, prefix, name="source"), handlers={})
    ledger = Worker(make_context(ledger_db.url, "memory://", exchange, prefix), handlers=make_handlers(delay=0.05))
    ledger.start()
    assert ledger.wait_until_consuming(5)
    with source.context.database.transaction() as session:
        for n in range(60):
            add_entry_and_event(session, f"n{n}", service="source")
    source.start()
    try:
        # the broker's queue only (the databases are busy): work is in flight, a stop now would lose it
        assert wait_until(lambda: ledger.consumer.queued() > 0)
        assert drain_workers([source, ledger], timeout=10) == []
    finally:
        source.stop(5)
        ledger.stop(5)
    assert len(entries(ledger.context.database)) == 60
    assert source.relay.pending_count() == 0


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()
