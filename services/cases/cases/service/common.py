"""What every use case of the cases service shares: options, actors, loading a case the caller
may see, optimistic concurrency, and committing a change (version, history, events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, literal_column, or_, select, true, union
from sqlalchemy.orm import Session, aliased

from servicekit import errors
from servicekit.auth import ADMIN, AGENT, SERVICE, Identity

from ..domain import number_key
from ..files import AttachmentStore
from ..i18n import _
from ..models import Case, DirectoryOrganisation, Follower
from .views import case_view

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

# Made once: an alias finds, on first use of each column, which table column it stands for; a new alias in
# every request paid that again (about 5 ms of a requester's list page).
_LISTED = aliased(Case, name="listed")
_RELATED = aliased(Case, name="related")


def visible_to(viewer: Identity, case: Any = Case) -> ColumnElement[bool]:
    """The cases ``viewer`` may see, as one SQL condition (no extra query); ``case`` may be an alias.

    Staff see every case.  A requester sees the cases they asked, the cases shared with
    them, and - when their organisation's ``case_visibility`` is ``organisation`` - the
    non-private cases of their organisation.
    """
    if viewer.is_staff:
        return true()
    return or_(*_visibility_rules(viewer, case))


def listed_for(viewer: Identity) -> ColumnElement[bool]:
    """``visible_to`` for a list of cases: one id set per rule, each found through its own index (a union),
    rather than an OR the planner can only answer by reading the whole table."""
    if viewer.is_staff:
        return true()
    return Case.id.in_(union(*(select(_LISTED.id).where(rule) for rule in _visibility_rules(viewer, _LISTED))))


def _visibility_rules(viewer: Identity, case: Any) -> list[ColumnElement[bool]]:
    me = viewer.user_id
    rules: list[ColumnElement[bool]] = [
        case.requester_id == me,
        case.id.in_(select(Follower.case_id).where(Follower.user_id == me)),
    ]
    if viewer.organisation_id:
        organisation_shares = exists().where(
            DirectoryOrganisation.id == viewer.organisation_id,
            DirectoryOrganisation.case_visibility == "organisation",
        )
        rules.append(and_(case.organisation_id == viewer.organisation_id, case.private.is_(false()),
                          organisation_shares))
    return rules


def related_visible_to(viewer: Identity) -> ColumnElement[bool]:
    """Whether ``viewer`` may see the related case of each listed case, as a column of the same query
    (a scalar subquery: one look-up by key for each row of the page, never a scan of every case)."""
    if viewer.is_staff:
        return true()
    return (select(_RELATED.id).where(_RELATED.id == Case.related_case_id, visible_to(viewer, _RELATED))
            .scalar_subquery().is_not(None))


def get_case(session: Session, viewer: Identity, case_id: str, *, for_update: bool = False) -> Case:
    """The case if ``viewer`` may see it; 404 otherwise (also when it exists but is hidden)."""
    query = select(Case).where(Case.id == str(case_id), visible_to(viewer))
    if for_update:
        query = query.with_for_update(of=Case)
    case = session.scalars(query).first()
    if case is None:
        raise errors.NotFound(_("There is no such case, or you may not see it."))
    return case


def may_see(session: Session, viewer: Identity, case_id: str) -> bool:
    """Whether the case exists for ``viewer`` (one indexed look-up; nothing is loaded into the session)."""
    return session.scalar(select(Case.id).where(Case.id == str(case_id), visible_to(viewer))) is not None


def referenced_case(session: Session, viewer: Identity, case_id: str, field: str) -> Case:
    """A case named in the input: one the caller may not see is an invalid field (422), not a 404."""
    try:
        return get_case(session, viewer, case_id)
    except errors.NotFound as err:
        raise errors.ValidationFailed(err.detail, errors={field: [err.detail]}) from None


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


def read_case(session: Session, viewer: Identity, case: Case) -> dict[str, Any]:
    related_visible = viewer.is_staff or (case.related_case_id is not None
                                          and may_see(session, viewer, case.related_case_id))
    return case_view(case, follower_ids(session, case.id), viewer, related_visible=related_visible)


def get_case_by_number(session: Session, viewer: Identity, number: str) -> Case:
    """Look a case up by its number, typed with or without the space, in any letter case."""
    key = number_key(number)
    case = session.scalars(select(Case).where(Case.number_key == key, visible_to(viewer))).first() if key else None
    if case is None:
        raise errors.NotFound(_("There is no such case, or you may not see it."))
    return case
