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
    task_min_description = fields.Integer(
        data_key="TASK_MIN_DESCRIPTION", load_default=15, validate=validate.Range(0, 1000),
    )


def load(environ: Mapping[str, str] | None = None) -> Settings:
    settings = load_settings(TasksConfig, environ)
    return settings.replace(task_number_prefix=settings.task_number_prefix.upper())
