"""Settings of the notify service, read from the environment."""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import fields

from servicekit.config import ServiceConfig, Settings, load_settings


class NotifyConfig(ServiceConfig):
    service_name = fields.String(data_key="SERVICE_NAME", load_default="notify")


def load(environ: Mapping[str, str] | None = None) -> Settings:
    return load_settings(NotifyConfig, environ)
