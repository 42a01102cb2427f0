"""Changing a case's fields (PATCH and bulk edit) and its status actions, each in one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity

from ..domain import (
    assignee_for_status,
    check_assignment,
    check_may_change,
    handover_after_team_change,
    priority_for,
    status_after_assignment,
)
from ..i18n import _
from ..models import Case
from . import directory, lifecycle, routing
from .changes import Changes, commit_change, handover_of, set_handover
from .common import Options, actor_id, check_if_match, get_case, referenced_case, require_editor
from .messages import add_message

PLAIN_FIELDS = ("title", "description", "type", "category", "product", "private")


def update_case(session: Session, opts: Options, actor: Identity, case_id: str, patch: dict[str, Any],
                if_match: str | None = None) -> Case:
    case = get_case(session, actor, case_id, for_update=True)
    require_editor(actor, case)
    check_if_match(case, if_match)
    changes = Changes()
    apply_patch(session, opts, actor, case, patch, changes)
    commit_change(session, opts, case, actor, changes)
    return case


def apply_patch(session: Session, opts: Options, actor: Identity, case: Case, patch: dict[str, Any],
                changes: Changes) -> None:
    check_may_change(case.status)
    for name in PLAIN_FIELDS:
        if name in patch:
            changes.set(case, name, patch[name])
    _apply_priority(session, case, patch, changes)
    if "parent_id" in patch:
        _apply_parent(session, actor, case, patch["parent_id"], changes)
    old_assignee = case.assignee_id
    if "team_id" in patch or "assignee_id" in patch:
        _apply_assignment(session, actor, case, patch, changes)
    if "status" in patch:
        lifecycle.change_status(session, opts, actor, case, changes, patch["status"])
        changes.set(case, "assignee_id", assignee_for_status(case.status, case.assignee_id,
                                                             named=bool(patch.get("assignee_id"))))
    else:
        changes.set(case, "status", status_after_assignment(case.status, old_assignee, case.assignee_id).value)
    check_assignment(case.status, case.assignee_id)


def _apply_priority(session: Session, case: Case, patch: dict[str, Any], changes: Changes) -> None:
    for name in ("urgency", "impact"):
        if name in patch:
            changes.set(case, name, patch[name])
    if "priority" in patch and patch["priority"] is not None:
        changes.set(case, "priority_overridden", True)
        changes.set(case, "priority", patch["priority"])
        return
    if "priority" in patch:
        changes.set(case, "priority_overridden", False)
    if not case.priority_overridden:
        matrix = routing.priority_matrix(session)
        changes.set(case, "priority", priority_for(case.urgency, case.impact, matrix).value)


def _apply_parent(session: Session, actor: Identity, case: Case, parent_id: str | None, changes: Changes) -> None:
    if parent_id is not None:
        if parent_id == case.id:
            raise _parent_error(_("A case cannot be its own parent."))
        parent = referenced_case(session, actor, parent_id, "parent_id")
        ancestor, seen = parent, set()
        while ancestor.parent_id and ancestor.id not in seen:
            seen.add(ancestor.id)
            if ancestor.parent_id == case.id:
                raise _parent_error(_("The parent is already a child of this case."))
            ancestor = session.get(Case, ancestor.parent_id)
    changes.set(case, "parent_id", parent_id)


def _parent_error(message: str) -> errors.ValidationFailed:
    return errors.ValidationFailed(message, errors={"parent_id": [message]})


def _apply_assignment(session: Session, actor: Identity, case: Case, patch: dict[str, Any],
                      changes: Changes) -> None:
    """A new team clears an agent who is not in it; an agent must be in the (new) team."""
    old_team = case.team_id
    team = directory.require_team(session, patch.get("team_id") or case.team_id)
    if team.id != old_team:
        changes.set(case, "team_id", team.id)
        set_handover(case, handover_after_team_change(handover_of(case), old_team, team.id, actor_id(actor)), changes)
    assignee = patch.get("assignee_id", case.assignee_id)
    if assignee and "assignee_id" not in patch and not directory.is_member(team, assignee,
                                                                           directory.find_user(session, assignee)):
        assignee = None
    if assignee and assignee != case.assignee_id:
        directory.require_assignable(session, assignee, team)
    changes.set(case, "assignee_id", assignee)


def resolve_case(session: Session, opts: Options, actor: Identity, case_id: str, *, solution: str | None,
                 visibility: str | None, if_match: str | None = None) -> Case:
    case = get_case(session, actor, case_id, for_update=True)
    check_if_match(case, if_match)
    changes = Changes()
    lifecycle.resolve(session, opts, actor, case, changes, solution=solution, visibility=visibility)
    commit_change(session, opts, case, actor, changes)
    return case


def close_case(session: Session, opts: Options, actor: Identity, case_id: str, if_match: str | None = None) -> Case:
    case = get_case(session, actor, case_id, for_update=True)
    check_if_match(case, if_match)
    changes = Changes()
    lifecycle.close(session, opts, actor, case, changes)
    commit_change(session, opts, case, actor, changes)
    return case


def reopen_case(session: Session, opts: Options, actor: Identity, case_id: str, *, reason: str | None,
                if_match: str | None = None) -> Case:
    case = get_case(session, actor, case_id, for_update=True)
    check_if_match(case, if_match)
    changes = Changes()
    lifecycle.reopen(session, opts, actor, case, changes, reason)
    commit_change(session, opts, case, actor, changes)
    if reason:  # the reason stays on the case, told after the reopening (its event carries the new version)
        add_message(session, opts, actor, case, reason, "internal" if actor.is_staff else "external", via="api")
    return case


def merge_case(session: Session, opts: Options, actor: Identity, case_id: str, into_id: str,
               if_match: str | None = None) -> Case:
    # Lock both cases in one order, so that merging A into B while B goes into A cannot deadlock.
    session.execute(select(Case.id).where(Case.id.in_([str(case_id), str(into_id)]))
                    .order_by(Case.id).with_for_update())
    case = get_case(session, actor, case_id, for_update=True)
    check_if_match(case, if_match)
    lifecycle.merge(session, opts, actor, case, into_id)
    return case


def apply_routing(session: Session, opts: Options, actor: Identity, case_id: str,
                  if_match: str | None = None) -> Case:
    """Send the case where the routing rules send a new case like it (seed 004: "Anvend ruteregel")."""
    case = get_case(session, actor, case_id, for_update=True)
    team_id = routing.route(session, category=case.category, product=case.product, type=case.type,
                            origin=case.origin)
    return update_case(session, opts, actor, case.id, {"team_id": team_id}, if_match)
