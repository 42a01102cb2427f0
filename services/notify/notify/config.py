"""Settings of the notify service, read from the environment.

Mail out (``SMTP_URL``), mail in (``INBOUND_SMTP_PORT``, STARTTLS with
``INBOUND_TLS_CERT``/``INBOUND_TLS_KEY``, ``IMAP_URL``), links into
the web front end (``PUBLIC_URL``), calls to other services through the gateway
(``GATEWAY_URL``, ``SERVICE_API_KEY``) and the webhook allow-list.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path

from marshmallow import ValidationError, fields, validate

from servicekit.config import CommaList, ConfigError, ServiceConfig, Settings, load_settings

from .mail.smtp import SmtpTarget

SMTP_SCHEMES = ("smtp", "smtps", "smtp+starttls")


def _smtp_url(value: str) -> None:
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme not in SMTP_SCHEMES:
        raise ValidationError("must start with smtp://, smtps:// or smtp+starttls://")
    if problem := SmtpTarget.from_url(value).problem():
        raise ValidationError(problem)


def _imap_url(value: str) -> None:
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme not in ("imap", "imaps", "imap+starttls"):
        raise ValidationError("must start with imap://, imaps:// or imap+starttls://")


def _address(value: str) -> None:
    if "@" not in parseaddr(value)[1]:
        raise ValidationError("must be an e-mail address, optionally with a display name")


def _seconds(**kwargs) -> fields.Float:
    return fields.Float(validate=validate.Range(min=0, min_inclusive=False), **kwargs)


class NotifyConfig(ServiceConfig):
    service_name = fields.String(data_key="SERVICE_NAME", load_default="notify")
    public_url = fields.Url(data_key="PUBLIC_URL", require_tld=False, load_default="http://localhost:8080")
    case_number_prefix = fields.String(data_key="CASE_NUMBER_PREFIX", load_default="SAG",
                                       validate=validate.Regexp(r"^[A-Za-z]{1,10}$"))
    task_number_prefix = fields.String(data_key="TASK_NUMBER_PREFIX", load_default="TSK",
                                       validate=validate.Regexp(r"^[A-Za-z]{1,10}$"))
    time_zone = fields.String(data_key="TIME_ZONE", load_default="Europe/Copenhagen")
    # -- mail out
    smtp_url = fields.String(data_key="SMTP_URL", load_default="smtp://localhost:25", validate=_smtp_url)
    smtp_timeout = _seconds(data_key="SMTP_TIMEOUT", load_default=30.0)
    mail_from = fields.String(data_key="MAIL_FROM", load_default="Servicedesk <servicedesk@localhost>",
                              validate=_address)
    mail_retry_delays = CommaList(data_key="MAIL_RETRY_DELAYS", load_default=["10", "30", "60", "300", "900", "3600"])
    mail_give_up_after = _seconds(data_key="MAIL_GIVE_UP_AFTER", load_default=3 * 24 * 3600.0)
    mail_poll_seconds = _seconds(data_key="MAIL_POLL_SECONDS", load_default=1.0)
    mail_attachments_max_bytes = fields.Integer(data_key="MAIL_ATTACHMENTS_MAX_BYTES", load_default=10 * 1024 * 1024,
                                                validate=validate.Range(0, 100 * 1024 * 1024))  # else links
    auto_reply_limit = fields.Integer(data_key="AUTO_REPLY_LIMIT", load_default=10, validate=validate.Range(1, 1000))
    # -- mail in
    inbound_address = fields.String(data_key="INBOUND_ADDRESS", load_default=None, validate=_address)
    inbound_domains = CommaList(data_key="INBOUND_DOMAINS", load_default=[])
    inbound_smtp_host = fields.String(data_key="INBOUND_SMTP_HOST", load_default="0.0.0.0")
    inbound_smtp_port = fields.Integer(data_key="INBOUND_SMTP_PORT", load_default=None,
                                       validate=validate.Range(1, 65535))
    max_inbound_mail_bytes = fields.Integer(data_key="MAX_INBOUND_MAIL_BYTES", load_default=25 * 1024 * 1024,
                                            validate=validate.Range(1024, 200 * 1024 * 1024))
    inbound_rate_limit = fields.Integer(data_key="INBOUND_RATE_LIMIT", load_default=30,
                                        validate=validate.Range(1, 100000))
    inbound_rate_window = _seconds(data_key="INBOUND_RATE_WINDOW", load_default=3600.0)
    inbound_tls_cert = fields.String(data_key="INBOUND_TLS_CERT", load_default=None)  # PEM, with its chain
    inbound_tls_key = fields.String(data_key="INBOUND_TLS_KEY", load_default=None)
    imap_url = fields.String(data_key="IMAP_URL", load_default=None, validate=_imap_url)
    imap_poll_seconds = _seconds(data_key="IMAP_POLL_SECONDS", load_default=60.0)
    # -- other services, through the gateway
    gateway_url = fields.Url(data_key="GATEWAY_URL", require_tld=False, load_default="http://127.0.0.1:8080")
    service_api_key = fields.String(data_key="SERVICE_API_KEY", load_default=None)
    service_api_key_file = fields.String(data_key="SERVICE_API_KEY_FILE", load_default=None)
    gateway_timeout = _seconds(data_key="GATEWAY_TIMEOUT", load_default=15.0)
    # -- webhooks
    webhook_allowed_hosts = CommaList(data_key="WEBHOOK_ALLOWED_HOSTS", load_default=[])
    webhook_retry_delays = CommaList(data_key="WEBHOOK_RETRY_DELAYS",
                                     load_default=["10", "60", "300", "1800", "7200", "21600"])
    webhook_max_attempts = fields.Integer(data_key="WEBHOOK_MAX_ATTEMPTS", load_default=10,
                                          validate=validate.Range(1, 100))
    webhook_timeout = _seconds(data_key="WEBHOOK_TIMEOUT", load_default=10.0)  # a whole attempt, answer included
    webhook_ca_bundle = fields.String(data_key="WEBHOOK_CA_BUNDLE", load_default=None)  # PEM file; else the public CAs
    webhook_poll_seconds = _seconds(data_key="WEBHOOK_POLL_SECONDS", load_default=1.0)
    # -- how long records are kept
    mail_retention_days = _seconds(data_key="MAIL_RETENTION_DAYS", load_default=365.0)
    notification_retention_days = _seconds(data_key="NOTIFICATION_RETENTION_DAYS", load_default=365.0)  # read ones
    notification_unread_retention_days = _seconds(data_key="NOTIFICATION_UNREAD_RETENTION_DAYS",
                                                  load_default=3 * 365.0)
    webhook_retention_days = _seconds(data_key="WEBHOOK_RETENTION_DAYS", load_default=30.0)
    inbound_retention_days = _seconds(data_key="INBOUND_RETENTION_DAYS", load_default=90.0)


def _delays(values: dict, key: str, env: str) -> None:
    try:
        delays = [float(d) for d in values[key]]
    except ValueError:
        raise ConfigError({env: ["must be comma-separated seconds, e.g. 10,60,300"]}) from None
    if not delays or any(d <= 0 for d in delays):
        raise ConfigError({env: ["every delay must be positive"]})
    values[key] = tuple(delays)


def inbound_tls_context(cert: str, key: str) -> ssl.SSLContext:
    """The listener's TLS context for STARTTLS (raises OSError or ssl.SSLError for a bad pair)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def _check_inbound_tls(values: dict) -> None:
    cert, key = values["inbound_tls_cert"], values["inbound_tls_key"]
    if bool(cert) != bool(key):
        raise ConfigError({"INBOUND_TLS_KEY" if cert else "INBOUND_TLS_CERT": ["set both INBOUND_TLS_CERT and "
                                                                              "INBOUND_TLS_KEY, or neither"]})
    if cert:
        try:
            inbound_tls_context(cert, key)
        except (OSError, ssl.SSLError) as err:
            raise ConfigError({"INBOUND_TLS_CERT": [f"cannot load the certificate and key: {err}"]}) from None


def load(environ: Mapping[str, str] | None = None) -> Settings:
    settings = load_settings(NotifyConfig, environ)
    values = settings.as_dict()
    _delays(values, "mail_retry_delays", "MAIL_RETRY_DELAYS")
    _delays(values, "webhook_retry_delays", "WEBHOOK_RETRY_DELAYS")
    if not values["inbound_address"]:
        values["inbound_address"] = values["mail_from"]
    inbound_domain = parseaddr(values["inbound_address"])[1].rsplit("@", 1)[-1].lower()
    values["inbound_domains"] = tuple(d.lower().lstrip("@") for d in values["inbound_domains"]) or (inbound_domain,)
    values["public_url"] = values["public_url"].rstrip("/")
    values["gateway_url"] = values["gateway_url"].rstrip("/")
    _check_inbound_tls(values)
    if values["webhook_ca_bundle"] and not Path(values["webhook_ca_bundle"]).is_file():
        raise ConfigError({"WEBHOOK_CA_BUNDLE": ["no such file"]})
    if not values["service_api_key"] and values["service_api_key_file"]:
        try:
            values["service_api_key"] = Path(values["service_api_key_file"]).read_text().strip()
        except OSError as err:
            raise ConfigError({"SERVICE_API_KEY_FILE": [str(err)]}) from None
    return Settings(values)
