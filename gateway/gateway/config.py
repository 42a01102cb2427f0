"""Settings of the gateway, read from the environment."""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import fields

from servicekit.config import ServiceConfig, Settings, load_settings


class GatewayConfig(ServiceConfig):
    service_name = fields.String(data_key="SERVICE_NAME", load_default="gateway")
    port = fields.Integer(data_key="GATEWAY_PORT", load_default=8080)
    identity_private_key = fields.String(data_key="IDENTITY_PRIVATE_KEY", load_default=None)
    identity_private_key_file = fields.String(data_key="IDENTITY_PRIVATE_KEY_FILE", load_default=None)
    cases_url = fields.Url(data_key="CASES_URL", require_tld=False, load_default="http://127.0.0.1:8101")
    tasks_url = fields.Url(data_key="TASKS_URL", require_tld=False, load_default="http://127.0.0.1:8102")
    notify_url = fields.Url(data_key="NOTIFY_URL", require_tld=False, load_default="http://127.0.0.1:8103")
    sla_url = fields.Url(data_key="SLA_URL", require_tld=False, load_default="http://127.0.0.1:8104")


def load(environ: Mapping[str, str] | None = None) -> Settings:
    return load_settings(GatewayConfig, environ)
