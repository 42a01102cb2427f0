"""The worker process of a service: outbox relay, event consumer, inbox retention and any
background loops, each on its own thread, stopped gracefully on SIGTERM.

A loop that dies (raises, or returns while the worker runs) stops the whole worker with a
failure, so the process exits non-zero and its supervisor starts it again instead of leaving
it half alive.  With ``WORKER_METRICS_PORT`` set the worker answers ``/healthz`` and
``/metrics`` on that port.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from prometheus_client import make_wsgi_app
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from .bus import ConsumerTopology, EventConsumer, QueueArgumentsChanged, topic_matches
from .db import Database
from .events import Event, consuming
from .inbox import InboxRetention, claim
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
        self.topology: ConsumerTopology | None = None  # the service's queues, when it consumes events
        self.consumer: EventConsumer | None = None
        self.inbox_retention: InboxRetention | None = None
        if self.handlers:
            dispatcher = EventDispatcher(self.context.name, self.context.database, self.handlers)
            self.topology = ConsumerTopology(
                self.context.bus, self.context.name, dispatcher.patterns,
                retry_delays=tuple(settings.retry_delays), max_deliveries=settings.max_deliveries,
            )
            self.consumer = EventConsumer(
                self.topology, dispatcher, prefetch=settings.consumer_prefetch,
                on_outcome=lambda outcome: metrics.events_consumed.labels(outcome).inc(),
            )
            self.inbox_retention = InboxRetention(
                self.context.database, timedelta(days=settings.inbox_retention_days)
            )

    def start(self) -> None:
        self.start_consuming()
        self.start_publishing()

    def start_consuming(self) -> None:
        """The consumer alone: its queue is declared and bound once :meth:`wait_until_consuming` answers."""
        if self.consumer is not None:
            self._spawn("consumer", lambda stop: self.consumer.run())

    def start_publishing(self) -> None:
        """The outbox relay, the inbox retention and the service's own loops."""
        self._spawn("relay", self.relay.run)
        if self.inbox_retention is not None:
            self._spawn("inbox-retention", self.inbox_retention.run)
        for name, loop in self.loops:
            self._spawn(name, loop)

    def _spawn(self, name: str, target: Loop) -> None:
        service = self.context.name

        def run() -> None:
            service_var.set(service)
            try:
                target(self.stop_event)
            except QueueArgumentsChanged as err:
                # a restart cannot fix this either, but the message says what will
                log.error("%s of %s cannot run: %s", name, service, err)
                self._fail(str(err))
            except Exception as err:
                log.exception("%s loop of %s stopped by an error; stopping the worker", name, service)
                self._fail(f"{name} loop crashed: {err!r}")
            else:
                if not self.stop_event.is_set():
                    log.error("%s loop of %s ended on its own; stopping the worker", name, service)
                    self._fail(f"{name} loop ended on its own")

        thread = threading.Thread(target=run, name=f"{service}-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _fail(self, why: str) -> None:
        """Stop the whole worker, loudly, rather than leave it half running."""
        if self.failure is None:
            self.failure = why
        self.stop_event.set()

    def is_healthy(self) -> bool:
        """Started and running, with every loop alive."""
        threads = list(self._threads)
        return bool(threads) and not self.stop_event.is_set() and all(thread.is_alive() for thread in threads)

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
        probes = serve_probes(self, port) if port else None
        service_var.set(self.context.name)
        previous = {signum: signal.signal(signum, lambda *_: self.stop_event.set())
                    for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            log.info("worker of %s starting", self.context.name)
            self.start()
            self.stop_event.wait()
            log.info("worker of %s stopping", self.context.name)
            self.stop()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            if probes is not None:
                probes.shutdown()
                probes.server_close()
        if self.failure:
            log.error("worker of %s stopped: %s", self.context.name, self.failure)
        return 1 if self.failure else 0


def probe_app(worker: Worker):
    """The worker's own HTTP answers: ``/healthz`` (503 once a loop died or the worker stops) and ``/metrics``."""
    metrics = make_wsgi_app(worker.context.metrics.registry)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return metrics(environ, start_response)
        if path != "/healthz":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        healthy = worker.is_healthy()
        body = json.dumps({"status": "ok" if healthy else "failing", "service": worker.context.name,
                           "failure": worker.failure}).encode()
        start_response("200 OK" if healthy else "503 Service Unavailable",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def serve_probes(worker: Worker, port: int, host: str = "0.0.0.0") -> BaseWSGIServer:
    """Serve :func:`probe_app` on ``port`` from a daemon thread; ``shutdown()`` stops it."""
    server = make_server(host, port, probe_app(worker), threaded=True)
    threading.Thread(target=server.serve_forever, name=f"{worker.context.name}-probes", daemon=True).start()
    return server


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
