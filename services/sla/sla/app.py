"""Application factory of the sla service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from servicekit.config import Settings
from servicekit.runtime import build_service_context
from servicekit.web import ServiceContext, create_service_app

from . import config
from .api import BLUEPRINTS
from .events import PUBLISHED_EVENTS

PACKAGE_DIR = Path(__file__).parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def build_context(settings: Settings) -> ServiceContext:
    return build_service_context(settings)


def create_app(settings: Settings | None = None, context: ServiceContext | None = None) -> Flask:
    context = context or build_context(settings or config.load())
    return create_service_app(
        import_name=__name__,
        context=context,
        blueprints=BLUEPRINTS,
        title="servicedesk SLA",
        description="SLA: business-hours clocks, warnings, breaches and timers.",
        published_events=PUBLISHED_EVENTS,
    )
