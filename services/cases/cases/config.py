"""Settings of the cases service, read from the environment."""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import fields

from servicekit.config import ServiceConfig, Settings, load_settings


class CasesConfig(ServiceConfig):
    service_name = fields.String(data_key="SERVICE_NAME", load_default="cases")


def load(environ: Mapping[str, str] | None = None) -> Settings:
    return load_settings(CasesConfig, environ)
