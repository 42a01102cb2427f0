"""Marshmallow schemas of the identity API: ``<Entity>Create / Patch / Read / QueryArgs``."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, post_load, validate

from servicekit.pagination import PageArgs, page_schema

ROLES = ("requester", "agent", "dispatcher", "admin")
LANGUAGES = ("da", "en")
CASE_VISIBILITIES = ("own", "organisation")
MIN_PASSWORD_LENGTH = 10
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalise_email(value: str) -> str:
    return value.strip().lower()


def _check_domain(value: str) -> None:
    if not _DOMAIN.match(value.strip().lower()):
        raise ValidationError("Not a valid mail domain.")


class Email(fields.Email):
    def _deserialize(self, value, attr, data, **kwargs):
        return normalise_email(super()._deserialize(value, attr, data, **kwargs))


class MailDomains(fields.List):
    """Mail domains, written as ``example.dk`` or ``@example.dk``, stored lower case."""

    def __init__(self, **kwargs):
        super().__init__(fields.String(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        domains = {d.strip().lower().lstrip("@") for d in super()._deserialize(value, attr, data, **kwargs)}
        for domain in domains:
            _check_domain(domain)
        return sorted(domains)


def _password(**kwargs) -> fields.String:
    return fields.String(load_only=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=1024), **kwargs)


def _name(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=200), **kwargs)


class _StripName(Schema):
    @post_load
    def strip_name(self, data, **_kwargs):
        if isinstance(data.get("name"), str):
            data["name"] = data["name"].strip()
            if not data["name"]:
                raise ValidationError("Missing data for required field.", "name")
        return data


# -- organisations ---------------------------------------------------------------------------------

class OrganisationCreate(_StripName):
    name = _name(required=True)
    case_visibility = fields.String(load_default="own", validate=validate.OneOf(CASE_VISIBILITIES))
    mail_domains = MailDomains(load_default=list)


class OrganisationPatch(_StripName):
    name = _name()
    case_visibility = fields.String(validate=validate.OneOf(CASE_VISIBILITIES))
    mail_domains = MailDomains()


class OrganisationRead(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    case_visibility = fields.String(required=True, metadata={"enum": list(CASE_VISIBILITIES)})
    mail_domains = fields.List(fields.String(), required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


class OrganisationQueryArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "part of the name"})


# -- users -----------------------------------------------------------------------------------------

class UserCreate(_StripName):
    email = Email(required=True)
    name = _name(required=True)
    password = _password(load_default=None, allow_none=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), load_default=lambda: ["requester"],
                        validate=validate.Length(min=1))
    organisation_id = fields.String(load_default=None, allow_none=True)
    language = fields.String(load_default="da", validate=validate.OneOf(LANGUAGES))
    shared_mailbox = fields.Boolean(load_default=False)


class UserPatch(_StripName):
    email = Email()
    name = _name()
    password = _password()
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1))
    organisation_id = fields.String(allow_none=True)
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    shared_mailbox = fields.Boolean()
    active = fields.Boolean()


class UserRead(Schema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    organisation_id = fields.String(allow_none=True, required=True)
    team_ids = fields.List(fields.String(), required=True)
    dispatcher_team_ids = fields.List(fields.String(), required=True)
    language = fields.String(required=True)
    active = fields.Boolean(required=True)
    shared_mailbox = fields.Boolean(required=True)
    has_password = fields.Boolean(required=True)
    last_login_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


class ContactRead(Schema):
    """A user as a requester sees a colleague (and as the contacts endpoint answers)."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    roles = fields.List(fields.String())
    organisation_id = fields.String(allow_none=True)
    language = fields.String()
    active = fields.Boolean()
    shared_mailbox = fields.Boolean()


class IdList(fields.String):
    """``?ids=a,b,c``: up to 200 ids, comma-separated."""

    def _deserialize(self, value, attr, data, **kwargs):
        ids = [part.strip() for part in super()._deserialize(value, attr, data, **kwargs).split(",") if part.strip()]
        if len(ids) > 200:
            raise ValidationError("At most 200 ids.")
        return ids


class UserQueryArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "part of the name or e-mail"})
    ids = IdList(metadata={"description": "only these users (comma-separated ids, at most 200); includes "
                                          "deactivated users unless `active` is given"})
    role = fields.String(validate=validate.OneOf(ROLES))
    organisation_id = fields.String()
    team_id = fields.String()
    active = fields.Boolean(metadata={"description": "default: only active users"})


class MePatch(_StripName):
    name = _name()
    language = fields.String(validate=validate.OneOf(LANGUAGES))


class PasswordChange(Schema):
    current_password = fields.String(required=True, load_only=True)
    new_password = _password(required=True)


class ContactLookup(_StripName):
    email = Email(required=True)
    name = _name(load_default=None, allow_none=True)


# -- teams -----------------------------------------------------------------------------------------

class TeamCreate(_StripName):
    name = _name(required=True)
    email = Email(load_default=None, allow_none=True)


class TeamPatch(_StripName):
    name = _name()
    email = Email(allow_none=True)


class MemberRead(Schema):
    user_id = fields.String(required=True)
    dispatcher = fields.Boolean(required=True)


class TeamRead(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(allow_none=True, required=True)
    members = fields.List(fields.Nested(MemberRead), required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


class TeamQueryArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "part of the name"})


class MemberCreate(Schema):
    user_id = fields.String(required=True)
    dispatcher = fields.Boolean(load_default=False)


class MemberPatch(Schema):
    dispatcher = fields.Boolean(required=True)


OrganisationPage = page_schema(OrganisationRead)
UserPage = page_schema(UserRead)
ContactPage = page_schema(ContactRead)
TeamPage = page_schema(TeamRead)
MemberPage = page_schema(MemberRead)
