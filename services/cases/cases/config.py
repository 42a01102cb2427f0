"""Settings of the cases service, read from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import available_timezones

from marshmallow import fields, validate

from servicekit.config import ServiceConfig, Settings, load_settings

DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


class CasesConfig(ServiceConfig):
    service_name = fields.String(data_key="SERVICE_NAME", load_default="cases")
    case_number_prefix = fields.String(
        data_key="CASE_NUMBER_PREFIX",
        load_default="SAG",
        validate=validate.Regexp(r"^[A-Z]{1,10}$", error="must be 1 to 10 capital letters, e.g. SAG"),
    )
    max_attachment_bytes = fields.Integer(
        data_key="MAX_ATTACHMENT_BYTES",
        load_default=DEFAULT_MAX_ATTACHMENT_BYTES,
        validate=validate.Range(min=1024, max=2 * 1024 * 1024 * 1024),
    )
    # Case numbers (YYMM) and daily statistics follow the organisation's clock, not UTC.
    local_timezone = fields.String(
        data_key="CASES_TIMEZONE",
        load_default="Europe/Copenhagen",
        validate=lambda name: name in available_timezones(),
    )


def load(environ: Mapping[str, str] | None = None) -> Settings:
    return load_settings(CasesConfig, environ)
