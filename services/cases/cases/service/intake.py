"""What arrives from other services: inbound e-mail, the SLA's auto-close, late user records."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.events import Event

from ..domain import Status, number_key
from ..files import check_allowed, safe_filename, sniff_content_type
from ..models import Case, DirectoryUser, Message
from . import directory, lifecycle, tasks
from .attachments import add_attachment, store_file
from .changes import Changes, commit_change
from .common import SYSTEM, Options, follower_ids
from .creating import create_case
from .messages import EXTERNAL, INTERNAL, add_message, after_requester_reply

log = logging.getLogger(__name__)

NO_SUBJECT = "(intet emne)"
EMPTY_MAIL = "(tom e-mail)"


class MailWithoutSender(ValueError):
    """The mail names no sender the gateway found or created: it waits in the DLQ for a look."""


def receive_email(session: Session, opts: Options, event: Event) -> None:
    """An inbound mail becomes a message on the case it answers, or a new case (docs/architecture.md)."""
    data = event.data
    mail_id = data.get("message_id") or data.get("id") or event.id
    email = (data.get("from_email") or "").strip().lower()
    sender_id = data.get("sender_user_id")
    sender = directory.find_user(session, sender_id) if sender_id else directory.find_user_by_email(session, email)
    sender_id = sender_id or (sender.id if sender else None)
    named = _named_case(session, data)
    if named is not None:
        if session.scalar(select(Message.id).where(Message.case_id == named.id, Message.email_message_id == mail_id)):
            return
        if _answer_on_case(session, opts, data, named, mail_id, email, sender, sender_id):
            return
    if session.scalar(select(Case.id).where(Case.source_email_id == mail_id)):
        return
    if not sender_id:
        raise MailWithoutSender(f"email.received {event.id} has no sender_user_id")
    _open_case_from_mail(session, opts, data, mail_id, _identity(sender_id, sender, email, data), sender,
                         related=named)


def _named_case(session: Session, data: dict[str, Any]) -> Case | None:
    if data.get("case_id"):
        case = session.get(Case, str(data["case_id"]), with_for_update=True)
        if case is not None:
            return _follow_merges(session, case)
    key = number_key(data.get("case_number") or "")
    if key:
        case = session.scalars(select(Case).where(Case.number_key == key).with_for_update()).first()
        return _follow_merges(session, case) if case is not None else None
    return None


def _follow_merges(session: Session, case: Case) -> Case:
    seen = set()
    while case.merged_into_id and case.id not in seen:
        seen.add(case.id)
        case = session.get(Case, case.merged_into_id, with_for_update=True)
    return case


def _answer_on_case(session: Session, opts: Options, data: dict[str, Any], case: Case, mail_id: str, email: str,
                    sender: DirectoryUser | None, sender_id: str | None) -> bool:
    """Post on the named case when the sender belongs there; False when the mail must open a new case.

    Who sent it is asked first: a case number in a subject is no key, and neither is a From address alone
    for staff, whose mail posts internal notes only when notify vouches for the sender.
    """
    followers = follower_ids(session, case.id)
    if sender_id and sender_id in {case.requester_id, *followers}:
        return _answer_as_participant(session, opts, data, case, mail_id, email, sender, sender_id, followers)
    vouched_staff = directory.is_staff_user(sender) and data.get("sender_verified") is True
    if not (vouched_staff or _was_forward_recipient(session, case, email)):
        return False
    actor = _identity(sender_id, sender, email, data) if sender_id else SYSTEM
    _post_internal_note(session, opts, data, case, mail_id, actor, sender_id)
    return True


def _answer_as_participant(session: Session, opts: Options, data: dict[str, Any], case: Case, mail_id: str,
                           email: str, sender: DirectoryUser | None, sender_id: str, followers: list[str]) -> bool:
    actor = _identity(sender_id, sender, email, data)
    if data.get("auto_submitted"):  # an out-of-office or a bounce: noted, never acted on
        _post_internal_note(session, opts, data, case, mail_id, actor, sender_id)
        return True
    if case.status == Status.CLOSED:
        return False
    body = data.get("body") or EMPTY_MAIL
    message = add_message(session, opts, actor, case, body, EXTERNAL, via="email", email_message_id=mail_id)
    _keep_attachments(session, opts, actor, case, data, message)
    after_requester_reply(session, opts, actor, case, body, followers)
    return True


def _post_internal_note(session: Session, opts: Options, data: dict[str, Any], case: Case, mail_id: str,
                        actor: Identity, sender_id: str | None) -> None:
    message = add_message(session, opts, actor, case, data.get("body") or EMPTY_MAIL, INTERNAL, via="email",
                          check_status=False, email_message_id=mail_id, author_id=sender_id)
    _keep_attachments(session, opts, actor, case, data, message)


def _was_forward_recipient(session: Session, case: Case, email: str) -> bool:
    if not email:
        return False
    forwards = session.execute(select(Message.recipients_to, Message.recipients_cc)
                               .where(Message.case_id == case.id, Message.via == "forward")).all()
    return any(email in [*(to or []), *(cc or [])] for to, cc in forwards)


def _identity(sender_id: str, sender: DirectoryUser | None, email: str, data: dict[str, Any]) -> Identity:
    return Identity(user_id=sender_id, roles=frozenset(sender.roles if sender else ["requester"]), email=email,
                    name=data.get("from_name") or "", organisation_id=sender.organisation_id if sender else None)


def _open_case_from_mail(session: Session, opts: Options, data: dict[str, Any], mail_id: str, actor: Identity,
                         sender: DirectoryUser | None, related: Case | None) -> None:
    fields = {"title": (data.get("subject") or "").strip()[:300] or NO_SUBJECT,
              "description": data.get("body") or EMPTY_MAIL, "origin": "email"}
    requester = (actor.user_id, sender.organisation_id if sender else None)
    case = create_case(session, opts, actor, fields, origin="email", requester=requester,
                       related_case_id=related.id if related else None, source_email_id=mail_id)
    _keep_attachments(session, opts, actor, case, data, None)


def _keep_attachments(session: Session, opts: Options, actor: Identity, case: Case, data: dict[str, Any],
                      message: Message | None) -> None:
    refused = []
    for item in data.get("attachments") or []:
        name = safe_filename(item.get("filename"))
        try:
            content = base64.b64decode(item.get("content_base64") or "", validate=True)
            check_allowed(content[:8192], name)
            stored = store_file(session, opts, [content])
        except (binascii.Error, ValueError, errors.PayloadTooLarge, errors.UnsupportedMediaType) as err:
            log.warning("attachment %r of mail refused: %s", name, err)
            refused.append(name)
            continue
        add_attachment(session, opts, actor, case, name=name, sha256=stored.sha256, size=stored.size,
                       content_type=sniff_content_type(stored.head, name),
                       visibility=message.visibility if message else EXTERNAL,
                       message_id=message.id if message else None, uploaded_by=actor.user_id)
    if refused:
        note = "Vedhæftede filer fra e-mailen blev ikke gemt (for store eller ikke tilladt): " + ", ".join(refused)
        add_message(session, opts, SYSTEM, case, note, INTERNAL, via="email", check_status=False)


def auto_close(session: Session, opts: Options, event: Event) -> None:
    """Close a case still resolved by the resolution the SLA service timed; anything else changes nothing.

    Edits of a resolved case (a priority, a note) do not restart the seven days; a reopening does, and a later
    resolution is another one with its own timer.
    """
    data = event.data
    case = session.get(Case, str(data.get("case_id")), with_for_update=True)
    if case is None or case.status != Status.RESOLVED or not _same_resolution(case, data):
        return
    changes = Changes()
    try:
        lifecycle.close(session, opts, SYSTEM, case, changes)
    except errors.Conflict as err:
        case.auto_close_due_for = case.resolved_at
        log.info("auto-close of %s waits for its blocking tasks: %s", case.number, err.detail)
        return
    commit_change(session, opts, case, SYSTEM, changes)


def apply_task_event(session: Session, opts: Options, event: Event) -> None:
    """A task changed: each case it touches recounts its open blocking tasks, a change of the case like any
    other (version, history, ``case.updated``), and closes if an auto-close waited for that."""
    actor = _task_actor(event.data.get("actor_id"))
    for case_id in tasks.apply_task(session, event):
        case = session.get(Case, case_id, with_for_update=True)
        if case is None:
            continue
        changes = Changes()
        changes.set(case, "open_blocking_tasks", tasks.count_open_blocking(session, case.id), internal=True)
        commit_change(session, opts, case, actor, changes)
        close_when_unblocked(session, opts, case)


def _task_actor(actor_id: str | None) -> Identity:
    """Whoever changed the task changed the case's count: only their id is recorded, never rights."""
    return Identity(user_id=str(actor_id), roles=frozenset()) if actor_id else SYSTEM


def close_when_unblocked(session: Session, opts: Options, case: Case) -> None:
    """An auto-close held back by blocking tasks happens when the last one is done, if still the same resolution."""
    waiting = case.auto_close_due_for
    if waiting is None or case.open_blocking_tasks or case.status != Status.RESOLVED:
        return
    case.auto_close_due_for = None
    if case.resolved_at != waiting:
        return  # reopened and resolved again since: that resolution has a timer of its own
    changes = Changes()
    lifecycle.close(session, opts, SYSTEM, case, changes)
    commit_change(session, opts, case, SYSTEM, changes)


def _same_resolution(case: Case, data: dict) -> bool:
    resolved_at = data.get("resolved_at")
    if resolved_at and case.resolved_at is not None:
        try:
            timed = datetime.fromisoformat(resolved_at)
        except ValueError:
            return False
        return abs((timed - case.resolved_at).total_seconds()) < 1
    return case.version == int(data.get("case_version") or -1)


def adopt_organisation(session: Session, opts: Options, user: DirectoryUser) -> None:
    """Cases opened by mail before the sender's user record arrived get the sender's organisation."""
    if not user.organisation_id:
        return
    orphans = session.scalars(select(Case).where(Case.requester_id == user.id, Case.organisation_id.is_(None))
                              .with_for_update())
    for case in orphans:
        changes = Changes()
        changes.set(case, "organisation_id", user.organisation_id)
        commit_change(session, opts, case, SYSTEM, changes)
