"""The CloudEvents 1.0 envelope of the public contract (structured JSON mode).

``data`` carries the aggregate's full current state and its ``version``, plus
what changed.  Correlation and causation ids travel as extension attributes so
that a chain of events can be followed across services.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from cloudevents.core.exceptions import CloudEventValidationError
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from .logs import event_id_var, request_id_var, trace_id_var

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)

_FORMAT = JSONFormat()
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


class MalformedEvent(ValueError):
    """A message body that is not a CloudEvent of our contract."""


def json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json_safe(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=json_default))


@dataclass(frozen=True)
class Event:
    type: str
    source: str
    subject: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None

    @classmethod
    def new(cls, type: str, *, service: str, subject: Any, data: dict[str, Any]) -> Event:
        """An event caused by the current request or event (ids taken from the context)."""
        return cls(
            type=type,
            source=f"servicedesk/{service}",
            subject=str(subject),
            data=to_json_safe(data),
            correlationid=correlation_id_var.get() or request_id_var.get(),
            causationid=event_id_var.get(),
            traceparent=_traceparent(),
        )

    @property
    def version(self) -> int | None:
        value = self.data.get("version")
        return int(value) if value is not None else None

    def attributes(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "subject": self.subject,
            "datacontenttype": "application/json",
        }
        for name in ("correlationid", "causationid", "traceparent"):
            value = getattr(self, name)
            if value:
                attrs[name] = value
        return attrs

    def to_json(self) -> bytes:
        return _FORMAT.write(CloudEvent(self.attributes(), self.data))

    @classmethod
    def from_json(cls, body: bytes | str) -> Event:
        try:
            cloud_event = _FORMAT.read(None, body)
        except (CloudEventValidationError, ValueError, TypeError) as err:
            raise MalformedEvent(str(err)) from err
        attrs = cloud_event.get_attributes()
        data = cloud_event.get_data()
        if not isinstance(data, dict):
            raise MalformedEvent("data must be a JSON object")
        if attrs.get("specversion") != "1.0":
            raise MalformedEvent("specversion must be 1.0")
        time = attrs.get("time") or datetime.now(UTC)
        return cls(
            type=attrs["type"],
            source=attrs["source"],
            subject=attrs.get("subject") or "",
            data=data,
            id=attrs["id"],
            time=time,
            correlationid=attrs.get("correlationid"),
            causationid=attrs.get("causationid"),
            traceparent=attrs.get("traceparent"),
        )


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id of a W3C ``traceparent`` value, or None when it is missing or malformed."""
    match = _TRACEPARENT.match(traceparent or "")
    return match.group(1) if match else None


def _traceparent() -> str | None:
    """The current trace with a new span of its own: what an event recorded now carries."""
    trace_id = trace_id_var.get()
    if not trace_id:
        return None
    return f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"


@contextmanager
def consuming(event: Event) -> Iterator[None]:
    """Log lines and events recorded inside the block belong to ``event``: its id, its correlation and its trace.

    An event that carries no trace starts one named after the event, so its redeliveries share it.
    """
    trace_id = trace_id_of(event.traceparent) or hashlib.blake2b(event.id.encode(), digest_size=16).hexdigest()
    settings = ((event_id_var, event.id), (trace_id_var, trace_id),
                (correlation_id_var, event.correlationid or event.id))
    tokens = [(var, var.set(value)) for var, value in settings]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
