"""Attachments from a form (a plain file input, or files dropped on it) passed on to the cases API."""

from __future__ import annotations

from collections.abc import Iterable

from flask import flash
from werkzeug.datastructures import FileStorage

from ..i18n import _
from .client import ApiResult, page_api


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
    data = {"message_id": message_id} if message_id else {}
    return page_api().post(f"/api/v1/cases/{case_id}/attachments", data=data, files={"file": upload})
