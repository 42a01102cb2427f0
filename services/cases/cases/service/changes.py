"""A change to a case: what changed, its history entries, its version and the events it publishes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from servicekit.auth import Identity
from servicekit.db import utcnow
from servicekit.events import Event
from servicekit.outbox import record_event

from .. import events
from ..domain import Handover, Status, owning_team_after
from ..models import Case, HistoryEntry
from .common import Options, actor_id, follower_ids
from .views import case_view


@dataclass
class Changes:
    """What one use case altered: ``{field: {"old", "new"}}``, plus fields only staff may read about."""

    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    internal: set[str] = field(default_factory=set)
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)

    def set(self, case: Case, name: str, value: Any, *, internal: bool = False) -> bool:
        old = getattr(case, name)
        if old == value:
            return False
        setattr(case, name, value)
        self.note(name, old, value, internal=internal)
        return True

    def note(self, name: str, old: Any, new: Any, *, internal: bool = False) -> None:
        if name in self.fields:
            self.fields[name]["new"] = new
        else:
            self.fields[name] = {"old": old, "new": new}
        if internal:
            self.internal.add(name)

    def add_event(self, event_type: str, **extra: Any) -> None:
        self.extras[event_type] = extra

    def __bool__(self) -> bool:
        return bool(self.fields) or bool(self.extras)


HANDOVER_FIELDS = ("handed_over_from_team_id", "handed_over_by_id", "owning_team_id")
# Fields whose change is told by the status or assignment events themselves.
_TOLD_BY_STATUS_OR_ASSIGNMENT = {"status", "resolved_at", "closed_at", "merged_into_id", "assignee_id", "team_id",
                                 "solution_message_id", *HANDOVER_FIELDS}
_BOOKKEEPING = {"resolved_at", "closed_at", "updated_at"}


def handover_of(case: Case) -> Handover | None:
    if case.handed_over_from_team_id is None:
        return None
    return Handover(from_team_id=case.handed_over_from_team_id, by_id=case.handed_over_by_id)


def set_handover(case: Case, handover: Handover | None, changes: Changes) -> None:
    """Start, keep or end a hand-over; the owning team it names stays when the hand-over ends."""
    changes.set(case, "handed_over_from_team_id", handover.from_team_id if handover else None, internal=True)
    changes.set(case, "handed_over_by_id", handover.by_id if handover else None, internal=True)
    changes.set(case, "owning_team_id", owning_team_after(case.owning_team_id, handover), internal=True)


def reopen_into(case: Case, changes: Changes, target: Status, reason: str | None) -> None:
    """A resolved case back to work: its resolution and solution mark go; told as case.reopened."""
    changes.set(case, "status", target.value)
    changes.set(case, "resolved_at", None)
    changes.set(case, "solution_message_id", None, internal=case.solution_is_internal)
    case.solution_is_internal = False
    changes.add_event(events.CASE_REOPENED, reason=reason)


def event_types_for(changes: Changes) -> list[str]:
    """One event per aspect that changed; all carry the same version and the full ``changes``."""
    types: list[str] = []
    status = changes.fields.get("status")
    if status:
        if status["new"] == Status.RESOLVED:
            types.append(events.CASE_RESOLVED)
        elif status["new"] == Status.CLOSED:
            types.append(events.CASE_MERGED if "merged_into_id" in changes.fields else events.CASE_CLOSED)
        elif status["old"] == Status.RESOLVED:
            types.append(events.CASE_REOPENED)
        else:
            types.append(events.CASE_STATUS_CHANGED)
    if "assignee_id" in changes.fields or "team_id" in changes.fields:
        types.append(events.CASE_ASSIGNED)
    untold = set(changes.fields) - _TOLD_BY_STATUS_OR_ASSIGNMENT
    if changes.fields and not changes.extras and (untold or not types):
        types.append(events.CASE_UPDATED)
    types.extend(t for t in changes.extras if t not in types)
    return types


def commit_change(session: Session, opts: Options, case: Case, actor: Identity, changes: Changes,
                  followers: list[str] | None = None) -> None:
    """Bump the version, write the history and record the events of one change (no commit)."""
    if not changes.fields and not changes.extras:
        return
    if changes.fields:
        case.version += 1
        case.updated_at = changes.at
        case.updated_by = actor_id(actor)
        write_history(session, case, actor, changes)
    session.flush()
    publish(session, opts, case, actor, changes, followers if followers is not None else follower_ids(session, case.id))


def write_history(session: Session, case: Case, actor: Identity, changes: Changes) -> None:
    for name, change in changes.fields.items():
        if name in _BOOKKEEPING:
            continue
        session.add(HistoryEntry(
            case_id=case.id, at=changes.at, actor_id=actor_id(actor), field=name,
            old_value=_json_value(change["old"]), new_value=_json_value(change["new"]),
            internal=name in changes.internal, version=case.version,
        ))


def note_in_history(session: Session, case: Case, actor: Identity, name: str, new: Any, *, old: Any = None,
                    internal: bool = False, at: datetime | None = None) -> None:
    """A history entry for something that is not a field of the case (a message, an attachment)."""
    session.add(HistoryEntry(case_id=case.id, at=at or utcnow(), actor_id=actor_id(actor), field=name,
                             old_value=_json_value(old), new_value=_json_value(new), internal=internal,
                             version=case.version))


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def publish(session: Session, opts: Options, case: Case, actor: Identity, changes: Changes,
            followers: list[str]) -> None:
    data = case_view(case, followers, viewer=None)
    change_data = {name: {"old": _json_value(c["old"]), "new": _json_value(c["new"])}
                   for name, c in changes.fields.items()}
    for event_type in event_types_for(changes):
        extra = dict(changes.extras.get(event_type, {}))
        if event_type == events.CASE_RESOLVED:
            extra.setdefault("solution_message_id", case.solution_message_id)
        payload = {**data, "actor_id": actor_id(actor), "changes": change_data, **extra}
        record_event(session, Event.new(event_type, service=opts.service_name, subject=case.id, data=payload))


def record_case_event(session: Session, opts: Options, case: Case, actor: Identity, event_type: str,
                      followers: list[str] | None = None, **extra: Any) -> None:
    """An event about the case that does not change it (a message, an attachment): current version."""
    followers = followers if followers is not None else follower_ids(session, case.id)
    payload = {**case_view(case, followers, viewer=None), "actor_id": actor_id(actor), "changes": {}, **extra}
    record_event(session, Event.new(event_type, service=opts.service_name, subject=case.id, data=payload))
