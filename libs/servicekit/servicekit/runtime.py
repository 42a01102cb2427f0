"""Builds a service's running context (database, bus, identity verifier, metrics) from settings."""

from __future__ import annotations

from .auth import IdentityVerifier, read_key
from .bus import EventBus
from .config import ConfigError, Settings
from .db import Database
from .logs import configure_logging
from .metrics import ServiceMetrics
from .web import ServiceContext


def build_service_context(settings: Settings) -> ServiceContext:
    configure_logging(settings.log_level, settings.log_format)
    try:
        public_key = read_key(settings.identity_public_key, settings.identity_public_key_file, "IDENTITY_PUBLIC_KEY")
        verifier = IdentityVerifier(public_key, audience=settings.service_name)
    except (ValueError, OSError) as err:
        raise ConfigError({"IDENTITY_PUBLIC_KEY": [str(err)]}) from None
    return ServiceContext(
        name=settings.service_name,
        settings=settings,
        database=Database(settings.database_url),
        bus=EventBus(settings.amqp_url, exchange=settings.events_exchange, queue_prefix=settings.queue_prefix,
                     queue_expires_ms=settings.queue_expires),
        verifier=verifier,
        metrics=ServiceMetrics(settings.service_name),
    )
