"""Settings of the sla service, read from the environment."""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import fields

from servicekit.config import ServiceConfig, Settings, load_settings


class SlaConfig(ServiceConfig):
    service_name = fields.String(data_key="SERVICE_NAME", load_default="sla")


def load(environ: Mapping[str, str] | None = None) -> Settings:
    return load_settings(SlaConfig, environ)
