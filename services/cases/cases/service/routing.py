"""Where a new case lands (routing rules, then the default team) and the admin settings behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.db import utcnow

from ..domain import DEFAULT_PRIORITY_MATRIX, matrix_problems
from ..i18n import _
from ..models import RoutingRule, Setting
from .directory import DEFAULT_TEAM_KEY, require_team

PRIORITY_MATRIX_KEY = "priority_matrix"
RULE_FIELDS = ("name", "category", "product", "type", "origin", "team_id", "active")


def require_admin(actor: Identity) -> None:
    if not actor.is_admin:
        raise errors.Forbidden(_("Only an administrator may change this."))


# -- settings ---------------------------------------------------------------------------------------


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    setting = session.get(Setting, key)
    return default if setting is None else setting.value


def put_setting(session: Session, key: str, value: Any, actor: Identity) -> None:
    setting = session.get(Setting, key, with_for_update=True)
    if setting is None:
        session.add(Setting(key=key, value=value, updated_by=actor.user_id))
    else:
        setting.value = value
        setting.updated_at = utcnow()
        setting.updated_by = actor.user_id


def default_team_id(session: Session) -> str | None:
    return get_setting(session, DEFAULT_TEAM_KEY)


def set_default_team(session: Session, actor: Identity, team_id: str) -> str:
    require_admin(actor)
    require_team(session, team_id)
    put_setting(session, DEFAULT_TEAM_KEY, team_id, actor)
    return team_id


def priority_matrix(session: Session) -> dict[str, dict[str, str]]:
    return _usable_matrix(get_setting(session, PRIORITY_MATRIX_KEY))


def _usable_matrix(stored: Any) -> dict[str, dict[str, str]]:
    return stored if stored and not matrix_problems(stored) else DEFAULT_PRIORITY_MATRIX


@dataclass(frozen=True)
class NewCaseDefaults:
    """What a new case falls back on: the default team (None until one is chosen) and the priority matrix."""

    team_id: str | None
    priority_matrix: dict[str, dict[str, str]]


def new_case_defaults(session: Session) -> NewCaseDefaults:
    """Both settings in one query: opening a case needs them together."""
    stored = dict(session.execute(select(Setting.key, Setting.value)
                                  .where(Setting.key.in_((DEFAULT_TEAM_KEY, PRIORITY_MATRIX_KEY)))).all())
    return NewCaseDefaults(team_id=stored.get(DEFAULT_TEAM_KEY),
                           priority_matrix=_usable_matrix(stored.get(PRIORITY_MATRIX_KEY)))


def set_priority_matrix(session: Session, actor: Identity, matrix: dict[str, dict[str, str]]) -> dict:
    require_admin(actor)
    put_setting(session, PRIORITY_MATRIX_KEY, matrix, actor)
    return matrix


# -- routing --------------------------------------------------------------------------------------


def route(session: Session, *, category: str | None, product: str | None, type: str | None,
          origin: str | None, defaults: NewCaseDefaults | None = None) -> str:
    """The team of a new case: the first active rule that matches, else the default team (from ``defaults``
    when the caller has read them already)."""
    facts = {"category": _fold(category), "product": _fold(product), "type": type, "origin": origin}
    for rule in session.scalars(select(RoutingRule).where(RoutingRule.active.is_(True))
                                .order_by(RoutingRule.position, RoutingRule.created_at)):
        if rule_matches(rule, facts):
            return rule.team_id
    team_id = defaults.team_id if defaults is not None else default_team_id(session)
    if team_id is None:
        raise errors.Conflict(_("No team receives new cases yet: an administrator must choose the default team."))
    return team_id


def rule_matches(rule: RoutingRule, facts: dict[str, str | None]) -> bool:
    wanted = {"category": _fold(rule.category), "product": _fold(rule.product), "type": rule.type,
              "origin": rule.origin}
    return all(value is None or facts[name] == value for name, value in wanted.items())


def _fold(text: str | None) -> str | None:
    return text.strip().casefold() if text and text.strip() else None


def list_rules(session: Session) -> list[RoutingRule]:
    return list(session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.created_at)))


def get_rule(session: Session, rule_id: str, *, for_update: bool = False) -> RoutingRule:
    rule = session.get(RoutingRule, str(rule_id), with_for_update=for_update)
    if rule is None:
        raise errors.NotFound(_("There is no such routing rule."))
    return rule


def create_rule(session: Session, actor: Identity, data: dict[str, Any]) -> RoutingRule:
    require_admin(actor)
    require_team(session, data["team_id"])
    rules = list_rules(session)
    position = min(data.get("position") or len(rules) + 1, len(rules) + 1)
    rule = RoutingRule(position=position, **{k: data.get(k) for k in RULE_FIELDS})
    rules.insert(position - 1, rule)
    session.add(rule)
    _renumber(rules)
    session.flush()
    return rule


def update_rule(session: Session, actor: Identity, rule_id: str, data: dict[str, Any]) -> RoutingRule:
    require_admin(actor)
    rule = get_rule(session, rule_id, for_update=True)
    if "team_id" in data:
        require_team(session, data["team_id"])
    for name in RULE_FIELDS:
        if name in data:
            setattr(rule, name, data[name])
    if not any(getattr(rule, name) for name in ("category", "product", "type", "origin")):
        raise errors.ValidationFailed(_("A rule needs at least one of category, product, type or origin."))
    if "position" in data:
        rules = [r for r in list_rules(session) if r.id != rule.id]
        rules.insert(min(data["position"], len(rules) + 1) - 1, rule)
        _renumber(rules)
    rule.updated_at = utcnow()
    session.flush()
    return rule


def delete_rule(session: Session, actor: Identity, rule_id: str) -> None:
    require_admin(actor)
    session.delete(get_rule(session, rule_id, for_update=True))
    session.flush()
    _renumber(list_rules(session))


def _renumber(rules: list[RoutingRule]) -> None:
    for index, rule in enumerate(rules, start=1):
        rule.position = index


def rule_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RoutingRule)) or 0
