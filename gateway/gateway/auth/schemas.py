"""Schemas of log-in, the caller's own profile and personal API tokens."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from servicekit.pagination import page_schema


class TokenRequest(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class TokenResponse(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class MeRead(Schema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    organisation_id = fields.String(allow_none=True, required=True)
    team_ids = fields.List(fields.String(), required=True)
    dispatcher_team_ids = fields.List(fields.String(), required=True)
    language = fields.String(required=True)
    shared_mailbox = fields.Boolean()
    has_password = fields.Boolean()
    version = fields.Integer()


class ApiTokenCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    expires_in_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650))


class ApiTokenRead(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True, metadata={"description": "the first characters, to recognise it"})
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class ApiTokenCreated(ApiTokenRead):
    token = fields.String(required=True, metadata={"description": "the secret; shown this once only"})


ApiTokenPage = page_schema(ApiTokenRead)


class PasswordResetRequest(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))


class PasswordResetConfirm(Schema):
    token = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=1024))


class Registration(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    language = fields.String(load_default="da", validate=validate.OneOf(["da", "en"]))
