"""Consumers on RabbitMQ: idempotent, retried with back-off, dead-lettered, replayable, stopped gracefully."""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from kombu import Queue
from ledger import entries, ledger_cli, make_context, make_handlers

from servicekit.bus import (
    ConsumerTopology,
    EventBus,
    EventConsumer,
    OutgoingMessage,
    PublishFailed,
    replay_dead_letters,
)
from servicekit.events import Event
from servicekit.worker import EventDispatcher, Worker

HERE = Path(__file__).parent.parent


def wait_for(predicate, timeout=20.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(interval)
    return predicate()


@pytest.fixture
def service_bus(rabbit_bus):
    """A bus with a queue prefix of this test alone (its own service queues)."""
    return EventBus(rabbit_bus.url, exchange=rabbit_bus.exchange.name,
                    queue_prefix=f"{rabbit_bus.queue_prefix}{uuid.uuid4().hex[:6]}.")


@pytest.fixture
def topology(service_bus):
    topo = ConsumerTopology(service_bus, "ledger", ("ledger.#",), retry_delays=(0.2, 0.4), max_deliveries=5)
    yield topo
    with service_bus.connect() as conn:
        topo.delete(conn.channel())


def start_consumer(topology, database, fail_kinds=()):
    outcomes = []
    consumer = EventConsumer(topology, EventDispatcher("ledger", database, make_handlers(fail_kinds=fail_kinds)),
                             on_outcome=outcomes.append)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    assert consumer.ready.wait(10)

    def stop():
        consumer.stop()
        thread.join(10)
        consumer.close()

    return outcomes, stop


def publish(bus, *events):
    bus.publish_many([OutgoingMessage(e.type, e.to_json(), e.id) for e in events])


def ledger_event(kind):
    return Event.new(f"ledger.{kind}", service="elsewhere", subject="s", data={"kind": kind, "version": 1})


def test_the_queues_hold_their_delivery_limit_dead_letter_route_and_delays_on_the_broker(topology):
    """A declaration is accepted only with the arguments the broker holds, so each one is there as declared."""
    with topology.bus.connect() as conn:
        topology.declare(conn.channel())
        for queue in topology.all_queues():
            queue(conn.channel()).declare()  # the same arguments again: accepted
        main = topology.main_queue()
        assert main.queue_arguments["x-queue-type"] == "quorum"
        for argument, other in (("x-queue-type", "classic"), ("x-delivery-limit", 99),
                                ("x-dead-letter-exchange", "elsewhere"), ("x-dead-letter-routing-key", "elsewhere")):
            for changed in ({**main.queue_arguments, argument: other},
                            {k: v for k, v in main.queue_arguments.items() if k != argument}):
                with pytest.raises(Exception, match=f"PRECONDITION_FAILED.*'{argument}'"):
                    Queue(topology.queue_name, durable=True, queue_arguments=changed)(conn.channel()).declare()
        for retry in topology.retry_queues():
            changed = {**retry.queue_arguments, "x-message-ttl": retry.queue_arguments["x-message-ttl"] + 1}
            with pytest.raises(Exception, match="PRECONDITION_FAILED.*'x-message-ttl'"):
                Queue(retry.name, durable=True, queue_arguments=changed)(conn.channel()).declare()
        assert [r.queue_arguments["x-dead-letter-routing-key"] for r in topology.retry_queues()] == [
            topology.queue_name] * 2
        assert main.queue_arguments["x-dead-letter-routing-key"] == topology.dlq_name


def test_dead_lettering_waits_out_every_retry_delay_first(database, service_bus):
    topology = ConsumerTopology(service_bus, "ledger", ("ledger.#",), retry_delays=(0.5, 1.0), max_deliveries=5)
    outcomes, stop = start_consumer(topology, database, fail_kinds=("poison",))
    try:
        started = time.monotonic()
        publish(topology.bus, ledger_event("poison"))
        assert wait_for(lambda: "dead_lettered" in outcomes)
        waited = time.monotonic() - started
    finally:
        stop()
        with service_bus.connect() as conn:
            topology.delete(conn.channel())
    assert outcomes == ["retried", "retried", "dead_lettered"]
    assert waited >= 1.5, "back-off: 0.5 s and then 1 s in the delay queues"


def test_the_replay_dlq_command_moves_dead_letters_back(database, service_bus, ledger_db_url):
    context = make_context(ledger_db_url, service_bus.url, service_bus.exchange.name, service_bus.queue_prefix)
    cli = ledger_cli(context)
    topology = Worker(context, handlers=make_handlers()).topology
    with service_bus.connect() as conn:
        topology.declare(conn.channel())
        dead = ledger_event("fixed")
        service_bus.send_to_queue(conn, topology.dlq_name, dead.to_json(), dead.id,
                                  {"x-servicekit-retries": 2, "x-servicekit-error": "RuntimeError()"})
    try:
        result = CliRunner().invoke(cli, ["replay-dlq"])
        assert result.exit_code == 0, result.output
        assert f"1 event(s) moved back from {topology.dlq_name}" in result.output
        with service_bus.connect() as conn:
            moved = wait_for(lambda: topology.main_queue()(conn.channel()).get(no_ack=True))
            assert topology.dead_letter_queue()(conn.channel()).get(no_ack=True) is None
        assert moved.properties["message_id"] == dead.id
        assert "x-servicekit-retries" not in moved.headers, "the retries start again"
    finally:
        with service_bus.connect() as conn:
            topology.delete(conn.channel())
        context.database.dispose()


def test_events_published_after_migrate_wait_for_a_worker_that_has_never_run(postgres_databases, service_bus):
    """A fresh deployment: the migrate command declares the queues before any process publishes or consumes."""
    context = make_context(postgres_databases.create("fresh"), service_bus.url, service_bus.exchange.name,
                           service_bus.queue_prefix)
    worker = Worker(context, handlers=make_handlers())
    try:
        before = ledger_event("before_migrate")
        publish(service_bus, before)  # no queue bound yet: the exchange drops it
        result = CliRunner().invoke(ledger_cli(context), ["migrate"])
        assert result.exit_code == 0, result.output
        assert f"queue {worker.topology.queue_name} bound to ledger.#" in result.output
        after = ledger_event("after_migrate")
        publish(service_bus, after)
        with service_bus.connect() as conn:
            assert wait_for(lambda: worker.topology.main_queue()(conn.channel()).queue_declare(
                passive=True).message_count == 1), "the event waits in the queue"
        worker.start()
        assert wait_for(lambda: entries(context.database)) == [(after.id, "after_migrate")]
    finally:
        worker.stop(timeout=10)
        with service_bus.connect() as conn:
            worker.topology.delete(conn.channel())
        context.database.dispose()


def test_the_same_event_delivered_twice_is_applied_once(database, topology):
    outcomes, stop = start_consumer(topology, database)
    try:
        event = ledger_event("created")
        publish(topology.bus, event)
        publish(topology.bus, event)
        assert wait_for(lambda: len(outcomes) >= 2)
    finally:
        stop()
    assert entries(database) == [(event.id, "created")]


def test_a_poison_message_is_dead_lettered_after_its_retries_while_the_rest_flow(database, topology):
    outcomes, stop = start_consumer(topology, database, fail_kinds=("poison",))
    try:
        poison = ledger_event("poison")
        publish(topology.bus, poison, *[ledger_event(f"ok{i}") for i in range(5)])
        assert wait_for(lambda: len(entries(database)) == 5, timeout=5)
        assert "dead_lettered" not in outcomes, "the good messages must not wait for the poison's retries"
        assert wait_for(lambda: "dead_lettered" in outcomes)
    finally:
        stop()
    assert outcomes.count("retried") == 2
    with topology.bus.connect() as conn:
        dead = topology.dead_letter_queue()(conn.channel()).get(no_ack=False)
        assert dead.properties["message_id"] == poison.id
        assert "cannot handle poison" in dead.headers["x-servicekit-error"]
        dead.requeue()


def test_replaying_the_dlq_brings_a_fixed_message_home(database, topology):
    outcomes, stop = start_consumer(topology, database, fail_kinds=("flaky",))
    flaky = ledger_event("flaky")
    try:
        publish(topology.bus, flaky)
        assert wait_for(lambda: "dead_lettered" in outcomes)
    finally:
        stop()
    outcomes, stop = start_consumer(topology, database)  # the bug is fixed and deployed
    try:
        assert replay_dead_letters(topology) == 1
        assert wait_for(lambda: entries(database) == [(flaky.id, "flaky")])
    finally:
        stop()
    assert replay_dead_letters(topology) == 0


def test_sigterm_stops_the_worker_without_losing_or_doubling_events(database, topology, ledger_db_url):
    env = {
        **os.environ,
        "DATABASE_URL": ledger_db_url,
        "AMQP_URL": topology.bus.url,
        "EVENTS_EXCHANGE": topology.bus.exchange.name,
        "QUEUE_PREFIX": topology.bus.queue_prefix,
        "LEDGER_DELAY": "0.03",
    }

    def start_worker():
        process = subprocess.Popen([sys.executable, str(HERE / "ledger.py")], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout.readline().strip() == b"ready"
        return process

    worker = start_worker()
    with topology.bus.connect() as conn:  # wait until the worker has declared its queue
        wait_for(lambda: _queue_exists(conn, topology.queue_name))
    events = [ledger_event(f"n{i}") for i in range(120)]
    publish(topology.bus, *events)
    wait_for(lambda: len(entries(database)) >= 10)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0, worker.stderr.read().decode()[-2000:]
    handled_before_restart = len(entries(database))
    assert handled_before_restart < len(events), "the stop should have come mid-way"

    worker = start_worker()
    try:
        assert wait_for(lambda: len(entries(database)) >= len(events), timeout=30)
        time.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    ids = [event_id for event_id, _ in entries(database)]
    assert sorted(ids) == sorted(e.id for e in events)


def _queue_exists(conn, name):
    try:
        conn.channel().queue_declare(name, passive=True)
        return True
    except Exception:
        return False


def test_a_retry_after_an_idle_spell_longer_than_the_heartbeat_goes_out_on_a_live_connection(database, service_bus,
                                                                                           caplog):
    bus = EventBus(service_bus.url, exchange=service_bus.exchange.name, queue_prefix=service_bus.queue_prefix,
                   heartbeat=2)
    topology = ConsumerTopology(bus, "ledger", ("ledger.#",), retry_delays=(0.2,), max_deliveries=5)
    outcomes, stop = start_consumer(topology, database, fail_kinds=("flaky",))
    try:
        publish(bus, ledger_event("flaky"))
        assert wait_for(lambda: "dead_lettered" in outcomes)
        time.sleep(7)  # the connection for retry copies sits idle for more than three heartbeats
        with caplog.at_level(logging.WARNING, logger="servicekit"):
            late = ledger_event("flaky")
            publish(bus, late)
            assert wait_for(lambda: outcomes.count("dead_lettered") == 2)
    finally:
        stop()
        with bus.connect() as conn:
            topology.delete(conn.channel())
    assert outcomes.count("retried") == 2 and "requeued" not in outcomes, outcomes
    handled = [r for r in caplog.records if r.name == "servicekit.bus" and late.id in r.getMessage()]
    assert len(handled) == 2, "handled once, retried once: never redelivered because a copy failed"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
            and "dead-lettered after" not in r.getMessage()] == []


def test_a_copy_to_a_queue_that_does_not_exist_fails_instead_of_vanishing(service_bus):
    with service_bus.connect() as conn, pytest.raises(PublishFailed, match="no queue took"):
        service_bus.send_to_queue(conn, f"{service_bus.queue_prefix}nobody.here", b"{}", "m-1")


def test_an_event_whose_retry_queue_is_gone_is_not_lost_but_dead_lettered_by_the_broker(database, topology):
    outcomes, stop = start_consumer(topology, database, fail_kinds=("poison",))
    try:
        with topology.bus.connect() as conn:
            topology.retry_queues()[0](conn.channel()).delete()
        poison = ledger_event("poison")
        publish(topology.bus, poison)
        assert wait_for(lambda: outcomes.count("requeued") > topology.max_deliveries, timeout=20)
    finally:
        stop()
    assert "retried" not in outcomes
    with topology.bus.connect() as conn:
        dead = wait_for(lambda: topology.dead_letter_queue()(conn.channel()).get(no_ack=True), timeout=5)
    assert dead.properties["message_id"] == poison.id
    assert dead.headers["x-death"][0]["reason"] == "delivery_limit"


def test_new_retry_delays_after_a_deployment_get_queues_of_their_own_and_consumption_goes_on(database, topology):
    outcomes, stop = start_consumer(topology, database)  # the first deployment: delays 0.2 s and 0.4 s
    stop()
    redeployed = ConsumerTopology(topology.bus, "ledger", ("ledger.#",), retry_delays=(0.3, 1.0), max_deliveries=5)
    outcomes, stop = start_consumer(redeployed, database, fail_kinds=("flaky",))
    try:
        publish(topology.bus, ledger_event("flaky"))
        assert wait_for(lambda: "dead_lettered" in outcomes)
    finally:
        stop()
        with topology.bus.connect() as conn:
            redeployed.delete(conn.channel())
    assert outcomes.count("retried") == 2
    assert [q.name.rsplit(".", 1)[-1] for q in redeployed.retry_queues()] == ["300ms", "1s"]


def test_a_worker_whose_queue_holds_another_delivery_limit_stops_and_says_what_to_do(topology, ledger_db_url):
    with topology.bus.connect() as conn:
        topology.declare(conn.channel())  # deployed with MAX_DELIVERIES=5
    env = {**os.environ, "DATABASE_URL": ledger_db_url, "AMQP_URL": topology.bus.url,
           "EVENTS_EXCHANGE": topology.bus.exchange.name, "QUEUE_PREFIX": topology.bus.queue_prefix,
           "LEDGER_MAX_DELIVERIES": "7"}
    result = subprocess.run([sys.executable, str(HERE / "ledger.py")], env=env, capture_output=True, text=True,
                            timeout=20)
    assert result.returncode == 1
    assert "MAX_DELIVERIES differs" in result.stderr
    assert f"rabbitmqctl delete_queue {topology.queue_name}" in result.stderr
