"""Who is staff: a small directory kept from the gateway's ``user.*`` events, by version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.events import Event

from ..models import DirectoryUser


def on_user_changed(session: Session, event: Event) -> None:
    data = event.data
    user_id, version = str(data["id"]), int(data.get("version") or 0)
    user = session.scalar(select(DirectoryUser).where(DirectoryUser.id == user_id).with_for_update())
    if user is None:
        session.add(DirectoryUser(id=user_id, roles=list(data.get("roles") or []),
                                  active=bool(data.get("active", True)), version=version))
    elif version > user.version:
        user.roles, user.active, user.version = list(data.get("roles") or []), bool(data.get("active", True)), version
