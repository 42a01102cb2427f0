"""The conversation on a case: external and internal messages, the solution, forwards to outsiders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.pagination import fetch_page

from .. import events
from ..domain import Status, Trigger, automatic_transition, check_may_change, check_may_write
from ..i18n import _
from ..models import Attachment, Case, DirectoryUser, HistoryEntry, Message
from .changes import Changes, commit_change, note_in_history, record_case_event, reopen_into
from .common import (
    Options,
    actor_id,
    aggregate_ids,
    check_if_match,
    follower_ids,
    get_case,
    is_participant,
    require_editor,
    split_ids,
)
from .views import message_view

EXTERNAL, INTERNAL = "external", "internal"


def add_message(session: Session, opts: Options, actor: Identity, case: Case, body: str, visibility: str, *,
                via: str, check_status: bool = True, to: list[str] | None = None, cc: list[str] | None = None,
                forwarded_attachment_ids: list[str] | None = None, email_message_id: str | None = None,
                author_id: str | None = None, files: Sequence[Attachment] = ()) -> Message:
    """Append a message, with ``files`` (loose files of the case) as its own; no permission checks: callers
    decide. Tells the world through the outbox."""
    if check_status:
        check_may_write(case.status)
    message = Message(case_id=case.id, author_id=author_id or actor_id(actor), visibility=visibility, body=body,
                      via=via, recipients_to=to, recipients_cc=cc if to is not None else None,
                      forwarded_attachment_ids=forwarded_attachment_ids, email_message_id=email_message_id)
    session.add(message)
    session.flush()
    note_in_history(session, case, actor, "message", {"id": message.id, "visibility": visibility, "via": via},
                    internal=visibility == INTERNAL, at=message.created_at)
    attach_files(session, case, message, files)
    view = message_view(message, [file.id for file in files], case.solution_message_id)
    record_case_event(session, opts, case, actor, events.CASE_MESSAGE_ADDED, message=view,
                      author_is_staff=actor.is_staff and via != "email")
    if to is not None:
        record_case_event(session, opts, case, actor, events.CASE_FORWARDED, message=view)
    return message


def post_message(session: Session, opts: Options, actor: Identity, case_id: str, body: str,
                 visibility: str, via: str = "portal", attachment_ids: Sequence[str] = ()) -> Message:
    """A message written through the API, with the status rules of a requester's reply."""
    case = get_case(session, actor, case_id, for_update=True)
    followers = follower_ids(session, case.id)
    if actor.is_staff:
        require_editor(actor, case)
    else:
        if visibility != EXTERNAL:
            raise errors.Forbidden(_("Only staff may write internal messages."))
        if not is_participant(actor, case, followers):
            raise errors.Forbidden(_("Only the requester and the people the case is shared with may write on it."))
    files = loose_files_of(session, actor, case, attachment_ids)
    message = add_message(session, opts, actor, case, body, visibility, via=via, files=files)
    if not actor.is_staff:
        after_requester_reply(session, opts, actor, case, body, followers)
    return message


def loose_files_of(session: Session, actor: Identity, case: Case,
                   attachment_ids: Sequence[str]) -> list[Attachment]:
    """The files ``actor`` uploaded to ``case`` that belong to no message yet, by id; any other id is 422."""
    wanted = list(dict.fromkeys(str(a) for a in attachment_ids))
    if not wanted:
        return []
    files = session.scalars(select(Attachment).where(
        Attachment.id.in_(wanted), Attachment.case_id == case.id, Attachment.message_id.is_(None),
        Attachment.uploaded_by == actor_id(actor))).all()
    missing = sorted(set(wanted) - {file.id for file in files})
    if missing:
        raise errors.ValidationFailed(
            _("A message can take only files you added to this case that belong to no message yet."),
            errors={"attachment_ids": [_("Not a file of yours without a message on this case: %(ids)s",
                                         ids=", ".join(missing))]})
    return sorted(files, key=lambda file: wanted.index(file.id))


def attach_files(session: Session, case: Case, message: Message, files: Sequence[Attachment]) -> None:
    """The files become the message's and take its visibility (an internal message's files are internal), and
    so do the history entries that tell of them."""
    for file in files:
        file.message_id = message.id
        file.visibility = message.visibility
    if files:
        session.execute(update(HistoryEntry).where(
            HistoryEntry.case_id == case.id, HistoryEntry.field == "attachment",
            HistoryEntry.new_value["id"].as_string().in_([file.id for file in files]),
        ).values(internal=message.visibility == INTERNAL))


def after_requester_reply(session: Session, opts: Options, actor: Identity, case: Case, body: str,
                          followers: list[str]) -> None:
    """A reply from the requester's side takes a waiting case back to work and reopens a resolved one."""
    target = automatic_transition(Trigger.REQUESTER_REPLIED, case.status)
    if target is None:
        return
    changes = Changes()
    if case.status == Status.RESOLVED:
        reopen_into(case, changes, target, body)
    else:
        changes.set(case, "status", target.value)
    commit_change(session, opts, case, actor, changes, followers)


def set_solution(case: Case, message: Message | None, changes: Changes) -> None:
    internal = message is not None and message.visibility == INTERNAL
    changes.set(case, "solution_message_id", message.id if message else None,
                internal=internal or case.solution_is_internal)
    case.solution_is_internal = internal


def mark_solution(session: Session, opts: Options, actor: Identity, case_id: str, message_id: str | None,
                  if_match: str | None = None) -> Case:
    """Mark one message as the solution (``message_id`` None takes the mark away)."""
    case = get_case(session, actor, case_id, for_update=True)
    require_editor(actor, case)
    check_if_match(case, if_match)
    check_may_change(case.status)
    message = find_message(session, actor, case, message_id) if message_id else None
    changes = Changes()
    set_solution(case, message, changes)
    commit_change(session, opts, case, actor, changes)
    return case


def find_message(session: Session, viewer: Identity, case: Case, message_id: str) -> Message:
    query = select(Message).where(Message.id == str(message_id), Message.case_id == case.id)
    if not viewer.is_staff:
        query = query.where(Message.visibility == EXTERNAL)
    message = session.scalars(query).first()
    if message is None:
        raise errors.NotFound(_("There is no such message on this case."))
    return message


def list_messages(session: Session, viewer: Identity, case_id: str, *, page: int, per_page: int,
                  visibility: str | None = None, sort: str = "created_at") -> tuple[list[dict[str, Any]], int]:
    """One page of the conversation in one query: attachments and author names come along."""
    case = get_case(session, viewer, case_id)
    attachment_ids = (select(aggregate_ids(session, Attachment.id))
                      .where(Attachment.message_id == Message.id).correlate(Message).scalar_subquery())
    query = (select(Message, attachment_ids, DirectoryUser.name)
             .outerjoin(DirectoryUser, DirectoryUser.id == Message.author_id)
             .where(Message.case_id == case.id))
    if not viewer.is_staff:
        query = query.where(Message.visibility == EXTERNAL)
    elif visibility:
        query = query.where(Message.visibility == visibility)
    order = Message.created_at.desc() if sort.startswith("-") else Message.created_at.asc()
    rows, total = fetch_page(session, query.order_by(order, Message.id), page=page, per_page=per_page)
    solution = case.solution_message_id if _solution_visible(case, viewer) else None
    return [message_view(m, split_ids(ids), solution, name, viewer) for m, ids, name in rows], total


def _solution_visible(case: Case, viewer: Identity) -> bool:
    return viewer.is_staff or not case.solution_is_internal


def get_message_view(session: Session, viewer: Identity, case: Case, message: Message) -> dict[str, Any]:
    ids = list(session.scalars(select(Attachment.id).where(Attachment.message_id == message.id)))
    author = session.get(DirectoryUser, message.author_id) if message.author_id else None
    solution = case.solution_message_id if _solution_visible(case, viewer) else None
    return message_view(message, ids, solution, author.name if author else None, viewer)


def forward(session: Session, opts: Options, actor: Identity, case_id: str, *, to: list[str], cc: list[str],
            body: str, attachment_ids: list[str]) -> Message:
    """Mail to external parties (sent by the notify service), kept on the case as an internal message."""
    case = get_case(session, actor, case_id, for_update=True)
    require_editor(actor, case)
    wanted = list(dict.fromkeys(str(a) for a in attachment_ids))
    found = set(session.scalars(select(Attachment.id).where(Attachment.case_id == case.id,
                                                            Attachment.id.in_(wanted)))) if wanted else set()
    missing = [a for a in wanted if a not in found]
    if missing:
        raise errors.ValidationFailed(
            _("Only attachments of this case can be forwarded."),
            errors={"attachment_ids": [_("Not an attachment of this case: %(ids)s", ids=", ".join(missing))]})
    return add_message(session, opts, actor, case, body, INTERNAL, via="forward",
                       to=[a.lower() for a in to], cc=[a.lower() for a in cc], forwarded_attachment_ids=wanted)
