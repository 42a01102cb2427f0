"""Webhook deliveries: queued in the consumer's transaction, sent by the worker.

Each delivery is a row (one per webhook and event).  The sender loop leases a
batch of due rows in a short transaction, posts them outside any transaction
(a slow receiver holds no lock), and records each attempt.  A 2xx answer
delivers it; anything else retries with back-off up to ``WEBHOOK_MAX_ATTEMPTS``.
Each attempt, answer included, must end within ``WEBHOOK_TIMEOUT`` (a receiver
that drips bytes is cut off), so a batch always ends within its lease; of an
answer only the start of a refusal's body is read, for the log.
A delivery keeps the event as it came; the body is made when it is sent, with the
webhook's settings of that moment: internal texts (internal message bodies, a
task's texts, a reason staff gave) are left out unless the subscription says
``include_internal`` (see redaction.py), so a webhook that opts out, or moves to
another address, never receives what it no longer may, not even on redelivery.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicekit.bus import EVENT_CONTENT_TYPE, topic_matches
from servicekit.db import Database, utcnow
from servicekit.events import Event

from ..models import Webhook, WebhookAttempt, WebhookDelivery, new_id
from ..polling import repeat
from ..service.directory import SessionDirectory
from .deadline import Deadline
from .redaction import IsStaff, redact
from .signing import SIGNATURE_HEADER, sign
from .urlguard import HostPolicy, guarded_session

log = logging.getLogger(__name__)

SUBSCRIBABLE = ("case", "task", "sla", "user", "team", "organisation")
USER_AGENT = "servicedesk-webhooks/1.0"
ANSWER_BYTES = 8 * 1024  # read of a refusing answer, for the log; the rest is never read


def delivery_body(event: Event, include_internal: bool, is_staff: IsStaff) -> str:
    data = event.data if include_internal else redact(event.type, event.data, is_staff)
    return Event(type=event.type, source=event.source, subject=event.subject, data=data, id=event.id,
                 time=event.time, correlationid=event.correlationid, causationid=event.causationid).to_json().decode()


def queue_deliveries(session: Session, event: Event) -> int:
    """One delivery per active webhook whose patterns match the event (at most once per webhook and event)."""
    if event.type.split(".", 1)[0] not in SUBSCRIBABLE:
        return 0
    hooks = session.scalars(select(Webhook).where(Webhook.active.is_(True))).all()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    queued = 0
    for hook in hooks:
        if not any(topic_matches(pattern, event.type) for pattern in hook.events):
            continue
        statement = insert(WebhookDelivery.__table__).values(
            id=new_id(), webhook_id=hook.id, event_id=event.id, event_type=event.type,
            event_json=event.to_json().decode(), status="pending", attempts=0,
            next_attempt_at=utcnow(), created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["webhook_id", "event_id"])
        queued += session.execute(statement).rowcount or 0
    return queued


@dataclass(frozen=True)
class _Leased:
    id: str
    url: str
    secret: str
    event_type: str
    body: str
    attempts: int


class WebhookSender:
    def __init__(self, database: Database, policy: HostPolicy, *, retry_delays: tuple[float, ...],
                 max_attempts: int, timeout: float, poll_seconds: float = 1.0, batch_size: int = 20,
                 ca_bundle: str | None = None, on_outcome: Callable[[str], None] | None = None):
        self.database = database
        self.on_outcome = on_outcome or (lambda outcome: None)
        self.http = guarded_session(policy, ca_bundle)
        self.retry_delays = retry_delays
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size

    def run(self, stop: threading.Event) -> None:
        repeat(stop, self.deliver_due, rest_seconds=self.poll_seconds, full_round=self.batch_size,
               what="webhook sender")

    def deliver_due(self) -> int:
        leased = self._lease()
        for delivery in leased:
            self._deliver(delivery)
        return len(leased)

    def _lease(self) -> list[_Leased]:
        """Take due deliveries for a while (long enough to try them), so no other sender takes them."""
        lease_until = utcnow() + timedelta(seconds=self.timeout * self.batch_size + 60)
        with self.database.transaction() as session:
            rows = session.execute(
                select(WebhookDelivery, Webhook)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= utcnow())
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True, of=WebhookDelivery)
            ).all()
            directory = SessionDirectory(session)
            leased = []
            for delivery, hook in rows:
                if not hook.active:
                    delivery.status, delivery.last_error = "cancelled", "webhook deactivated"
                    continue
                delivery.next_attempt_at = lease_until
                body = delivery_body(Event.from_json(delivery.event_json), hook.include_internal,
                                     directory.is_staff)
                leased.append(_Leased(delivery.id, hook.url, hook.secret, delivery.event_type, body,
                                      delivery.attempts))
        return leased

    def _deliver(self, delivery: _Leased) -> None:
        body = delivery.body.encode()
        headers = {
            "Content-Type": EVENT_CONTENT_TYPE,
            "User-Agent": USER_AGENT,
            "X-Servicedesk-Event": delivery.event_type,
            "X-Servicedesk-Delivery": delivery.id,
            SIGNATURE_HEADER: sign(delivery.secret, body),
        }
        started = time.perf_counter()
        with Deadline(self.timeout) as deadline:
            status_code, error = self._post(delivery.url, body, headers)
        if deadline.expired:  # a cut-off answer may look whole (headers end at EOF): never trust it
            error = f"no complete answer within {self.timeout:g} s" + (f" ({error})" if error else "")
        self._record(delivery, status_code, error, int((time.perf_counter() - started) * 1000))

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
        """(status code, error): a 2xx is taken without reading its body; of another answer a little is kept."""
        try:
            response = self.http.post(url, data=body, headers=headers, timeout=self.timeout, allow_redirects=False,
                                      stream=True)
        except (requests.RequestException, OSError) as err:
            return None, _short(err)
        try:
            if 200 <= response.status_code < 300:
                return response.status_code, None
            return response.status_code, f"answered {response.status_code}{_excerpt(response)}"
        finally:
            response.close()

    def _record(self, delivery: _Leased, status_code: int | None, error: str | None, duration_ms: int) -> None:
        attempts = delivery.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_status_code": status_code, "last_error": error}
        if error is None:
            values |= {"status": "delivered", "delivered_at": utcnow()}
        elif attempts >= self.max_attempts:
            values |= {"status": "failed"}
        else:
            values |= {"status": "pending"}
            delay = self.retry_delays[min(attempts - 1, len(self.retry_delays) - 1)]
            values |= {"next_attempt_at": utcnow() + timedelta(seconds=delay)}
        with self.database.transaction() as session:
            session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=utcnow(), status_code=status_code,
                                       error=error, duration_ms=duration_ms))
            session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery.id).values(**values))
        self.on_outcome(values["status"] if values["status"] != "pending" else "retry")
        if error:
            log.warning("webhook delivery %s (%s) attempt %d: %s", delivery.id, delivery.event_type, attempts, error)


def _excerpt(response: requests.Response) -> str:
    """The start of a refusing answer's body, for the log: one read of at most ANSWER_BYTES."""
    try:
        start = next(response.iter_content(ANSWER_BYTES), b"")
    except (requests.RequestException, OSError):
        return ""  # the receiver broke off (or the deadline cut it): the status code says enough
    text = " ".join(start.decode("utf-8", errors="replace").split())
    return f": {text[:300]}" if text else ""


def _short(err: Exception) -> str:
    text = str(err)
    if "refused:" in text:
        return "refused: " + text.split("refused:", 1)[1].split('"', 1)[0].strip()
    return json.dumps(text)[1:-1][:500]
