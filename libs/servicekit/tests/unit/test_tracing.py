"""The trace of a request goes on through every event hop: a consumer's logs and the events it records carry it."""

import io
import json
import logging
import threading
import time

import pytest
from kombu import Queue
from ledger import make_context
from sqlalchemy import select

from servicekit.bus import ConsumerTopology, EventBus, EventConsumer, OutgoingMessage
from servicekit.db import Database
from servicekit.events import Event, trace_id_of
from servicekit.logs import log_handler
from servicekit.outbox import outbox_table, record_event
from servicekit.worker import EventDispatcher, Worker

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
log = logging.getLogger("ledger.handlers")


@pytest.fixture
def json_logs():
    """What the servicekit JSON log handler writes, one dict per record, from every logger."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    root = logging.getLogger()
    root.addHandler(handler)
    level, root.level = root.level, logging.INFO
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def follow_up_handlers(fail: bool = False):
    """A handler that logs, then records an event of its own (or fails)."""

    def on_order(session, event: Event) -> None:
        log.info("handling %s", event.type)
        if fail:
            raise RuntimeError("cannot handle it")
        record_event(session, Event.new("ledger.followed_up", service="ledger", subject=event.subject, data={}))

    return {"shop.#": on_order}


def incoming(traceparent: str | None) -> Event:
    return Event("shop.ordered", "servicedesk/shop", "o-1", {"version": 1}, traceparent=traceparent,
                 correlationid="corr-1")


def recorded(database: Database) -> list[Event]:
    with database.transaction() as session:
        return [Event.from_json(body) for body in session.scalars(select(outbox_table.c.body))]


def test_a_handler_logs_and_records_its_events_in_the_trace_of_the_event_it_handles(database, json_logs):
    event = incoming(f"00-{TRACE}-{SPAN}-01")
    EventDispatcher("ledger", database, follow_up_handlers())(event)

    [line] = [r for r in json_logs() if r["message"] == "handling shop.ordered"]
    assert (line["trace_id"], line["event_id"]) == (TRACE, event.id)
    [follow_up] = recorded(database)
    assert trace_id_of(follow_up.traceparent) == TRACE
    assert follow_up.traceparent.split("-")[2] != SPAN, "a span of its own"
    assert (follow_up.causationid, follow_up.correlationid) == (event.id, "corr-1")


def test_an_event_without_a_trace_starts_one_that_its_redeliveries_and_follow_ups_share(database, json_logs):
    event = incoming(None)
    dispatch = EventDispatcher("ledger", database, follow_up_handlers(fail=True))
    for _ in range(2):
        with pytest.raises(RuntimeError):
            dispatch(event)
    first, second = [r["trace_id"] for r in json_logs() if r["message"] == "handling shop.ordered"]
    assert first == second and len(first) == 32

    EventDispatcher("ledger", database, follow_up_handlers())(event)
    [follow_up] = recorded(database)
    assert trace_id_of(follow_up.traceparent) == first


def test_the_consumers_own_log_of_a_failure_carries_the_trace(database, json_logs, request):
    bus = EventBus("memory://", exchange=f"mem.{request.node.name}", queue_prefix=f"{request.node.name}.")
    topology = ConsumerTopology(bus, "ledger", ("shop.#",), retry_delays=(30.0,))
    outcomes = []
    consumer = EventConsumer(topology, EventDispatcher("ledger", database, follow_up_handlers(fail=True)),
                             on_outcome=outcomes.append)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    try:
        assert consumer.ready.wait(5)
        event = incoming(f"00-{TRACE}-{SPAN}-01")
        bus.publish_many([OutgoingMessage(event.type, event.to_json(), event.id)])
        deadline = time.monotonic() + 5
        while "retried" not in outcomes and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        consumer.stop()
        thread.join(5)
        consumer.close()
    [failure] = [r for r in json_logs() if r["message"].startswith("handling shop.ordered") and r["level"] == "WARNING"]
    assert (failure["trace_id"], failure["event_id"]) == (TRACE, event.id)


def test_the_trace_crosses_a_worker_from_the_event_it_consumes_to_the_event_it_publishes(database, request):
    context = make_context(database.url, "memory://", f"mem.{request.node.name}", f"{request.node.name}.")
    bus = context.bus
    conn = bus.connect()
    spy = Queue(f"{bus.queue_prefix}spy", exchange=bus.exchange, routing_key="ledger.#")(conn.channel())
    spy.declare()
    worker = Worker(context, handlers=follow_up_handlers())
    worker.start()
    try:
        assert worker.wait_until_consuming(5)
        event = incoming(f"00-{TRACE}-{SPAN}-01")
        bus.publish_many([OutgoingMessage(event.type, event.to_json(), event.id)])
        deadline = time.monotonic() + 5
        while (message := spy.get(no_ack=True)) is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop(5)
        conn.release()
        context.database.dispose()
    assert message is not None, "the follow-up was published"
    published = Event.from_json(message.body)
    assert (published.type, trace_id_of(published.traceparent)) == ("ledger.followed_up", TRACE)
