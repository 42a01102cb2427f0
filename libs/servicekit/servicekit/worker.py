"""The worker process of a service: outbox relay, event consumer and any
background loops, each on its own thread, stopped gracefully on SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from prometheus_client import start_http_server
from sqlalchemy.orm import Session

from .bus import ConsumerTopology, EventConsumer, QueueArgumentsChanged, topic_matches
from .db import Database
from .events import Event, consuming
from .inbox import claim
from .logs import service_var
from .outbox import OutboxRelay
from .web import ServiceContext

log = logging.getLogger(__name__)

EventHandlerFn = Callable[[Session, Event], None]
Loop = Callable[[threading.Event], None]


class EventDispatcher:
    """Runs every handler whose pattern matches, once per event, in one transaction.

    The inbox claim shares the transaction with the handlers' effects and any
    events they record, so a redelivered event changes nothing twice.
    """

    def __init__(self, consumer_name: str, database: Database, handlers: Mapping[str, EventHandlerFn]):
        self.consumer_name = consumer_name
        self.database = database
        self.handlers = dict(handlers)

    @property
    def patterns(self) -> tuple[str, ...]:
        return tuple(self.handlers)

    def __call__(self, event: Event) -> None:
        matching = [fn for pattern, fn in self.handlers.items() if topic_matches(pattern, event.type)]
        if not matching:
            return
        with consuming(event), self.database.transaction() as session:
            if not claim(session, self.consumer_name, event.id, event.type):
                log.info("duplicate event %s ignored", event.id)
                return
            for handler in matching:
                handler(session, event)


@dataclass
class Worker:
    context: ServiceContext
    handlers: Mapping[str, EventHandlerFn]
    loops: Sequence[tuple[str, Loop]] = ()
    relay_batch_size: int = 200

    def __post_init__(self) -> None:
        self.stop_event = threading.Event()
        self.failure: str | None = None  # why the worker stopped by itself, if it did
        self._threads: list[threading.Thread] = []
        settings = self.context.settings
        metrics = self.context.metrics
        self.relay = OutboxRelay(
            self.context.database, self.context.bus, batch_size=self.relay_batch_size,
            on_published=metrics.events_published.inc,
        )
        metrics.outbox_pending.set_function(self._pending_or_minus_one)
        self.consumer: EventConsumer | None = None
        if self.handlers:
            dispatcher = EventDispatcher(self.context.name, self.context.database, self.handlers)
            topology = ConsumerTopology(
                self.context.bus, self.context.name, dispatcher.patterns,
                retry_delays=tuple(settings.retry_delays), max_deliveries=settings.max_deliveries,
            )
            self.consumer = EventConsumer(
                topology, dispatcher, prefetch=settings.consumer_prefetch,
                on_outcome=lambda outcome: metrics.events_consumed.labels(outcome).inc(),
            )

    def _pending_or_minus_one(self) -> float:
        try:
            return float(self.relay.pending_count())
        except Exception:  # a scrape must never fail because the database is away
            return -1.0

    def start(self) -> None:
        self._spawn("relay", self.relay.run)
        if self.consumer is not None:
            self._spawn("consumer", lambda stop: self.consumer.run())
        for name, loop in self.loops:
            self._spawn(name, loop)

    def _spawn(self, name: str, target: Loop) -> None:
        service = self.context.name

        def run() -> None:
            service_var.set(service)
            try:
                target(self.stop_event)
            except QueueArgumentsChanged as err:
                # a restart cannot fix this: stop the whole worker, loudly, so it is not left half running
                log.error("%s of %s cannot run: %s", name, service, err)
                self.failure = str(err)
                self.stop_event.set()
            except Exception:
                log.exception("%s loop of %s stopped by an error", name, service)

        thread = threading.Thread(target=run, name=f"{service}-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def is_idle(self) -> bool:
        """The outbox is published and the consumer has nothing in hand or queued."""
        if self.relay.pending_count():
            return False
        return self.consumer is None or self.consumer.is_idle()

    def wait_until_consuming(self, timeout: float = 30.0) -> bool:
        return self.consumer is None or self.consumer.ready.wait(timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the work in hand and stop; unacknowledged messages go back to the broker."""
        self.stop_event.set()
        if self.consumer is not None:
            self.consumer.stop()
        for thread in self._threads:
            thread.join(timeout)
        if self.consumer is not None:
            self.consumer.close()

    def run_forever(self) -> int:
        """Run until SIGTERM or SIGINT (exit status 0) or until the worker cannot run (1)."""
        port = self.context.settings.worker_metrics_port
        if port:
            start_http_server(port, registry=self.context.metrics.registry)
        service_var.set(self.context.name)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop_event.set())
        log.info("worker of %s starting", self.context.name)
        self.start()
        self.stop_event.wait()
        log.info("worker of %s stopping", self.context.name)
        self.stop()
        return 1 if self.failure else 0


def drain_workers(workers: Iterable[Worker], timeout: float) -> list[Worker]:
    """Wait until every worker is idle on two looks in a row (a handler's new events may be on their way
    between two looks); return the workers still busy when ``timeout`` ran out (none: drained).

    For the in-process broker, which keeps nothing: what its queues hold when the workers stop is gone.
    """
    workers = list(workers)
    deadline = time.monotonic() + timeout
    idle_looks = 0
    while True:
        busy = [w for w in workers if not _is_idle(w)]
        idle_looks = 0 if busy else idle_looks + 1
        if idle_looks >= 2 or time.monotonic() >= deadline:
            return busy
        time.sleep(0.05)


def _is_idle(worker: Worker) -> bool:
    try:
        return worker.is_idle()
    except Exception:  # a database we cannot look at now: not known to be idle
        return False
