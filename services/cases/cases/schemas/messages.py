"""Schemas of messages, attachments and reply templates."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, fields, validate

from servicekit.pagination import page_schema

from .common import Id, PageArgs, PlainText, required_text

VISIBILITIES = ("external", "internal")
VIAS = ("portal", "email", "api", "forward")
MAX_FILES_PER_MESSAGE = 50
ATTACHMENT_IDS_DESCRIPTION = (
    "Files the caller uploaded to this case earlier without a `message_id`: they become this message's, with its "
    "visibility (an internal message's files become internal). Any other id is 422 and nothing changes.")


class MessageCreate(Schema):
    body = required_text(100_000)
    visibility = fields.String(load_default="external", validate=validate.OneOf(VISIBILITIES))
    attachment_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=MAX_FILES_PER_MESSAGE),
                                 metadata={"description": ATTACHMENT_IDS_DESCRIPTION})


class MessageRead(Schema):
    id = Id(required=True)
    case_id = Id(required=True)
    author_id = fields.String(allow_none=True)
    author_name = fields.String(allow_none=True)
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))
    body = fields.String(required=True, metadata={"description": "Plain text; never HTML"})
    via = fields.String(required=True, validate=validate.OneOf(VIAS))
    created_at = fields.DateTime(required=True)
    attachment_ids = fields.List(Id(), required=True)
    is_solution = fields.Boolean(required=True)
    to = fields.List(fields.String(), metadata={"description": "Forwards only: the external recipients"})
    cc = fields.List(fields.String(), metadata={"description": "Forwards only"})


MessagePage = page_schema(MessageRead)


class MessageQueryArgs(PageArgs):
    visibility = fields.String(load_default=None, validate=validate.OneOf(VISIBILITIES))
    sort = fields.String(load_default="created_at", validate=validate.OneOf(("created_at", "-created_at")))


class AttachmentRead(Schema):
    id = Id(required=True)
    case_id = Id(required=True)
    message_id = Id(allow_none=True)
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    content_type = fields.String(required=True)
    sha256 = fields.String(required=True)
    visibility = fields.String(required=True)
    uploaded_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


AttachmentPage = page_schema(AttachmentRead)


class AttachmentUpload(Schema):
    """The multipart form of an upload: the file and, optionally, its message and visibility."""

    class Meta:
        unknown = EXCLUDE

    file = Upload(required=True)
    message_id = Id(load_default=None, allow_none=True, metadata={"description": "Attach to this message of the case"})
    visibility = fields.String(load_default=None, validate=validate.OneOf(VISIBILITIES), metadata={
        "description": "A loose file (no message): staff choose, internal by default; the requester's side is "
                       "always external. With a message: that of the message."})


class ReplyTemplateCreate(Schema):
    name = required_text(120)
    body = required_text(50_000)
    language = fields.String(load_default="da", validate=validate.OneOf(("da", "en")))
    team_id = Id(load_default=None, allow_none=True)


class ReplyTemplatePatch(Schema):
    name = PlainText(validate=validate.Length(min=1, max=120))
    body = PlainText(validate=validate.Length(min=1, max=50_000))
    language = fields.String(validate=validate.OneOf(("da", "en")))
    team_id = Id(allow_none=True)


class ReplyTemplateRead(Schema):
    id = Id(required=True)
    name = fields.String(required=True)
    body = fields.String(required=True)
    language = fields.String(required=True)
    team_id = Id(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


ReplyTemplatePage = page_schema(ReplyTemplateRead)


class ReplyTemplateArgs(PageArgs):
    language = fields.String(load_default=None, validate=validate.OneOf(("da", "en")))
    team_id = Id(load_default=None, metadata={"description": "This team's templates and the shared ones"})
    q = fields.String(load_default=None, validate=validate.Length(max=120))
