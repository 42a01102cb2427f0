"""Events as the cases, tasks and gateway services publish them (their ``data`` as their APIs show it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from servicekit.events import Event


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


class CaseStory:
    """One case's life as a series of ``case.*`` events, each with the whole case and its next version."""

    def __init__(self, *, created_at: datetime, priority: str = "normal", number: str = "SAG 2611-0001",
                 requester_id: str | None = None, organisation_id: str | None = None, category: str | None = None,
                 type: str = "incident", team_id: str | None = None):
        self.case: dict[str, Any] = {
            "id": str(uuid.uuid4()), "number": number, "title": "Printeren virker ikke",
            "description": "Den blinker rødt.", "status": "registered", "priority": priority,
            "urgency": "medium", "impact": "medium", "type": type, "category": category, "product": None,
            "origin": "portal", "private": False, "requester_id": requester_id or str(uuid.uuid4()),
            "organisation_id": organisation_id, "team_id": team_id or str(uuid.uuid4()), "assignee_id": None,
            "created_by": None, "created_at": iso(created_at), "updated_at": iso(created_at),
            "resolved_at": None, "closed_at": None, "parent_id": None, "merged_into_id": None,
            "follower_ids": [], "open_blocking_tasks": 0, "solution_message_id": None, "version": 1,
        }

    @property
    def id(self) -> str:
        return self.case["id"]

    def event(self, type_: str, **extra: Any) -> Event:
        data = {**self.case, "actor_id": None, "changes": {}, **extra}
        return Event.new(type_, service="cases", subject=self.id, data=data)

    def created(self) -> Event:
        return self.event("case.created")

    def change(self, type_: str, at: datetime, **fields: Any) -> Event:
        changes = {k: {"old": self.case.get(k), "new": v} for k, v in fields.items()}
        self.case.update(fields)
        self.case["version"] += 1
        self.case["updated_at"] = iso(at)
        return self.event(type_, changes=changes)

    def status(self, status: str, at: datetime) -> Event:
        return self.change("case.status_changed", at, status=status)

    def resolved(self, at: datetime) -> Event:
        return self.change("case.resolved", at, status="resolved", resolved_at=iso(at))

    def reopened(self, at: datetime) -> Event:
        return self.change("case.reopened", at, status="in_progress", resolved_at=None)

    def closed(self, at: datetime) -> Event:
        return self.change("case.closed", at, status="closed", closed_at=iso(at))

    def merged(self, at: datetime, *, into_id: str) -> Event:
        """As the cases service merges: the source case closes with ``merged_into_id``."""
        merged = self.change("case.merged", at, status="closed", closed_at=iso(at), merged_into_id=into_id)
        return self.event("case.merged", changes=merged.data["changes"], into_id=into_id)

    def message(self, at: datetime, *, author_id: str, visibility: str = "external",
                author_is_staff: bool | None = None) -> Event:
        """``author_is_staff`` as the cases service adds it; None leaves it out (as older publishers do)."""
        message = {"id": str(uuid.uuid4()), "case_id": self.id, "author_id": author_id, "visibility": visibility,
                   "body": "Vi kigger på det.", "created_at": iso(at), "attachment_ids": [], "is_solution": False,
                   "via": "portal"}
        staff = {} if author_is_staff is None else {"author_is_staff": author_is_staff}
        return self.event("case.message_added", message=message, **staff)


def user_event(user_id: str, roles: list[str], version: int = 1) -> Event:
    data = {"id": user_id, "email": f"{user_id[:8]}@example.dk", "name": "Agent", "roles": roles,
            "organisation_id": None, "team_ids": [], "language": "da", "active": True, "shared_mailbox": False,
            "version": version}
    return Event.new("user.created" if version == 1 else "user.updated", service="gateway", subject=user_id,
                     data=data)


class TaskStory:
    def __init__(self, *, case_id: str, deadline: datetime | None, at: datetime):
        self.task: dict[str, Any] = {
            "id": str(uuid.uuid4()), "number": "TSK 2611-0007", "case_id": case_id, "case_number": "SAG 2611-0001",
            "subject": "Skift toner", "description": "Toneren i printer 3 skal skiftes.", "team_id": None,
            "assignee_id": None, "approver_id": None, "deadline": iso(deadline) if deadline else None,
            "blocks_case_closure": False, "status": "registered", "created_by": None, "created_at": iso(at),
            "updated_at": iso(at), "resolved_at": None, "solution": None, "version": 1,
        }

    @property
    def id(self) -> str:
        return self.task["id"]

    def event(self, type_: str) -> Event:
        return Event.new(type_, service="tasks", subject=self.id, data={**self.task, "actor_id": None, "changes": {}})

    def created(self) -> Event:
        return self.event("task.created")

    def change(self, type_: str, at: datetime, **fields: Any) -> Event:
        self.task.update(fields)
        self.task["version"] += 1
        self.task["updated_at"] = iso(at)
        return self.event(type_)
