"""The events the cases service publishes (types and the schemas of their ``data``) and consumes.

``data`` is the case exactly as the API shows it to staff (with ``version``), plus
``actor_id``, ``changes`` and the members each type adds (docs/architecture.md).
A change that touches several aspects (for example a status and an assignee) publishes
one event per aspect, all with the same version and the same full ``changes``.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from .schemas.cases import CaseRead
from .schemas.messages import AttachmentRead, MessageRead

CASE_CREATED = "case.created"
CASE_UPDATED = "case.updated"
CASE_STATUS_CHANGED = "case.status_changed"
CASE_ASSIGNED = "case.assigned"
CASE_MESSAGE_ADDED = "case.message_added"
CASE_ATTACHMENT_ADDED = "case.attachment_added"
CASE_SHARED = "case.shared"
CASE_UNSHARED = "case.unshared"
CASE_RESOLVED = "case.resolved"
CASE_REOPENED = "case.reopened"
CASE_CLOSED = "case.closed"
CASE_MERGED = "case.merged"
CASE_FORWARDED = "case.forwarded"

# consumed
TASK_EVENTS = "task.*"
USER_EVENTS = "user.*"
ORGANISATION_EVENTS = "organisation.*"
TEAM_EVENTS = "team.*"
SLA_AUTO_CLOSE_DUE = "sla.case_auto_close_due"
EMAIL_RECEIVED = "email.received"


class CaseEventData(CaseRead):
    actor_id = fields.String(allow_none=True, metadata={"description": "user id, service:<name>, or null"})
    changes = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True,
                          metadata={"description": '{field: {"old": ..., "new": ...}}'})


class MergedFrom(Schema):
    id = fields.String(required=True)
    number = fields.String(required=True)
    message_ids = fields.List(fields.String(), required=True, metadata={"description": "the messages that moved"})
    attachment_ids = fields.List(fields.String(), required=True)


class UpdatedData(CaseEventData):
    merged_from = fields.Nested(MergedFrom, metadata={
        "description": "only when another case was merged into this one: what moved here"})


class EventMessage(MessageRead):
    to = fields.List(fields.String(), metadata={"description": "forwards: the external recipients"})
    cc = fields.List(fields.String())


class MessageAddedData(CaseEventData):
    message = fields.Nested(EventMessage, required=True,
                            metadata={"description": "the message as the API shows it to staff, with `via`"})
    author_is_staff = fields.Boolean(required=True, metadata={
        "description": "an agent, dispatcher, admin or service wrote it; false for every message that came by mail"})


class ForwardedData(CaseEventData):
    message = fields.Nested(EventMessage, required=True,
                            metadata={"description": "the internal message with `to`, `cc`, `attachment_ids`"})


class AttachmentAddedData(CaseEventData):
    attachment = fields.Nested(AttachmentRead, required=True)


class SharedData(CaseEventData):
    user_id = fields.String(required=True)


class ResolvedData(CaseEventData):
    solution_message_id = fields.String(allow_none=True)


class ReopenedData(CaseEventData):
    reason = fields.String(allow_none=True)


class MergedData(CaseEventData):
    into_id = fields.String(required=True)


PUBLISHED_EVENTS = {
    CASE_CREATED: CaseEventData,
    CASE_UPDATED: UpdatedData,
    CASE_STATUS_CHANGED: CaseEventData,
    CASE_ASSIGNED: CaseEventData,
    CASE_MESSAGE_ADDED: MessageAddedData,
    CASE_ATTACHMENT_ADDED: AttachmentAddedData,
    CASE_SHARED: SharedData,
    CASE_UNSHARED: SharedData,
    CASE_RESOLVED: ResolvedData,
    CASE_REOPENED: ReopenedData,
    CASE_CLOSED: CaseEventData,
    CASE_MERGED: MergedData,
    CASE_FORWARDED: ForwardedData,
}
