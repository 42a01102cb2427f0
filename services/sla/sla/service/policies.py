"""Policies: targets per priority, the calendar, pausing statuses and the warning point."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.db import utcnow
from servicekit.pagination import fetch_page

from ..domain import PRIORITIES, ClockRules, match_key
from ..i18n import _
from ..models import Calendar, Policy, new_id
from . import concurrency
from .calendars import business_calendar, get_calendar


def active_policies(session: Session) -> list[Policy]:
    """Every active policy with its calendar: a small table, read in one query."""
    return list(session.scalars(select(Policy).where(Policy.active.is_(True))).unique())


def default_policy(session: Session) -> Policy:
    policy = session.scalar(select(Policy).where(Policy.is_default.is_(True)))
    if policy is None:  # the initial migration creates it; only a hand-edited database lacks it
        raise errors.ServiceUnavailable(_("No default SLA policy exists."))
    return policy


def rules_of(policy: Policy) -> ClockRules:
    return ClockRules(
        calendar=business_calendar(policy.calendar),
        pause_statuses=tuple(policy.pause_statuses),
        warning_percent=policy.warning_percent,
    )


def create_policy(session: Session, values: dict[str, Any]) -> Policy:
    values = dict(values)
    values.setdefault("calendar_id", default_policy(session).calendar_id)
    values.setdefault("active", True)
    policy = Policy(id=new_id(), **values, is_default=False, version=1)
    _check(session, policy)
    session.add(policy)
    session.flush()
    return policy


def update_policy(session: Session, policy_id: str, changes: dict[str, Any], if_match: int | None) -> Policy:
    policy = get_policy(session, policy_id, for_update=True)
    concurrency.check_version(policy.version, if_match)
    if policy.is_default:
        _refuse_narrowing_the_default(changes)
    if "calendar_id" in changes and session.get(Calendar, changes["calendar_id"]) is None:
        raise errors.ValidationFailed(_("The policy is not valid."),
                                      errors={"calendar_id": [_("There is no such calendar.")]})
    for name, value in changes.items():
        setattr(policy, name, value)
    if "calendar_id" in changes:
        policy.calendar = session.get(Calendar, policy.calendar_id)
    _check(session, policy)
    policy.version += 1
    policy.updated_at = utcnow()
    session.flush()
    return policy


def _refuse_narrowing_the_default(changes: dict[str, Any]) -> None:
    if changes.get("active") is False or any(changes.get(k) for k in ("organisation_id", "category", "case_type")):
        raise errors.ValidationFailed(_("The default policy applies to every case and is always active."))


def _check(session: Session, policy: Policy) -> None:
    """The rules a policy must keep: its own targets, a known calendar, no twin among active policies."""
    problems: dict[str, list[str]] = {}
    if policy.is_default and set(policy.targets) != set(PRIORITIES):
        problems["targets"] = [_("The default policy needs targets for every priority.")]
    if any(t["first_response"] > t["resolution"] for t in policy.targets.values()):
        problems.setdefault("targets", []).append(_("A first response cannot be due after the resolution."))
    if session.get(Calendar, policy.calendar_id) is None:
        problems["calendar_id"] = [_("There is no such calendar.")]
    if problems:
        raise errors.ValidationFailed(_("The policy is not valid."), errors=problems)
    policy.match_key = match_key(policy.organisation_id, policy.category, policy.case_type)
    twin = session.scalar(select(Policy.id).where(
        Policy.active.is_(True), Policy.match_key == policy.match_key, Policy.id != (policy.id or "")))
    if policy.active and twin is not None:
        raise errors.Conflict(_("Another active policy already matches exactly these cases."), policy_id=twin)


def get_policy(session: Session, policy_id: str, *, for_update: bool = False) -> Policy:
    statement = select(Policy).where(Policy.id == policy_id)
    if for_update:
        statement = statement.with_for_update(of=Policy)
    policy = session.scalar(statement)
    if policy is None:
        raise errors.NotFound(_("There is no such policy."))
    return policy


def list_policies(session: Session, *, page: int, per_page: int, active: bool | None) -> tuple[list[Policy], int]:
    statement = select(Policy).order_by(Policy.is_default.desc(), Policy.name, Policy.id)
    if active is not None:
        statement = statement.where(Policy.active.is_(active))
    rows, total = fetch_page(session, statement, page=page, per_page=per_page)
    return [policy for (policy,) in rows], total


def policies_on_calendar(session: Session, calendar_id: str) -> list[str]:
    get_calendar(session, calendar_id)
    return list(session.scalars(select(Policy.id).where(Policy.calendar_id == calendar_id)))
