"""Sharing a case with colleagues of the same organisation (followers: read, write, hear of changes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity

from .. import events
from ..i18n import _
from ..models import DirectoryUser, Follower
from . import directory
from .changes import Changes, commit_change
from .common import Options, follower_ids, get_case, is_participant, require_editor


def share(session: Session, opts: Options, actor: Identity, case_id: str, user_id: str) -> Follower:
    case = get_case(session, actor, case_id, for_update=True)
    followers = follower_ids(session, case.id)
    if actor.is_staff:
        require_editor(actor, case)
    elif not is_participant(actor, case, followers):
        raise errors.Forbidden(_("Only the requester, a follower or staff may share the case."))
    user = directory.find_user(session, user_id)
    if user is None or not user.active or not case.organisation_id or user.organisation_id != case.organisation_id:
        message = _("A case can only be shared with active users of its own organisation.")
        raise errors.ValidationFailed(message, errors={"user_id": [message]})
    if user.id == case.requester_id:
        message = _("The requester already has the case.")
        raise errors.ValidationFailed(message, errors={"user_id": [message]})
    existing = session.get(Follower, (case.id, user.id))
    if existing is not None:
        return existing
    follower = Follower(case_id=case.id, user_id=user.id, added_by=actor.user_id)
    session.add(follower)
    changes = Changes()
    changes.note("follower_ids", followers, sorted([*followers, user.id]))
    changes.add_event(events.CASE_SHARED, user_id=user.id)
    commit_change(session, opts, case, actor, changes, [*followers, user.id])
    return follower


def unshare(session: Session, opts: Options, actor: Identity, case_id: str, user_id: str) -> None:
    case = get_case(session, actor, case_id, for_update=True)
    followers = follower_ids(session, case.id)
    if actor.is_staff and actor.user_id != str(user_id):
        require_editor(actor, case)
    elif actor.user_id not in (case.requester_id, str(user_id)):
        raise errors.Forbidden(_("Only the requester, staff or the follower themself may stop the sharing."))
    follower = session.get(Follower, (case.id, str(user_id)))
    if follower is None:
        raise errors.NotFound(_("The case is not shared with that user."))
    session.delete(follower)
    remaining = [f for f in followers if f != str(user_id)]
    changes = Changes()
    changes.note("follower_ids", followers, remaining)
    changes.add_event(events.CASE_UNSHARED, user_id=str(user_id))
    commit_change(session, opts, case, actor, changes, remaining)


def list_followers(session: Session, viewer: Identity, case_id: str) -> list[dict[str, Any]]:
    case = get_case(session, viewer, case_id)
    rows = session.execute(
        select(Follower, DirectoryUser.name, DirectoryUser.email)
        .outerjoin(DirectoryUser, DirectoryUser.id == Follower.user_id)
        .where(Follower.case_id == case.id).order_by(Follower.added_at)
    ).all()
    return [{"user_id": f.user_id, "name": name, "email": email, "added_by": f.added_by, "added_at": f.added_at}
            for f, name, email in rows]
