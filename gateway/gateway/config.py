"""Settings of the gateway, read from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from marshmallow import ValidationError, fields, validate, validates_schema

from servicekit.config import CommaList, ConfigError, ServiceConfig, Settings, load_settings

UPSTREAMS = ("cases", "tasks", "notify", "sla")


def _positive(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=1), **kwargs)


class GatewayConfig(ServiceConfig):
    service_name = fields.String(data_key="SERVICE_NAME", load_default="gateway")
    port = fields.Integer(data_key="GATEWAY_PORT", load_default=8080)
    identity_private_key = fields.String(data_key="IDENTITY_PRIVATE_KEY", load_default=None)
    identity_private_key_file = fields.String(data_key="IDENTITY_PRIVATE_KEY_FILE", load_default=None)
    cases_url = fields.Url(data_key="CASES_URL", require_tld=False, load_default="http://127.0.0.1:8101")
    tasks_url = fields.Url(data_key="TASKS_URL", require_tld=False, load_default="http://127.0.0.1:8102")
    notify_url = fields.Url(data_key="NOTIFY_URL", require_tld=False, load_default="http://127.0.0.1:8103")
    sla_url = fields.Url(data_key="SLA_URL", require_tld=False, load_default="http://127.0.0.1:8104")
    upstream_connect_timeout = fields.Float(data_key="UPSTREAM_CONNECT_TIMEOUT", load_default=3.0,
                                            validate=validate.Range(min=0.1))
    upstream_read_timeout = fields.Float(data_key="UPSTREAM_READ_TIMEOUT", load_default=30.0,
                                         validate=validate.Range(min=0.1))
    # the cases service's limit of one attachment (same variable, same default): the web front end's upload
    # forms take this many bytes per file
    max_attachment_bytes = _positive(data_key="MAX_ATTACHMENT_BYTES", load_default=25 * 1024 * 1024)
    # the cases and tasks services' number prefixes (same variables, same defaults): quick open by number in
    # the web front end tells a case number from a task number by them
    case_number_prefix = fields.String(
        data_key="CASE_NUMBER_PREFIX", load_default="SAG",
        validate=validate.Regexp(r"^[A-Za-z]{1,10}$", error="must be 1 to 10 letters, e.g. SAG"))
    task_number_prefix = fields.String(
        data_key="TASK_NUMBER_PREFIX", load_default="TSK",
        validate=validate.Regexp(r"^[A-Za-z]{1,8}$", error="must be 1 to 8 letters, e.g. TSK"))

    # who may come in
    service_api_keys = CommaList(data_key="SERVICE_API_KEYS", load_default=[])
    service_api_keys_file = fields.String(data_key="SERVICE_API_KEYS_FILE", load_default=None)
    admin_email = fields.Email(data_key="ADMIN_EMAIL", load_default=None)
    admin_password = fields.String(data_key="ADMIN_PASSWORD", load_default=None)
    admin_password_file = fields.String(data_key="ADMIN_PASSWORD_FILE", load_default=None)
    admin_name = fields.String(data_key="ADMIN_NAME", load_default="Administrator")
    secret_key = fields.String(data_key="SECRET_KEY", load_default=None)
    secret_key_file = fields.String(data_key="SECRET_KEY_FILE", load_default=None)
    public_url = fields.Url(data_key="PUBLIC_URL", require_tld=False, load_default="http://localhost:8080")
    cors_origins = CommaList(data_key="CORS_ORIGINS", load_default=[])
    # How many reverse proxies (load balancer, ingress) stand in front of the gateway, each appending to
    # X-Forwarded-For: the client address is the entry that many from the right (werkzeug's ProxyFix). It
    # decides whom LOGIN_RATE_PER_CLIENT counts (also sign-up and password links) and what the logs and the
    # services see. Set it exactly: 0 behind a proxy makes every caller the proxy, so the whole site shares
    # one count and a burst of log-ins (Monday morning) is refused for everyone; too high a number believes
    # entries a client wrote itself, and a new forged address per attempt escapes the limit. Either way the
    # per-account lock-out (LOGIN_MAX_FAILURES) still holds.
    trusted_proxy_count = fields.Integer(data_key="TRUSTED_PROXY_COUNT", load_default=0,
                                         validate=validate.Range(min=0, max=5))

    # tokens, sessions and log-in throttling (all durations in seconds)
    access_token_ttl = _positive(data_key="ACCESS_TOKEN_TTL", load_default=3600)
    session_idle_timeout = _positive(data_key="SESSION_IDLE_TIMEOUT", load_default=2 * 3600)
    session_max_age = _positive(data_key="SESSION_MAX_AGE", load_default=12 * 3600)
    login_max_failures = _positive(data_key="LOGIN_MAX_FAILURES", load_default=5)
    login_lockout_seconds = _positive(data_key="LOGIN_LOCKOUT_SECONDS", load_default=60)
    login_lockout_max_seconds = _positive(data_key="LOGIN_LOCKOUT_MAX_SECONDS", load_default=900)
    # Attempts per client address per LOGIN_RATE_WINDOW (see TRUSTED_PROXY_COUNT for what the address is).
    # Everyone behind one NAT address (an office, a municipality's network, a mobile carrier's CGNAT)
    # shares one count: 30 per 5 minutes is one log-in every 10 seconds for a whole office. Raise it for
    # such a site; it only slows password guessing from one address, the per-account lock-out protects
    # each account.
    login_rate_per_client = _positive(data_key="LOGIN_RATE_PER_CLIENT", load_default=30)
    login_rate_window = _positive(data_key="LOGIN_RATE_WINDOW", load_default=300)
    argon2_time_cost = _positive(data_key="ARGON2_TIME_COST", load_default=3)
    argon2_memory_kib = fields.Integer(data_key="ARGON2_MEMORY_KIB", load_default=65536,
                                       validate=validate.Range(min=8))

    # the gateway's own mail (password links); without SMTP_URL the links are not sent
    smtp_url = fields.String(data_key="SMTP_URL", load_default=None,
                             validate=validate.Regexp(r"^smtps?://", error="must start with smtp:// or smtps://"))
    mail_from = fields.String(data_key="MAIL_FROM", load_default="servicedesk@localhost")
    password_reset_ttl = _positive(data_key="PASSWORD_RESET_TTL", load_default=3600)
    self_registration = fields.Boolean(data_key="SELF_REGISTRATION", load_default=True)

    # single sign-on through OpenID Connect
    oidc_issuer = fields.Url(data_key="OIDC_ISSUER", require_tld=False, load_default=None)
    oidc_client_id = fields.String(data_key="OIDC_CLIENT_ID", load_default=None)
    oidc_client_secret = fields.String(data_key="OIDC_CLIENT_SECRET", load_default=None)
    oidc_scopes = fields.String(data_key="OIDC_SCOPES", load_default="openid email profile")
    oidc_require_password_first = fields.Boolean(data_key="OIDC_REQUIRE_PASSWORD_FIRST", load_default=True)
    # only for a provider that never sends email_verified but checks every address itself
    oidc_trust_unverified_email = fields.Boolean(data_key="OIDC_TRUST_UNVERIFIED_EMAIL", load_default=False)

    @validates_schema
    def check_oidc_complete(self, data, **_kwargs):
        if data.get("oidc_issuer") and not data.get("oidc_client_id"):
            raise ValidationError("OIDC_CLIENT_ID is needed when OIDC_ISSUER is set.", "OIDC_CLIENT_ID")

    @validates_schema
    def check_session_times(self, data, **_kwargs):
        if data.get("session_idle_timeout", 0) > data.get("session_max_age", 0):
            raise ValidationError("must not be longer than SESSION_MAX_AGE", "SESSION_IDLE_TIMEOUT")


def load(environ: Mapping[str, str] | None = None) -> Settings:
    settings = load_settings(GatewayConfig, environ)
    key_entries = settings.service_api_keys or _file_value(settings.service_api_keys_file,
                                                           "SERVICE_API_KEYS_FILE").split(",")
    return settings.replace(
        case_number_prefix=settings.case_number_prefix.upper(),
        task_number_prefix=settings.task_number_prefix.upper(),
        service_keys=parse_service_keys([entry.strip() for entry in key_entries if entry.strip()]),
        secret_key=_secret_key(settings),
        admin_password=settings.admin_password or _file_value(settings.admin_password_file,
                                                              "ADMIN_PASSWORD_FILE") or None,
    )


def _file_value(path: str | None, name: str) -> str:
    """A secret kept in a file (Docker and Kubernetes secrets); '' when no file is named."""
    if not path:
        return ""
    try:
        return Path(path).read_text().strip()
    except OSError as err:
        raise ConfigError({name: [str(err)]}) from None


def parse_service_keys(entries: list[str]) -> dict[str, str]:
    """``notify:<key>,tasks:<key>`` as ``{key: "notify", ...}``."""
    keys: dict[str, str] = {}
    for entry in entries:
        name, _, key = entry.partition(":")
        if not name or len(key) < 16:
            raise ConfigError({"SERVICE_API_KEYS": ["each entry is <service>:<key>, the key at least 16 characters"]})
        keys[key] = name
    return keys


def _secret_key(settings: Settings) -> str:
    secret = settings.secret_key or _file_value(settings.secret_key_file, "SECRET_KEY_FILE")
    if not secret or len(secret) < 32:
        raise ConfigError({"SECRET_KEY": ["SECRET_KEY or SECRET_KEY_FILE must give at least 32 characters"]})
    return secret
