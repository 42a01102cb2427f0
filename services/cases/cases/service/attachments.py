"""Files on a case: upload (streamed, size-limited, sniffed), the attachments view, download."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.pagination import fetch_page

from .. import events
from ..domain import attachment_visibility, check_may_write
from ..files import CHUNK, StoredFile, check_allowed, safe_filename, sniff_content_type
from ..i18n import _
from ..models import Attachment, Case
from .changes import note_in_history, record_case_event
from .common import Options, actor_id, follower_ids, get_case, is_participant, require_editor
from .messages import EXTERNAL, INTERNAL, find_message
from .views import attachment_view


def upload(session: Session, opts: Options, actor: Identity, case_id: str, stream: BinaryIO, filename: str | None,
           message_id: str | None = None, visibility: str | None = None) -> Attachment:
    case = get_case(session, actor, case_id, for_update=True)
    if actor.is_staff:
        require_editor(actor, case)
    elif not is_participant(actor, case, follower_ids(session, case.id)):
        raise errors.Forbidden(_("Only the requester and the people the case is shared with may add files."))
    check_may_write(case.status)
    message = find_message(session, actor, case, message_id) if message_id else None
    if message is not None and not actor.is_staff and message.author_id != actor.user_id:
        raise errors.Forbidden(_("You may add files only to your own messages."))
    visibility = attachment_visibility(actor.is_staff, message.visibility if message else None, visibility)
    name = safe_filename(filename)
    first = stream.read(CHUNK)
    check_allowed(first, name)
    stored = store_file(session, opts, itertools.chain([first], iter(lambda: stream.read(CHUNK), b"")))
    return add_attachment(session, opts, actor, case, name=name, sha256=stored.sha256, size=stored.size,
                          content_type=sniff_content_type(stored.head, name), visibility=visibility,
                          message_id=message.id if message else None)


def store_file(session: Session, opts: Options, chunks: Iterable[bytes]) -> StoredFile:
    """Store the bytes on disk before the transaction that records them; they go again if it rolls back."""
    stored = opts.store.save_chunks(chunks)
    if stored.created:
        session.info.setdefault(_NEW_FILES, []).append((opts.store, stored))
    return stored


_NEW_FILES = "cases.new_files"


@event.listens_for(Session, "after_commit")
def _keep_new_files(session: Session) -> None:
    session.info.pop(_NEW_FILES, None)


@event.listens_for(Session, "after_rollback")
def _discard_new_files(session: Session) -> None:
    new_files = session.info.pop(_NEW_FILES, None)
    if not new_files:
        return
    with session.get_bind().connect() as conn:
        for store, stored in new_files:
            # The same bytes may belong to an attachment committed meanwhile (the store keeps each content once).
            if conn.scalar(select(Attachment.id).where(Attachment.sha256 == stored.sha256).limit(1)) is None:
                store.discard(stored)


def add_attachment(session: Session, opts: Options, actor: Identity, case: Case, *, name: str, sha256: str,
                   size: int, content_type: str, visibility: str, message_id: str | None,
                   uploaded_by: str | None = None) -> Attachment:
    attachment = Attachment(case_id=case.id, message_id=message_id, visibility=visibility, filename=name,
                            content_type=content_type, size=size, sha256=sha256,
                            uploaded_by=uploaded_by or actor_id(actor))
    session.add(attachment)
    session.flush()
    note_in_history(session, case, actor, "attachment", {"id": attachment.id, "filename": name},
                    internal=visibility == INTERNAL, at=attachment.created_at)
    record_case_event(session, opts, case, actor, events.CASE_ATTACHMENT_ADDED, attachment=attachment_view(attachment))
    return attachment


def list_attachments(session: Session, viewer: Identity, case_id: str, *, page: int,
                     per_page: int) -> tuple[list[dict[str, Any]], int]:
    """The "only attachments" view: every file of the case the viewer may see, newest first."""
    case = get_case(session, viewer, case_id)
    query = select(Attachment).where(Attachment.case_id == case.id)
    if not viewer.is_staff:
        query = query.where(Attachment.visibility == EXTERNAL)
    rows, total = fetch_page(session, query.order_by(Attachment.created_at.desc(), Attachment.id), page=page,
                              per_page=per_page)
    return [attachment_view(a) for (a,) in rows], total


def get_attachment(session: Session, viewer: Identity, case_id: str, attachment_id: str) -> Attachment:
    case = get_case(session, viewer, case_id)
    query = select(Attachment).where(Attachment.id == str(attachment_id), Attachment.case_id == case.id)
    if not viewer.is_staff:
        query = query.where(Attachment.visibility == EXTERNAL)
    attachment = session.scalars(query).first()
    if attachment is None:
        raise errors.NotFound(_("There is no such file on this case."))
    return attachment


def file_path(opts: Options, attachment: Attachment) -> Path:
    path = opts.store.path_of(attachment.sha256)
    if not path.exists():
        raise errors.NotFound(_("The file is missing from the store."))
    return path
