"""What every use case of the cases service shares: options, actors, loading a case the caller
may see, optimistic concurrency, and committing a change (version, history, events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, literal_column, or_, select, true
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import ADMIN, AGENT, SERVICE, Identity
from servicekit.db import utcnow
from servicekit.events import Event
from servicekit.outbox import record_event

from .. import events
from ..domain import Handover, Status
from ..files import AttachmentStore
from ..i18n import _
from ..models import Case, DirectoryOrganisation, Follower, HistoryEntry

# The system itself (auto-close, e-mail intake): staff rights, no person behind it.
SYSTEM = Identity(user_id="system", roles=frozenset({SERVICE}), name="system")


@dataclass(frozen=True)
class Options:
    """Settings the use cases need, made once at start."""

    service_name: str
    number_prefix: str
    timezone: str
    store: AttachmentStore


def actor_id(actor: Identity) -> str | None:
    return None if actor is SYSTEM else actor.user_id


def may_edit(actor: Identity, case: Case) -> bool:
    """Agents, admins and services edit any case; a dispatcher edits the cases of the teams they dispatch."""
    return bool(actor.roles & {AGENT, ADMIN, SERVICE}) or actor.is_dispatcher_of(case.team_id)


def require_staff(actor: Identity) -> None:
    if not actor.is_staff:
        raise errors.Forbidden(_("Only staff may do this."))


def require_editor(actor: Identity, case: Case) -> None:
    if not may_edit(actor, case):
        raise errors.Forbidden(_("You may not change this case."))


# -- who sees what ----------------------------------------------------------------------------------


def visible_to(viewer: Identity) -> ColumnElement[bool]:
    """The cases ``viewer`` may see, as one SQL condition (no extra query).

    Staff see every case.  A requester sees the cases they asked, the cases shared with
    them, and - when their organisation's ``case_visibility`` is ``organisation`` - the
    non-private cases of their organisation.
    """
    if viewer.is_staff:
        return true()
    me = viewer.user_id
    clauses: list[ColumnElement[bool]] = [
        Case.requester_id == me,
        Case.id.in_(select(Follower.case_id).where(Follower.user_id == me)),
    ]
    if viewer.organisation_id:
        organisation_shares = exists().where(
            DirectoryOrganisation.id == viewer.organisation_id,
            DirectoryOrganisation.case_visibility == "organisation",
        )
        clauses.append(and_(Case.organisation_id == viewer.organisation_id, Case.private.is_(false()),
                            organisation_shares))
    return or_(*clauses)


def get_case(session: Session, viewer: Identity, case_id: str, *, for_update: bool = False) -> Case:
    """The case if ``viewer`` may see it; 404 otherwise (also when it exists but is hidden)."""
    query = select(Case).where(Case.id == str(case_id), visible_to(viewer))
    if for_update:
        query = query.with_for_update(of=Case)
    case = session.scalars(query).first()
    if case is None:
        raise errors.NotFound(_("There is no such case, or you may not see it."))
    return case


def follower_ids(session: Session, case_id: str) -> list[str]:
    return list(session.scalars(select(Follower.user_id).where(Follower.case_id == case_id)
                                .order_by(Follower.added_at, Follower.user_id)))


def is_participant(viewer: Identity, case: Case, followers: list[str]) -> bool:
    """The requester or a follower: those who may write on the case from the requester's side."""
    return viewer.user_id == case.requester_id or viewer.user_id in followers


def aggregate_ids(session: Session, column) -> ColumnElement[str]:
    """``column`` values joined by commas, in one row (string_agg on PostgreSQL, group_concat on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.string_agg(column, literal_column("','"))
    return func.group_concat(column, ",")


def split_ids(joined: str | None) -> list[str]:
    return sorted(joined.split(",")) if joined else []


# -- optimistic concurrency -----------------------------------------------------------------------


def check_if_match(case: Case, if_match: str | None) -> None:
    """``If-Match: 7`` or ``"7"`` (or ``W/"7"``, or ``*``): refuse a change made on a stale copy (412)."""
    if if_match is None or not if_match.strip():
        return
    candidates = [part.strip() for part in if_match.split(",")]
    for candidate in candidates:
        if candidate == "*":
            return
        tag = candidate.removeprefix("W/").strip().strip('"')
        if not tag.isdigit():
            raise errors.BadRequest(_("If-Match must be the version of the case, for example 3."))
        if int(tag) == case.version:
            return
    raise errors.PreconditionFailed(
        _("The case has changed since you read it (it is now at version %(version)s). Reload it and try again.",
          version=case.version),
        current_version=case.version,
    )


# -- changes, history and events ------------------------------------------------------------------


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


HANDOVER_FIELDS = ("handed_over_from_team_id", "handed_over_by_id")
# Fields whose change is told by the status or assignment events themselves.
_TOLD_BY_STATUS_OR_ASSIGNMENT = {"status", "resolved_at", "closed_at", "merged_into_id", "assignee_id", "team_id",
                                 "solution_message_id", *HANDOVER_FIELDS}
_BOOKKEEPING = {"resolved_at", "closed_at", "updated_at"}


def handover_of(case: Case) -> Handover | None:
    if case.handed_over_from_team_id is None:
        return None
    return Handover(from_team_id=case.handed_over_from_team_id, by_id=case.handed_over_by_id)


def set_handover(case: Case, handover: Handover | None, changes: Changes) -> None:
    changes.set(case, "handed_over_from_team_id", handover.from_team_id if handover else None, internal=True)
    changes.set(case, "handed_over_by_id", handover.by_id if handover else None, internal=True)


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
    from .views import case_view

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
    from .views import case_view

    followers = followers if followers is not None else follower_ids(session, case.id)
    payload = {**case_view(case, followers, viewer=None), "actor_id": actor_id(actor), "changes": {}, **extra}
    record_event(session, Event.new(event_type, service=opts.service_name, subject=case.id, data=payload))


def read_case(session: Session, viewer: Identity, case: Case) -> dict[str, Any]:
    from .views import case_view

    return case_view(case, follower_ids(session, case.id), viewer)


def get_case_by_number(session: Session, viewer: Identity, number: str) -> Case:
    """Look a case up by its number, typed with or without the space, in any letter case."""
    from ..domain import number_key

    key = number_key(number)
    case = session.scalars(select(Case).where(Case.number_key == key, visible_to(viewer))).first() if key else None
    if case is None:
        raise errors.NotFound(_("There is no such case, or you may not see it."))
    return case


def fetch_page(session: Session, query, page: int, per_page: int) -> tuple[list[Any], int]:
    """One page of ``query`` and the total, in one query (a window count); only a page past the end counts apart."""
    rows = session.execute(query.add_columns(func.count().over()).limit(per_page)
                           .offset((page - 1) * per_page)).all()
    if rows:
        return [tuple(row[:-1]) for row in rows], rows[0][-1]
    if page == 1:
        return [], 0
    return [], session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
