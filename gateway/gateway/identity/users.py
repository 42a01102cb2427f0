"""Use cases of users: one transaction each, events recorded before the commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.db import utcnow
from servicekit.pagination import paginate

from ..auth.passwords import Passwords
from ..i18n import _
from ..models import ApiToken, Organisation, TeamMember, User
from . import events
from .common import commit_unique, contains
from .organisations import organisation_for_email
from .views import changes_between, contact_view, user_view

STAFF_ONLY_ROLES = frozenset({"agent", "dispatcher", "admin"})


def get_user(session: Session, user_id: str, *, for_update: bool = False) -> User:
    """The user; ``for_update`` locks the row until the commit, so concurrent changes count versions in turn."""
    user = session.get(User, user_id, with_for_update=for_update or None, populate_existing=for_update)
    if user is None:
        raise errors.NotFound(_("There is no such user."))
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def list_users(session: Session, args: dict[str, Any], viewer: Identity) -> dict[str, Any]:
    """Staff search everyone; a requester finds only active colleagues of their own organisation."""
    query = select(User).order_by(User.name, User.id)
    if args.get("q"):
        pattern = contains(args["q"])
        query = query.where(or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")))
    if "ids" in args:
        query = query.where(User.id.in_(args["ids"]))
    if not viewer.is_staff:
        if viewer.organisation_id is None:
            query = query.where(User.id == viewer.user_id)
        else:
            query = query.where(User.organisation_id == viewer.organisation_id)
        return paginate(session, query.where(User.active.is_(True)), args, contact_view)
    if "role" in args:
        query = query.where(getattr(User, User.ROLE_COLUMNS[args["role"]]).is_(True))
    if args.get("organisation_id"):
        query = query.where(User.organisation_id == args["organisation_id"])
    if args.get("team_id"):
        query = query.where(User.id.in_(select(TeamMember.user_id).where(TeamMember.team_id == args["team_id"])))
    if "active" in args or "ids" not in args:
        query = query.where(User.active.is_(args.get("active", True)))
    return paginate(session, query, args, user_view)


def visible_user(session: Session, user_id: str, viewer: Identity) -> dict[str, Any]:
    """One user as the viewer may see them: in full for staff and oneself, as a contact for colleagues."""
    user = session.get(User, user_id)
    if user is None:
        raise errors.NotFound(_("There is no such user."))
    if viewer.is_staff or user.id == viewer.user_id:
        return user_view(user)
    if viewer.organisation_id is not None and user.organisation_id == viewer.organisation_id and user.active:
        return contact_view(user)
    raise errors.NotFound(_("There is no such user."))


def create_user(session: Session, data: dict[str, Any], passwords: Passwords, *, actor_id: str | None) -> dict:
    _check_email_free(session, data["email"])
    _check_organisation(session, data.get("organisation_id"))
    user = User(
        email=data["email"],
        name=data["name"],
        organisation_id=data.get("organisation_id"),
        language=data["language"],
        shared_mailbox=data["shared_mailbox"],
        password_hash=passwords.hash(data["password"]) if data.get("password") else None,
    )
    user.roles = data["roles"]
    session.add(user)
    session.flush()
    view = user_view(user)
    events.publish(session, events.USER_CREATED, view, actor_id=actor_id)
    commit_unique(session, _("A user with this e-mail address already exists."))
    return view


def update_user(session: Session, user_id: str, data: dict[str, Any], passwords: Passwords, *,
                actor: Identity | None) -> dict:
    user = get_user(session, user_id, for_update=True)
    if actor is not None and user.id == actor.user_id and (
            data.get("active") is False or ("roles" in data and "admin" not in data["roles"])):
        raise errors.ValidationFailed(_("You cannot deactivate yourself or take away your own admin role."))
    before = user_view(user)
    if "email" in data and data["email"] != user.email:
        _check_email_free(session, data["email"])
    if "organisation_id" in data:
        _check_organisation(session, data["organisation_id"])
    if "roles" in data:
        user.roles = data["roles"]
        _check_team_members_are_staff(user)
    for name in ("email", "name", "organisation_id", "language", "shared_mailbox", "active"):
        if name in data:
            setattr(user, name, data[name])
    password_changed = bool(data.get("password"))
    if password_changed:
        user.password_hash = passwords.hash(data["password"])
    if data.get("active") is False or password_changed:
        end_credentials(session, user)
    return _commit_user_change(session, user, before, actor_id=actor.user_id if actor else None)


def update_own_profile(session: Session, identity: Identity, data: dict[str, Any]) -> dict:
    user = get_user(session, identity.user_id, for_update=True)
    before = user_view(user)
    for name in ("name", "language"):
        if name in data:
            setattr(user, name, data[name])
    return _commit_user_change(session, user, before, actor_id=identity.user_id)


def change_own_password(session: Session, identity: Identity, data: dict[str, Any], passwords: Passwords) -> None:
    user = get_user(session, identity.user_id, for_update=True)
    if not passwords.verify(user.password_hash, data["current_password"]):
        raise errors.ValidationFailed(_("The current password is not right."),
                                      errors={"current_password": [_("The current password is not right.")]})
    set_password(session, user, data["new_password"], passwords, actor_id=identity.user_id)


def set_password(session: Session, user: User, password: str, passwords: Passwords, *, actor_id: str) -> None:
    """A new password (a reset link): every session and token of the user ends; commits."""
    before = user_view(user)
    user.password_hash = passwords.hash(password)
    end_credentials(session, user)
    _commit_user_change(session, user, before, actor_id=actor_id)


def end_credentials(session: Session, user: User) -> None:
    """End every session, access token and personal API token of the user (in the caller's transaction):
    a new password or a deactivation leaves no way in that was opened before."""
    now = utcnow()
    user.tokens_valid_after = now
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now))


def end_browser_sessions(session: Session, user_id: str) -> None:
    """Log-out: the user's session cookies signed before now are void, wherever they are kept; commits."""
    user = session.get(User, user_id)
    if user is not None:
        user.sessions_valid_after = utcnow()
        session.commit()


def find_or_create_contact(session: Session, data: dict[str, Any], *, actor_id: str) -> tuple[dict, bool]:
    """The user with this e-mail address, or a new requester in the organisation that owns its domain."""
    user = find_user_by_email(session, data["email"])
    if user is not None:
        return user_view(user), False
    organisation = organisation_for_email(session, data["email"])
    user = User(email=data["email"], name=data.get("name") or data["email"].partition("@")[0],
                organisation_id=organisation.id if organisation else None)
    user.roles = ["requester"]
    try:
        session.add(user)
        session.flush()
        view = user_view(user)
        events.publish(session, events.USER_CREATED, view, actor_id=actor_id)
        session.commit()
    except IntegrityError:  # another mail from the same sender created them at the same moment
        session.rollback()
        user = find_user_by_email(session, data["email"])
        if user is None:
            raise
        return user_view(user), False
    return view, True


def record_login(session: Session, user: User, *, with_password: bool, passwords: Passwords | None = None,
                 password: str | None = None) -> None:
    """Remember the log-in; upgrade an old password hash while the clear text is at hand."""
    now = utcnow()
    user.last_login_at = now
    if with_password and user.first_password_login_at is None:
        user.first_password_login_at = now
    if passwords and password and user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    session.commit()


def _commit_user_change(session: Session, user: User, before: dict, *, actor_id: str | None) -> dict:
    """Commit; publish ``user.updated`` when something the API shows changed (a new password alone does not)."""
    changes = changes_between(before, user_view(user))
    if not changes:
        session.commit()
        return before
    user.version += 1
    session.flush()
    view = user_view(user)
    events.publish(session, events.USER_UPDATED, view, actor_id=actor_id, changes=changes)
    commit_unique(session, _("A user with this e-mail address already exists."))
    return view


def _check_email_free(session: Session, email: str) -> None:
    if session.scalar(select(User.id).where(User.email == email)):
        raise errors.Conflict(_("A user with this e-mail address already exists."),
                              errors={"email": [_("Already in use.")]})


def _check_organisation(session: Session, organisation_id: str | None) -> None:
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise errors.ValidationFailed(_("There is no such organisation."),
                                      errors={"organisation_id": [_("There is no such organisation.")]})


def _check_team_members_are_staff(user: User) -> None:
    if user.memberships and not user.is_staff:
        raise errors.ValidationFailed(_("A team member must be staff: remove them from their teams first."),
                                      errors={"roles": [_("A team member must be staff.")]})
