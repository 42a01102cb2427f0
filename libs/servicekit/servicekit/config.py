"""Settings from the environment, validated once at start.

Each service declares its settings as a marshmallow schema whose field
``data_key`` is the environment variable name.  Loading reads any mapping
(``os.environ`` by default), so the embedded launcher can hand each service
its own environment while they share one process.  A missing or malformed
value raises :class:`ConfigError` naming every variable at fault.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate


class ConfigError(Exception):
    """Raised at start when the environment does not describe a runnable service."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        lines = [f"{name}: {'; '.join(msgs)}" for name, msgs in sorted(problems.items())]
        super().__init__("invalid configuration:\n  " + "\n  ".join(lines))


class Settings:
    """Read-only attribute access over validated settings."""

    def __init__(self, values: Mapping[str, Any]):
        object.__setattr__(self, "_values", MappingProxyType(dict(values)))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("settings are read-only")

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def replace(self, **changes: Any) -> Settings:
        return Settings({**self._values, **changes})

    def __repr__(self) -> str:
        shown = {k: ("***" if _is_secret(k) else v) for k, v in self._values.items()}
        return f"Settings({shown})"


def _is_secret(name: str) -> bool:
    return any(word in name for word in ("password", "secret", "key", "token"))


class CommaList(fields.Field):
    """A comma-separated environment value as a list of stripped strings."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (list, tuple)):
            return [str(v).strip() for v in value if str(v).strip()]
        if not isinstance(value, str):
            raise ValidationError("Not a comma-separated list.")
        return [part.strip() for part in value.split(",") if part.strip()]


def _url_with_scheme(*schemes: str):
    def check(value: str) -> None:
        scheme = value.split(":", 1)[0].split("+", 1)[0].lower()
        if scheme not in schemes:
            raise ValidationError(f"must be a URL starting with one of {', '.join(schemes)}")

    return check


def database_url_field(**kwargs: Any) -> fields.Field:
    return fields.String(validate=_url_with_scheme("postgresql", "sqlite"), **kwargs)


def amqp_url_field(**kwargs: Any) -> fields.Field:
    return fields.String(validate=_url_with_scheme("amqp", "amqps", "pyamqp", "memory"), **kwargs)


class ServiceConfig(Schema):
    """What every service reads.  Services subclass this and add their own fields."""

    class Meta:
        unknown = EXCLUDE

    service_name = fields.String(data_key="SERVICE_NAME", required=True)
    database_url = database_url_field(data_key="DATABASE_URL", required=True)
    amqp_url = amqp_url_field(data_key="AMQP_URL", required=True)
    events_exchange = fields.String(data_key="EVENTS_EXCHANGE", load_default="servicedesk.events")
    queue_prefix = fields.String(data_key="QUEUE_PREFIX", load_default="")
    # milliseconds after which the broker deletes an unused queue of this service: for test runs only
    queue_expires = fields.Integer(data_key="QUEUE_EXPIRES", load_default=None, validate=validate.Range(min=1000))
    identity_public_key = fields.String(data_key="IDENTITY_PUBLIC_KEY", load_default=None)
    identity_public_key_file = fields.String(data_key="IDENTITY_PUBLIC_KEY_FILE", load_default=None)
    log_level = fields.String(
        data_key="LOG_LEVEL",
        load_default="INFO",
        validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR"]),
    )
    log_format = fields.String(data_key="LOG_FORMAT", load_default="json", validate=validate.OneOf(["json", "text"]))
    port = fields.Integer(data_key="PORT", load_default=8000, validate=validate.Range(1, 65535))
    worker_metrics_port = fields.Integer(data_key="WORKER_METRICS_PORT", load_default=None)
    consumer_prefetch = fields.Integer(data_key="CONSUMER_PREFETCH", load_default=32, validate=validate.Range(1, 1000))
    retry_delays = CommaList(data_key="RETRY_DELAYS", load_default=["1", "10", "60", "300"])
    max_deliveries = fields.Integer(data_key="MAX_DELIVERIES", load_default=10, validate=validate.Range(1, 100))
    # inbox claims (the dedupe of redelivered events) older than this are purged by the worker
    inbox_retention_days = fields.Integer(data_key="INBOX_RETENTION_DAYS", load_default=30,
                                          validate=validate.Range(min=1))
    migrate_on_start = fields.Boolean(data_key="MIGRATE_ON_START", load_default=False)
    data_dir = fields.String(data_key="DATA_DIR", load_default=None)  # local files; default ./var/<service>


def load_settings(schema_class: type[Schema], environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Validate the environment against ``schema_class``; raise ConfigError naming bad variables."""
    source = dict(os.environ if environ is None else environ)
    source.update({k: v for k, v in overrides.items() if v is not None})
    source = {k: v for k, v in source.items() if v != ""}
    schema = schema_class()
    _read_file_variables(schema, source)
    try:
        values = schema.load(source)
    except ValidationError as err:
        raise ConfigError({name: _flatten(msgs) for name, msgs in err.normalized_messages().items()}) from None
    _check_retry_delays(values)
    if "data_dir" in values and not values["data_dir"]:
        values["data_dir"] = os.path.join("var", values.get("service_name") or "service")
    return Settings(values)


def _read_file_variables(schema: Schema, source: dict[str, str]) -> None:
    """``NAME_FILE=/run/secrets/x`` sets ``NAME`` from the file (the Docker secrets convention)."""
    problems: dict[str, list[str]] = {}
    for field in schema.load_fields.values():
        name = field.data_key
        path = source.get(f"{name}_FILE") if name else None
        if not path or name in source:
            continue
        try:
            source[name] = Path(path).read_text(encoding="utf-8").strip()
        except OSError as err:
            problems[f"{name}_FILE"] = [f"cannot read {path}: {err.strerror}"]
    if problems:
        raise ConfigError(problems)


def _check_retry_delays(values: dict[str, Any]) -> None:
    if "retry_delays" not in values:
        return
    try:
        delays = [float(d) for d in values["retry_delays"]]
    except ValueError:
        raise ConfigError({"RETRY_DELAYS": ["must be comma-separated seconds, e.g. 1,10,60"]}) from None
    if any(d <= 0 for d in delays):
        raise ConfigError({"RETRY_DELAYS": ["every delay must be positive"]})
    values["retry_delays"] = delays


def _flatten(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [m for v in messages.values() for m in _flatten(v)]
    if isinstance(messages, (list, tuple)):
        return [str(m) for m in messages]
    return [str(messages)]
