"""The event bus on kombu: topic exchange, confirmed publishing, and a consumer
with delayed retries and a dead-letter queue per service.

Topology for a consuming service ``cases`` (names carry ``QUEUE_PREFIX``):

* ``cases.events`` - quorum queue bound to the exchange by the service's
  patterns; its delivery limit dead-letters a message that keeps crashing the
  process into the DLQ.
* ``cases.events.retry.<delay>`` (``retry.10s``, ``retry.500ms``) - one queue
  per delay step, no consumers; the message waits out the TTL and is
  dead-lettered back to ``cases.events``.  Named by their delay, so changing
  ``RETRY_DELAYS`` declares new queues instead of clashing with the old ones.
* ``cases.events.dlq`` - where a message lands after its last retry.

``<service>-manage migrate`` declares these queues and their bindings before any process of
the deployment publishes (the exchange drops what no queue is bound for); the worker declares
them again at each start.

Queue arguments cannot change once a queue exists (the broker answers 406
PRECONDITION_FAILED): when the main queue was declared with another delivery
limit (``MAX_DELIVERIES``), the consumer stops with :class:`QueueArgumentsChanged`
saying what to do, rather than retrying a declaration that can never succeed.

On the in-process ``memory://`` transport (the embedded mode) queue arguments
mean nothing, so a delayed retry is a timer in the process instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from amqp import spec
from amqp.exceptions import PreconditionFailed
from kombu import Connection, Exchange, Queue
from kombu.mixins import ConsumerMixin

from .events import Event, MalformedEvent, consuming

log = logging.getLogger(__name__)

EVENT_CONTENT_TYPE = "application/cloudevents+json"
RETRY_HEADER = "x-servicekit-retries"
ERROR_HEADER = "x-servicekit-error"


class PublishFailed(Exception):
    """The broker did not confirm every message of a batch."""


class QueueArgumentsChanged(Exception):
    """The broker holds one of our queues with other arguments: no restart fixes that, an operator must."""


# which setting decides a queue argument, to name it when the broker holds another value
_SETTING_OF_ARGUMENT = {"x-delivery-limit": "MAX_DELIVERIES", "x-expires": "QUEUE_EXPIRES"}


@dataclass(frozen=True)
class OutgoingMessage:
    routing_key: str
    body: bytes
    message_id: str


class EventBus:
    """Connections to the broker and the shared exchange."""

    def __init__(self, url: str, *, exchange: str = "servicedesk.events", queue_prefix: str = "",
                 confirm_timeout: float = 30.0, queue_expires_ms: int | None = None, heartbeat: int = 30):
        self.url = url
        self.heartbeat = heartbeat
        self.queue_prefix = queue_prefix
        # Queues unused this long are deleted by the broker: for test runs and short-lived deployments only.
        self.queue_expires_ms = queue_expires_ms
        self.exchange = Exchange(exchange, type="topic", durable=True)
        self.confirm_timeout = confirm_timeout
        self.is_memory = url.startswith("memory://")

    def connect(self) -> Connection:
        if self.is_memory:
            return Connection("memory://", transport_options={"polling_interval": 0.005})
        return Connection(self.url, heartbeat=self.heartbeat, connect_timeout=10)

    def ping(self) -> None:
        with self.connect() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)

    def declare_exchange(self, channel) -> None:
        self.exchange(channel).declare()

    def publish_many(self, messages: Iterable[OutgoingMessage], conn: Connection | None = None) -> int:
        """Publish to the exchange persistently; return once the broker confirmed all of them."""
        batch = list(messages)
        if not batch:
            return 0
        if conn is None:
            with self.connect() as own:
                return self.publish_many(batch, own)
        channel = conn.channel()
        try:
            self.declare_exchange(channel)
            self.send(channel, batch)
        finally:
            channel.close()
        return len(batch)

    def send(self, channel, batch: list[OutgoingMessage], *, exchange: str | None = None,
             routing_key: str | None = None, headers: dict | None = None, mandatory: bool = False) -> None:
        """Publish on ``channel`` (the events exchange unless told otherwise), confirmed on AMQP."""
        target = self.exchange.name if exchange is None else exchange

        def publish(message: OutgoingMessage) -> None:
            channel.basic_publish(
                channel.prepare_message(
                    message.body,
                    content_type=EVENT_CONTENT_TYPE,
                    content_encoding="utf-8",
                    properties={"delivery_mode": 2, "message_id": message.message_id},
                    headers=headers or {},
                ),
                exchange=target,
                routing_key=routing_key or message.routing_key,
                mandatory=mandatory,
            )

        if self.is_memory:
            for message in batch:
                publish(message)
        else:
            _publish_confirmed(channel, batch, publish, self.confirm_timeout)

    def send_to_queue(self, conn: Connection, queue_name: str, body: bytes, message_id: str,
                      headers: dict | None = None) -> None:
        """Put one message straight onto a named queue (retries, dead letters, replays).

        The publish is mandatory: a missing queue is a :class:`PublishFailed`, never a silent drop,
        so the caller keeps the original.
        """
        channel = conn.channel()
        try:
            self.send(channel, [OutgoingMessage(queue_name, body, message_id)], exchange="", headers=headers,
                      mandatory=True)
        finally:
            channel.close()


class PublishConnection:
    """A broker connection kept for publishing, replaced before the broker can have dropped it.

    Nothing reads from a connection that only publishes, so it answers no heartbeats; after two
    silent heartbeat intervals the broker closes it.  Rather than a heartbeat thread, a connection
    idle for half a heartbeat is replaced on its next use: one cheap reconnect after a quiet spell,
    and never a publish on a dead socket (nor a half-open one the heartbeat would not catch).
    """

    def __init__(self, bus: EventBus):
        self.bus = bus
        self._conn: Connection | None = None
        self._last_used = 0.0

    @property
    def max_idle(self) -> float | None:
        return None if self.bus.is_memory or not self.bus.heartbeat else self.bus.heartbeat / 2

    def get(self) -> Connection:
        """The connection to publish on now; call :meth:`used` after publishing on it."""
        max_idle = self.max_idle
        if self._conn is not None and max_idle is not None and time.monotonic() - self._last_used > max_idle:
            self.release()
        if self._conn is None:
            self._conn = self.bus.connect()
            self.used()
        return self._conn

    def used(self) -> None:
        self._last_used = time.monotonic()

    def release(self) -> None:
        if self._conn is not None:
            self._conn.release()
            self._conn = None


def _publish_confirmed(channel, batch: list, publish_one: Callable, timeout: float) -> None:
    """Publish a batch on a confirm channel and wait for all acks once (much faster than one by one).

    A mandatory message no queue took comes back (basic.return, before its ack): that is a failure too.
    """
    pending: set[int] = set()
    nacked: list[int] = []
    returned: list[str] = []

    def on_ack(tag: int, multiple: bool) -> None:
        pending.difference_update({t for t in pending if t <= tag} if multiple else {tag})

    def on_nack(tag: int, multiple: bool) -> None:
        settled = {t for t in pending if t <= tag} if multiple else {tag}
        nacked.extend(settled)
        pending.difference_update(settled)

    def on_return(exc, exchange, routing_key, message) -> None:
        returned.append(routing_key)

    channel.confirm_select()
    channel.events["basic_ack"].add(on_ack)
    channel.events["basic_nack"].add(on_nack)
    channel.events["basic_return"].add(on_return)
    for tag, item in enumerate(batch, start=1):
        pending.add(tag)
        publish_one(item)
    while pending:
        channel.wait([spec.Basic.Ack, spec.Basic.Nack], timeout=timeout)
    if nacked:
        raise PublishFailed(f"broker refused {len(nacked)} of {len(batch)} messages")
    if returned:
        raise PublishFailed(f"no queue took {len(returned)} message(s) for {', '.join(sorted(set(returned)))}")


@dataclass(frozen=True)
class ConsumerTopology:
    """The queues of one consuming service and what they are bound to."""

    bus: EventBus
    service: str
    patterns: tuple[str, ...]
    retry_delays: tuple[float, ...] = (1.0, 10.0, 60.0, 300.0)
    max_deliveries: int = 10

    @property
    def queue_name(self) -> str:
        return f"{self.bus.queue_prefix}{self.service}.events"

    @property
    def dlq_name(self) -> str:
        return f"{self.queue_name}.dlq"

    def retry_queue_name(self, delay: float) -> str:
        milliseconds = int(delay * 1000)
        label = f"{milliseconds // 1000}s" if milliseconds % 1000 == 0 else f"{milliseconds}ms"
        return f"{self.queue_name}.retry.{label}"

    def main_queue(self) -> Queue:
        return Queue(
            self.queue_name,
            exchange=self.bus.exchange,
            bindings=[_binding(self.bus.exchange, p) for p in self.patterns],
            durable=True,
            queue_arguments=self._arguments({
                "x-queue-type": "quorum",
                "x-delivery-limit": self.max_deliveries,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": self.dlq_name,
            }),
        )

    def dead_letter_queue(self) -> Queue:
        return Queue(self.dlq_name, durable=True, queue_arguments=self._arguments({"x-queue-type": "quorum"}))

    def retry_queues(self) -> list[Queue]:
        return [
            Queue(
                self.retry_queue_name(delay),
                durable=True,
                queue_arguments=self._arguments({
                    "x-message-ttl": int(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": self.queue_name,
                }),
            )
            for delay in dict.fromkeys(self.retry_delays)
        ]

    def _arguments(self, arguments: dict) -> dict:
        if self.bus.queue_expires_ms:
            return {**arguments, "x-expires": int(self.bus.queue_expires_ms)}
        return arguments

    def all_queues(self) -> list[Queue]:
        return [self.main_queue(), self.dead_letter_queue(), *self.retry_queues()]

    def declare(self, channel) -> None:
        self.bus.declare_exchange(channel)
        for queue in self.all_queues():
            try:
                queue(channel).declare()
            except PreconditionFailed as err:
                raise QueueArgumentsChanged(self._arguments_changed(queue.name, str(err))) from None

    def declare_on_broker(self, connect_retries: int = 3) -> None:
        """Declare the exchange, the queues and their bindings now, on a connection of their own.

        ``<service>-manage migrate`` does this before any process of the deployment publishes: the
        exchange drops an event no queue is bound for, so a queue declared only when the worker first
        starts would miss what was published before.
        """
        with self.bus.connect() as conn:
            conn.ensure_connection(max_retries=connect_retries, interval_start=1, interval_step=1)
            channel = conn.channel()
            try:
                self.declare(channel)
            finally:
                channel.close()

    def _arguments_changed(self, queue_name: str, reply: str) -> str:
        setting = next((name for arg, name in _SETTING_OF_ARGUMENT.items() if f"'{arg}'" in reply), None)
        cause = f"{setting} differs from when it was declared" if setting else "it was declared by another version"
        return (f"the broker holds queue {queue_name} with other arguments than this worker declares: {cause} "
                f"(broker: {reply}). Set {setting or 'the setting'} back, or let the queue drain, delete it "
                f"(rabbitmqctl delete_queue {queue_name}) and start the worker again to declare it anew.")

    def delete(self, channel) -> None:
        """Remove every queue of this topology (tests and decommissioning)."""
        for queue in self.all_queues():
            queue(channel).delete()


def _binding(exchange: Exchange, pattern: str):
    from kombu import binding

    return binding(exchange, routing_key=pattern)


EventHandler = Callable[[Event], None]


class EventConsumer(ConsumerMixin):
    """Consumes one service's queue; retries a failing message later, then dead-letters it.

    ``handle`` does the work in its own transaction and returns only after the
    commit, so the ack that follows never acknowledges uncommitted work.
    """

    def __init__(self, topology: ConsumerTopology, handle: EventHandler, *, prefetch: int = 32,
                 on_outcome: Callable[[str], None] | None = None):
        self.topology = topology
        self.bus = topology.bus
        self.handle = handle
        self.prefetch = prefetch
        self.on_outcome = on_outcome or (lambda outcome: None)
        self.connection = self.bus.connect()  # kombu's consume loop works on a clone of it
        self._copies = PublishConnection(self.bus)  # retry and dead-letter copies
        self._timers: list[threading.Timer] = []
        self._in_hand = 0
        self.ready = threading.Event()

    def get_consumers(self, Consumer, channel):
        self.topology.declare(channel)
        return [Consumer(queues=[self.topology.main_queue()], on_message=self.on_message,
                         prefetch_count=self.prefetch)]

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        self.ready.set()

    def on_message(self, message) -> None:
        self._in_hand += 1
        try:
            self._on_message(message)
        finally:
            self._in_hand -= 1

    def _on_message(self, message) -> None:
        try:
            event = Event.from_json(message.body)
        except MalformedEvent as err:
            log.error("malformed event dead-lettered: %s", err)
            if self._set_aside(message, partial(self._dead_letter, message, f"malformed: {err}")):
                self.on_outcome("malformed")
            return
        with consuming(event):
            try:
                self.handle(event)
            except Exception as err:  # any handler failure is retried; the queue keeps flowing
                log.warning("handling %s %s failed: %r", event.type, event.id, err, exc_info=True)
                self._set_aside(message, partial(self._retry_or_dead_letter, message, err))
            else:
                message.ack()
                self.on_outcome("handled")

    def _set_aside(self, message, put_copy: Callable[[], None]) -> bool:
        """Ack ``message`` once its copy (retry or dead letter) is confirmed; else give it back to the queue.

        Given back, it is delivered again and counts towards the queue's delivery limit, past which
        the broker dead-letters it: a copy that cannot be made never loses the event.
        """
        try:
            put_copy()
        except Exception:
            log.error("could not set a failed event aside; it goes back to the queue", exc_info=True)
            self._copies.release()
            message.requeue()
            self.on_outcome("requeued")
            return False
        message.ack()
        return True

    def _retry_or_dead_letter(self, message, err: Exception) -> None:
        retries = int((message.headers or {}).get(RETRY_HEADER, 0))
        if retries >= len(self.topology.retry_delays):
            log.error("event dead-lettered after %d retries: %r", retries, err)
            self._dead_letter(message, repr(err))
            self.on_outcome("dead_lettered")
            return
        headers = {**(message.headers or {}), RETRY_HEADER: retries + 1, ERROR_HEADER: repr(err)[:500]}
        if self.bus.is_memory:
            self._retry_in_process(message, headers, self.topology.retry_delays[retries])
        else:
            self._republish(message, self.topology.retry_queue_name(self.topology.retry_delays[retries]), headers)
        self.on_outcome("retried")

    def _dead_letter(self, message, reason: str) -> None:
        headers = {**(message.headers or {}), ERROR_HEADER: reason[:500]}
        self._republish(message, self.topology.dlq_name, headers)

    def _republish(self, message, queue_name: str, headers: dict) -> None:
        self.bus.send_to_queue(self._copies.get(), queue_name, message.body, _message_id(message), headers)
        self._copies.used()

    def _retry_in_process(self, message, headers: dict, delay: float) -> None:
        body, message_id = message.body, _message_id(message)

        def redeliver() -> None:
            with self.bus.connect() as conn:
                self.bus.send_to_queue(conn, self.topology.queue_name, body, message_id, headers)

        timer = threading.Timer(delay, redeliver)
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    @property
    def pending_retries(self) -> int:
        """In-process retries not yet put back (``memory://`` only; on RabbitMQ they wait in the broker)."""
        return sum(1 for timer in self._timers if timer.is_alive())

    def is_idle(self) -> bool:
        """Nothing in hand, nothing waiting in the queue, no in-process retry pending."""
        return self._in_hand == 0 and self.pending_retries == 0 and self.queued() == 0

    def queued(self) -> int:
        with self.bus.connect() as conn:
            return conn.default_channel.queue_declare(queue=self.topology.queue_name, passive=True).message_count

    def stop(self) -> None:
        self.should_stop = True

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._copies.release()
        self.connection.release()


def replay_dead_letters(topology: ConsumerTopology, limit: int | None = None) -> int:
    """Move dead-lettered messages back onto the service's queue, retries reset.

    Returns how many were moved.  Only the messages present at the start are
    moved, so a message that fails again does not loop.
    """
    moved = 0
    with topology.bus.connect() as conn:
        channel = conn.channel()
        topology.declare(channel)
        dlq = topology.dead_letter_queue()(channel)
        _, waiting, _ = dlq.queue_declare(passive=True)
        budget = waiting if limit is None else min(waiting, limit)
        while moved < budget:
            message = dlq.get(no_ack=False)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items() if k not in (RETRY_HEADER, ERROR_HEADER)}
            topology.bus.send_to_queue(conn, topology.queue_name, message.body, _message_id(message), headers)
            message.ack()
            moved += 1
    return moved


def _message_id(message) -> str:
    return message.properties.get("message_id") or ""


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is one word, ``#`` is zero or more words."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])
