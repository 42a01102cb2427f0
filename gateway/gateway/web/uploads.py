"""Attachments from a form (a plain file input, or files dropped on it) passed on to the cases API.

Each file is one call of the cases API, which takes files up to ``MAX_ATTACHMENT_BYTES``; a form may carry
``MAX_FILES_PER_FORM`` of them (the gateway's body limit of the upload pages is made from both). Files are
checked against both before anything is created, so a file that is too large is said on the form at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from flask import current_app, flash, request
from werkzeug.datastructures import FileStorage

from ..i18n import _
from ..security import MAX_FILES_PER_FORM
from .client import ApiResult, page_api
from .formatting import filesize


def max_attachment_bytes() -> int:
    return current_app.extensions["servicekit"].settings.max_attachment_bytes


def upload_rules() -> dict:
    """The limits as the file input shows them (and the browser checks them before sending)."""
    return {"max_bytes": max_attachment_bytes(), "max_files": MAX_FILES_PER_FORM,
            "max_size": filesize(max_attachment_bytes())}


def chosen_files(name: str = "files") -> list[FileStorage]:
    return [f for f in request.files.getlist(name) if f and f.filename]


def refusal(files: list[FileStorage]) -> str | None:
    """Why these files cannot be attached (too many, or one too large), or None when they can."""
    if len(files) > MAX_FILES_PER_FORM:
        return _("Attach at most %(count)s files at a time.", count=MAX_FILES_PER_FORM)
    too_large = [f.filename for f in files if size_of(f) > max_attachment_bytes()]
    if too_large:
        return _("%(files)s is too large: a file may be at most %(size)s. Nothing was sent; the rest of what "
                 "you wrote is kept.", files=", ".join(too_large), size=filesize(max_attachment_bytes()))
    return None


def too_large_body() -> str:
    """What to say when the files of a form together passed the page's limit (the form could not be read)."""
    return _("The files were too large together: attach at most %(count)s files of at most %(size)s each, "
             "and send the form again.", count=MAX_FILES_PER_FORM, size=filesize(max_attachment_bytes()))


def size_of(upload: FileStorage) -> int:
    stream = upload.stream
    position = stream.tell()
    size = stream.seek(0, os.SEEK_END)
    stream.seek(position)
    return size


def upload_attachments(case_id: str, files: Iterable[FileStorage], message_id: str | None = None) -> list[str]:
    """Upload each chosen file; returns the new attachment ids and flashes each refusal by name."""
    ids = []
    for upload in files:
        if not upload or not upload.filename:
            continue
        result = upload_one(case_id, upload, message_id)
        if result.ok:
            ids.append(result.data.get("id"))
        else:
            flash(_("%(file)s was not attached: %(reason)s", file=upload.filename, reason=result.message), "error")
    return ids


def upload_one(case_id: str, upload: FileStorage, message_id: str | None) -> ApiResult:
    # a file on a message takes the message's visibility; one on the new-case form belongs to the description,
    # which the requester sees, also when an agent opens the case for them (a loose staff file is internal)
    data = {"message_id": message_id} if message_id else {"visibility": "external"}
    return page_api().post(f"/api/v1/cases/{case_id}/attachments", data=data, files={"file": upload})
