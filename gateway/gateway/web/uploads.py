"""Attachments from a form (a plain file input, or files dropped on it) passed on to the cases API.

Each file is one call of the cases API, which takes files up to ``MAX_ATTACHMENT_BYTES``; a form may carry
``MAX_FILES_PER_FORM`` of them (the gateway's body limit of the upload pages is made from both). Files are
checked against both before anything is created, so a file that is too large is said on the form at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app, request
from werkzeug.datastructures import FileStorage

from ..i18n import _
from ..security import MAX_FILES_PER_FORM
from .client import page_api
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


@dataclass
class Uploads:
    """The outcome of uploading a form's files: the attachments made (as the API answered), and a sentence for
    each file that was refused."""

    attachments: list[dict] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [a["id"] for a in self.attachments]


def upload_attachments(case_id: str, files: Iterable[FileStorage], visibility: str) -> Uploads:
    """Upload each chosen file as a loose file of the case (no message yet) that ``visibility`` may see.

    A message takes such files by their ids (``attachment_ids``) and makes them its own, so files are uploaded
    first and the message posted after: its event (and the mail it causes) names its files. A loose file can
    only be attached, never deleted through the API: if the message is then not posted, the files stay on the
    case as the uploader's loose files (shown with the case's description) until a message takes them."""
    outcome = Uploads()
    for upload in files:
        if not upload or not upload.filename:
            continue
        result = page_api().post(f"/api/v1/cases/{case_id}/attachments", data={"visibility": visibility},
                                 files={"file": upload})
        if result.ok:
            outcome.attachments.append(result.data)
        else:
            outcome.refusals.append(_("%(file)s was not attached: %(reason)s", file=upload.filename,
                                      reason=result.message))
    return outcome
