"""Application factory of the notify service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from servicekit.config import Settings
from servicekit.runtime import build_service_context
from servicekit.web import ServiceContext, create_service_app

from . import config
from .api import BLUEPRINTS
from .events import PUBLISHED_EVENTS
from .webhooks.urlguard import HostPolicy
from .worker import composer

PACKAGE_DIR = Path(__file__).parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
MAX_REQUEST_BYTES = 1024 * 1024


def build_context(settings: Settings) -> ServiceContext:
    context = build_service_context(settings)
    context.extras["composer"] = composer(settings)
    context.extras["host_policy"] = HostPolicy.from_setting(settings.webhook_allowed_hosts)
    return context


def create_app(settings: Settings | None = None, context: ServiceContext | None = None) -> Flask:
    context = context or build_context(settings or config.load())
    return create_service_app(
        import_name=__name__,
        context=context,
        blueprints=BLUEPRINTS,
        title="servicedesk notify",
        description="Notifications: e-mail out and in, in-app notices, preferences and webhooks.",
        max_content_length=MAX_REQUEST_BYTES,
        published_events=PUBLISHED_EVENTS,
    )
