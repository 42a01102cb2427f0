"""The case, its messages and attachments as the API shows them, cut to what the viewer may see."""

from __future__ import annotations

from typing import Any

from servicekit.auth import Identity

from ..models import Attachment, Case

CASE_FIELDS = (
    "id", "number", "title", "description", "status", "priority", "priority_overridden", "urgency", "impact", "type",
    "category", "product", "origin", "private", "requester_id", "organisation_id", "team_id", "assignee_id",
    "created_by", "created_at", "updated_at", "updated_by", "resolved_at", "closed_at", "parent_id", "merged_into_id",
    "related_case_id", "open_blocking_tasks", "solution_message_id", "handed_over_from_team_id",
    "handed_over_by_id", "owning_team_id", "version",
)


def case_view(case: Case, followers: list[str], viewer: Identity | None, *,
              related_visible: bool = False) -> dict[str, Any]:
    """``viewer`` None is the full view (events); a requester loses what only staff may know, and the
    related case unless ``related_visible`` says they may see it (a mail may name anyone's case)."""
    view = {name: getattr(case, name) for name in CASE_FIELDS}
    view["follower_ids"] = list(followers)
    if viewer is not None and not viewer.is_staff:
        if not related_visible:
            view["related_case_id"] = None
        view["handed_over_from_team_id"] = None
        view["handed_over_by_id"] = None
        view["owning_team_id"] = None
        if case.solution_is_internal:
            view["solution_message_id"] = None
    return view


def message_view(message, attachment_ids: list[str], solution_id: str | None, author_name: str | None = None,
                 viewer: Identity | None = None) -> dict[str, Any]:
    view = {
        "id": message.id, "case_id": message.case_id, "author_id": message.author_id, "author_name": author_name,
        "visibility": message.visibility, "body": message.body, "via": message.via,
        "created_at": message.created_at,
        "attachment_ids": sorted(set(attachment_ids) | set(message.forwarded_attachment_ids or [])),
        "is_solution": solution_id is not None and solution_id == message.id,
    }
    if message.recipients_to is not None and (viewer is None or viewer.is_staff):
        view["to"] = list(message.recipients_to)
        view["cc"] = list(message.recipients_cc or [])
    return view


def attachment_view(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id, "case_id": attachment.case_id, "message_id": attachment.message_id,
        "filename": attachment.filename, "size": attachment.size, "content_type": attachment.content_type,
        "sha256": attachment.sha256, "visibility": attachment.visibility, "uploaded_by": attachment.uploaded_by,
        "created_at": attachment.created_at,
    }
