"""The events of the notify service: what it publishes (served as ``/asyncapi.json``) and what it reads.

It publishes ``email.received``; it reads ``case.*``, ``task.*``, ``sla.*``,
``user.*``, ``team.*`` and ``organisation.*`` (data conventions in
docs/architecture.md) and keeps only what it needs of them.
"""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, ValidationError, fields

EMAIL_RECEIVED = "email.received"


class InboundAttachment(Schema):
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    content_base64 = fields.String(required=True, metadata={"description": "the file, base64-encoded"})


class EmailReceivedData(Schema):
    """A mail that arrived at the inbound address; the cases service decides what it becomes."""

    id = fields.String(required=True, metadata={"description": "id of the inbound mail"})
    message_id = fields.String(required=True)
    in_reply_to = fields.String(allow_none=True)
    references = fields.List(fields.String(), required=True)
    from_email = fields.String(required=True)
    from_name = fields.String(required=True)
    sender_user_id = fields.String(required=True, metadata={"description": "found, or created as a requester"})
    sender_verified = fields.Boolean(required=True, metadata={
        "description": "its In-Reply-To or References name a Message-ID that notify sent to this very address "
                       "(From alone proves nothing)"})
    to = fields.List(fields.String(), required=True)
    cc = fields.List(fields.String(), required=True)
    subject = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "the new text, quoted history and signature cut"})
    case_number = fields.String(allow_none=True, metadata={"description": "named in the subject"})
    case_id = fields.String(allow_none=True, metadata={"description": "from the threading headers of our mail"})
    matched_by = fields.String(allow_none=True, metadata={"enum": ["headers", "subject", None]})
    auto_submitted = fields.Boolean(required=True, metadata={
        "description": "sent by a machine (auto-reply, bounce, list); never answer it automatically"})
    attachments = fields.List(fields.Nested(InboundAttachment), required=True)
    received_at = fields.DateTime(required=True)


PUBLISHED_EVENTS = {EMAIL_RECEIVED: EmailReceivedData}


# -- what we read (only the members we use; the rest passes through) ----------------------------------


class _Tolerant(Schema):
    class Meta:
        unknown = INCLUDE

    def validate_or_raise(self, data: dict) -> None:
        problems = self.validate(data)
        if problems:
            raise ValidationError(problems)


class ConsumedUser(_Tolerant):
    id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String()
    roles = fields.List(fields.String())
    language = fields.String()
    active = fields.Boolean()
    shared_mailbox = fields.Boolean()
    version = fields.Integer(required=True)


class ConsumedCase(_Tolerant):
    id = fields.String(required=True)
    number = fields.String(required=True)
    title = fields.String()
    status = fields.String()
    requester_id = fields.String(allow_none=True)
    team_id = fields.String(allow_none=True)
    assignee_id = fields.String(allow_none=True)
    follower_ids = fields.List(fields.String())
    version = fields.Integer(required=True)
    actor_id = fields.String(allow_none=True)
