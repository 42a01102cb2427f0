"""Views, filters, search, sorting and pages of cases: one SQL query per page."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, union
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.pagination import offset

from ..domain import DONE_STATUSES, OPEN_STATUSES, PRIORITY_RANK, STATUS_RANK, number_key
from ..i18n import _
from ..models import DANISH, Case, Follower, Message, message_search_vector
from .common import aggregate_ids, listed_for, related_visible_to, split_ids
from .views import case_view

STAFF_VIEWS = ("team", "assigned_to_me", "unassigned")
STAFF_FILTERS = ("team_id", "assignee_id", "requester_id", "organisation_id")
EQUAL_FILTERS = ("team_id", "assignee_id", "requester_id", "organisation_id", "parent_id", "priority", "type",
                 "origin")


def list_cases(session: Session, viewer: Identity, args: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    conditions = [listed_for(viewer), view_condition(viewer, args["view"], args), status_condition(args["status"])]
    conditions += filter_conditions(viewer, args)
    if args.get("q"):
        conditions.append(search_condition(session, viewer, args["q"]))
    matching = select(Case.id).where(and_(*conditions))
    order = sort_order(args["sort"])
    # The page is chosen and counted on narrow rows (the id and the sort key); only its own cases are then
    # read in full, with their followers, in the same statement.
    chosen = (matching.add_columns(func.count().over().label("total")).order_by(*order)
              .limit(args["per_page"]).offset(offset(args)).subquery("chosen"))
    followers = (select(aggregate_ids(session, Follower.user_id))
                 .where(Follower.case_id == Case.id).correlate(Case).scalar_subquery())
    rows = session.execute(select(Case, followers, related_visible_to(viewer), chosen.c.total)
                           .join(chosen, chosen.c.id == Case.id).order_by(*order)).all()
    items = [case_view(c, split_ids(ids), viewer, related_visible=related) for c, ids, related, _ in rows]
    return items, rows[0].total if rows else count_past_the_end(session, matching, args["page"])


def count_past_the_end(session: Session, matching: Select, page: int) -> int:
    """A page past the end has no row to carry the total: it is counted apart (none on the first page)."""
    if page == 1:
        return 0
    return session.scalar(select(func.count()).select_from(matching.subquery())) or 0


def view_condition(viewer: Identity, view: str, args: dict[str, Any]) -> ColumnElement[bool]:
    me = viewer.user_id
    if view in STAFF_VIEWS and not viewer.is_staff:
        raise errors.Forbidden(_("This view is for staff."))
    if view == "mine":
        return or_(Case.requester_id == me, Case.created_by == me)
    if view == "shared":
        return Case.id.in_(select(Follower.case_id).where(Follower.user_id == me))
    if view == "organisation":
        organisation = (args.get("organisation_id") if viewer.is_staff else None) or viewer.organisation_id
        return Case.organisation_id == organisation if organisation else Case.id.is_(None)
    if view == "team":
        teams = sorted(viewer.team_ids | viewer.dispatcher_team_ids)
        return Case.team_id.in_(teams) if teams else Case.id.is_(None)
    if view == "assigned_to_me":
        return Case.assignee_id == me
    if view == "unassigned":
        return Case.assignee_id.is_(None)
    return Case.id.is_not(None)


def status_condition(status: str) -> ColumnElement[bool]:
    if status == "open":
        return Case.status.in_(sorted(OPEN_STATUSES))
    if status == "closed":
        return Case.status.in_(sorted(DONE_STATUSES))
    if status == "any":
        return Case.id.is_not(None)
    return Case.status.in_([s.strip() for s in status.split(",")])


def filter_conditions(viewer: Identity, args: dict[str, Any]) -> list[ColumnElement[bool]]:
    conditions = []
    for name in EQUAL_FILTERS:
        value = args.get(name)
        if value is None or (name in STAFF_FILTERS and not viewer.is_staff and name != "organisation_id"):
            continue
        conditions.append(getattr(Case, name) == value)
    for name in ("category", "product"):
        if args.get(name):
            conditions.append(func.lower(getattr(Case, name)) == args[name].strip().lower())
    return conditions


def search_condition(session: Session, viewer: Identity, text: str) -> ColumnElement[bool]:
    """Full text over number, title, description and messages (internal messages for staff only)."""
    message_scope = [Message.visibility == "external"] if not viewer.is_staff else []
    key = number_key(text)
    by_number = [Case.number_key == key] if key else []
    fragment = re.sub(r"\s+", "", text).upper()
    if re.fullmatch(r"[A-Z]*\d{2,4}-?\d*", fragment):
        by_number.append(Case.number_key.contains(fragment, autoescape=True))
    if session.get_bind().dialect.name == "postgresql":
        # One id set from each GIN index (a union), rather than an OR the planner can only scan.
        query = func.websearch_to_tsquery(DANISH, text)
        matches = union(
            select(Case.id).where(Case.search_document.op("@@")(query)),
            select(Message.case_id).where(message_search_vector().op("@@")(query), *message_scope),
            *(select(Case.id).where(condition) for condition in by_number),
        )
        return Case.id.in_(matches)
    return or_(*by_number, _like_search(text, message_scope))


def _like_search(text: str, message_scope: list) -> ColumnElement[bool]:
    """SQLite: every word must appear in the case text or in one of its messages (case-insensitive)."""
    words = [w for w in re.split(r"\s+", text.lower()) if w][:10]
    haystack = func.lower(Case.title + " " + Case.description)
    per_word = []
    for word in words:
        in_messages = select(Message.case_id).where(func.lower(Message.body).contains(word, autoescape=True),
                                                    *message_scope)
        per_word.append(or_(haystack.contains(word, autoescape=True), Case.id.in_(in_messages)))
    return and_(*per_word) if per_word else Case.id.is_not(None)


def sort_order(sort: str) -> list:
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name == "priority":
        column = case(PRIORITY_RANK, value=Case.priority)
        descending = not descending  # rank 0 is critical: "-priority" puts the most pressing first
    elif name == "status":
        column = case({s.value: r for s, r in STATUS_RANK.items()}, value=Case.status)
    elif name == "number":
        column = Case.created_at  # numbers grow with time; their text does not sort across prefixes
    else:
        column = getattr(Case, name)
    ordered = column.desc().nulls_last() if descending else column.asc().nulls_last()
    return [ordered, Case.id.desc() if descending else Case.id.asc()]
