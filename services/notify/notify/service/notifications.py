"""In-app notices (list, unread count, mark read) and the user's notification preferences."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.db import utcnow

from .. import domain
from ..i18n import _, _l
from ..models import Notification, NotificationPreference

KIND_LABELS = {
    "case_receipt": _l("Receipt for a new case"),
    "case_new": _l("New case for my team"),
    "case_reply": _l("Reply on my case"),
    "case_customer_message": _l("Message from a requester"),
    "case_internal_note": _l("Internal note on my case"),
    "case_assigned": _l("Case assigned to me"),
    "case_team_queue": _l("New case in my team's queue"),
    "case_status": _l("Status change on my case"),
    "case_waiting": _l("We wait for my answer"),
    "case_resolved": _l("My case is resolved"),
    "case_closed": _l("My case is closed"),
    "case_shared": _l("A case is shared with me"),
    "case_merged": _l("My case was merged"),
    "task_assigned": _l("Task for me or my team"),
    "task_resolved": _l("A task I approve is solved"),
    "task_returned": _l("A task is sent back to me"),
    "task_reopened": _l("A task is reopened"),
    "task_commented": _l("Comment on my task"),
    "sla_warning": _l("SLA warning"),
    "sla_breached": _l("SLA breached"),
}
USER_KINDS = tuple(k for k in domain.ALL_KINDS if k in KIND_LABELS)


# -- notices ------------------------------------------------------------------------------------------


def list_notifications(session: Session, user_id: str, *, unread_only: bool, limit: int,
                       offset: int) -> tuple[list[Notification], int]:
    """One page, newest first, and the total (counted in the same query)."""
    where = [Notification.user_id == user_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    rows = session.execute(
        select(Notification, func.count().over().label("total"))
        .where(*where)
        .order_by(Notification.created_at.desc(), Notification.id)
        .limit(limit).offset(offset)
    ).all()
    if rows:
        return [row[0] for row in rows], rows[0].total
    total = session.scalar(select(func.count()).select_from(Notification).where(*where)) if offset else 0
    return [], total or 0


def unread_count(session: Session, user_id: str) -> int:
    return session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def mark_read(session: Session, user_id: str, notification_id: str) -> Notification:
    notice = session.get(Notification, notification_id)
    if notice is None or notice.user_id != user_id:
        raise errors.NotFound(_("There is no such notification."))
    if notice.read_at is None:
        notice.read_at = utcnow()
    session.commit()
    return notice


def mark_all_read(session: Session, user_id: str) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    session.commit()
    return result.rowcount or 0


# -- preferences --------------------------------------------------------------------------------------


def kinds_for(identity: Identity) -> tuple[str, ...]:
    """The kinds a user can receive: staff all of them, requesters those about their own cases."""
    if identity.is_staff:
        return USER_KINDS
    return tuple(k for k in USER_KINDS if k not in domain.STAFF_KINDS)


def preferences(session: Session, identity: Identity) -> list[dict[str, Any]]:
    chosen: dict[str, list[tuple[str, bool]]] = {}
    for pref in session.scalars(select(NotificationPreference).where(
            NotificationPreference.user_id == identity.user_id)):
        chosen.setdefault(pref.kind, []).append((pref.channel, pref.enabled))
    return [
        {"kind": kind, "label": str(KIND_LABELS[kind]), "mandatory": kind in domain.MANDATORY_KINDS,
         "channels": domain.visible_channels(kind, chosen.get(kind, []))}
        for kind in kinds_for(identity)
    ]


def set_preferences(session: Session, identity: Identity, items: Iterable[Mapping[str, Any]]) -> None:
    """Apply the user's choices; refuse (422, nothing changed) a mandatory or unknown kind or channel."""
    allowed = set(kinds_for(identity))
    problems: dict[str, list[str]] = {}
    wanted: list[tuple[str, str, bool]] = []
    for item in items:
        kind = item["kind"]
        if kind not in allowed:
            problems.setdefault(kind, []).append(_("There is no such kind of notification."))
            continue
        for channel, enabled in item["channels"].items():
            if channel not in domain.KIND_CHANNELS[kind]:
                problems.setdefault(kind, []).append(_("This notification is not sent on that channel."))
            elif kind in domain.MANDATORY_KINDS and not enabled:
                problems.setdefault(kind, []).append(_("This notification is required and cannot be turned off."))
            else:
                wanted.append((kind, channel, bool(enabled)))
    if problems:
        raise errors.ValidationFailed(_("Some preferences cannot be set."), errors=problems)
    for kind, channel, enabled in wanted:
        key = {"user_id": identity.user_id, "kind": kind, "channel": channel}
        existing = session.get(NotificationPreference, key)
        if existing is None:
            session.add(NotificationPreference(**key, enabled=enabled))
        else:
            existing.enabled = enabled
    session.commit()
