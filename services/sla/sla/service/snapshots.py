"""Reading the aggregates other services send us in their events' ``data``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from servicekit.events import Event

from ..domain import CaseSnapshot


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (``Z`` or an offset) as an aware datetime; a zone-less one is taken as UTC."""
    if value in (None, ""):
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def case_snapshot(event: Event) -> CaseSnapshot:
    """The case in a ``case.*`` event; a case without id, version or status is malformed (retried, then DLQ)."""
    data = event.data
    created_at = parse_time(data.get("created_at")) or event.time
    return CaseSnapshot(
        id=str(data["id"]),
        version=int(data["version"]),
        status=str(data["status"]),
        priority=str(data.get("priority") or "normal"),
        organisation_id=_optional(data.get("organisation_id")),
        category=_optional(data.get("category")),
        case_type=_optional(data.get("type")),
        created_at=created_at,
        updated_at=parse_time(data.get("updated_at")) or event.time,
        resolved_at=parse_time(data.get("resolved_at")),
        closed_at=parse_time(data.get("closed_at")),
    )


def _optional(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
