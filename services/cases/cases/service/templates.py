"""Reply templates: agents read them, admins write them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.db import utcnow
from servicekit.pagination import fetch_page

from ..i18n import _
from ..models import ReplyTemplate
from . import directory
from .common import require_staff
from .routing import require_admin

FIELDS = ("name", "body", "language", "team_id")


def list_templates(session: Session, viewer: Identity, args: dict[str, Any]) -> tuple[list[ReplyTemplate], int]:
    require_staff(viewer)
    conditions = []
    if args.get("language"):
        conditions.append(ReplyTemplate.language == args["language"])
    if args.get("team_id"):
        conditions.append(or_(ReplyTemplate.team_id == args["team_id"], ReplyTemplate.team_id.is_(None)))
    if args.get("q"):
        conditions.append(func.lower(ReplyTemplate.name).contains(args["q"].lower(), autoescape=True))
    query = (select(ReplyTemplate).where(*conditions)
             .order_by(ReplyTemplate.language, ReplyTemplate.name, ReplyTemplate.id))
    rows, total = fetch_page(session, query, page=args["page"], per_page=args["per_page"])
    return [template for (template,) in rows], total


def get_template(session: Session, viewer: Identity, template_id: str, *, for_update: bool = False) -> ReplyTemplate:
    require_staff(viewer)
    template = session.get(ReplyTemplate, str(template_id), with_for_update=for_update)
    if template is None:
        raise errors.NotFound(_("There is no such reply template."))
    return template


def create_template(session: Session, actor: Identity, data: dict[str, Any]) -> ReplyTemplate:
    require_admin(actor)
    if data.get("team_id"):
        directory.require_team(session, data["team_id"])
    template = ReplyTemplate(**{k: data.get(k) for k in FIELDS}, created_by=actor.user_id)
    session.add(template)
    session.flush()
    return template


def update_template(session: Session, actor: Identity, template_id: str, data: dict[str, Any]) -> ReplyTemplate:
    require_admin(actor)
    template = get_template(session, actor, template_id, for_update=True)
    if data.get("team_id"):
        directory.require_team(session, data["team_id"])
    changed = False
    for name in FIELDS:
        if name in data and getattr(template, name) != data[name]:
            setattr(template, name, data[name])
            changed = True
    if changed:
        template.version += 1
        template.updated_at = utcnow()
    session.flush()
    return template


def delete_template(session: Session, actor: Identity, template_id: str) -> None:
    require_admin(actor)
    session.delete(get_template(session, actor, template_id, for_update=True))
