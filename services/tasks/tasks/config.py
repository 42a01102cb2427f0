"""Settings of the tasks service, read from the environment."""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import fields, validate

from servicekit.config import ServiceConfig, Settings, load_settings


class TasksConfig(ServiceConfig):
    service_name = fields.String(data_key="SERVICE_NAME", load_default="tasks")
    task_number_prefix = fields.String(
        data_key="TASK_NUMBER_PREFIX", load_default="TSK",
        validate=validate.Regexp(r"^[A-Za-z]{1,8}$", error="must be 1 to 8 letters, e.g. TSK"),
    )
    case_number_prefix = fields.String(
        data_key="CASE_NUMBER_PREFIX", load_default="SAG",
        validate=validate.Regexp(r"^[A-Za-z]{1,10}$", error="must be 1 to 10 letters, e.g. SAG"),
    )
    task_min_description = fields.Integer(
        data_key="TASK_MIN_DESCRIPTION", load_default=15, validate=validate.Range(0, 1000),
    )
    # -- the cases service, through the gateway (only for a case whose events have not arrived yet)
    gateway_url = fields.Url(data_key="GATEWAY_URL", require_tld=False, load_default="http://127.0.0.1:8080")
    service_api_key = fields.String(data_key="SERVICE_API_KEY", load_default=None)
    gateway_timeout = fields.Float(data_key="GATEWAY_TIMEOUT", load_default=5.0, validate=validate.Range(0.1, 60))


def load(environ: Mapping[str, str] | None = None) -> Settings:
    settings = load_settings(TasksConfig, environ)
    return settings.replace(task_number_prefix=settings.task_number_prefix.upper(),
                            case_number_prefix=settings.case_number_prefix.upper())
