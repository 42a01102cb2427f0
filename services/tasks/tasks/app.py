"""Application factory of the tasks service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from servicekit.config import Settings
from servicekit.runtime import build_service_context
from servicekit.web import ServiceContext, create_service_app, problem_response

from . import config
from .api import BLUEPRINTS
from .events import PUBLISHED_EVENTS
from .gateway import CASES_KEY, CasesUnreachable, GatewayCases

PACKAGE_DIR = Path(__file__).parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
MAX_REQUEST_BYTES = 1024 * 1024  # tasks carry text only


def build_context(settings: Settings) -> ServiceContext:
    context = build_service_context(settings)
    context.extras[CASES_KEY] = GatewayCases(settings.gateway_url, settings.service_api_key,
                                             timeout=settings.gateway_timeout)
    return context


def _configure(app: Flask) -> None:
    @app.errorhandler(CasesUnreachable)
    def cases_unreachable(err: CasesUnreachable):
        return problem_response(err.to_problem(), {"Retry-After": str(err.retry_after)})


def create_app(settings: Settings | None = None, context: ServiceContext | None = None) -> Flask:
    context = context or build_context(settings or config.load())
    return create_service_app(
        import_name=__name__,
        context=context,
        blueprints=BLUEPRINTS,
        title="servicedesk tasks",
        description="Tasks (opgaver): hand work to other teams, with approvers and deadlines.",
        max_content_length=MAX_REQUEST_BYTES,
        configure=_configure,
        published_events=PUBLISHED_EVENTS,
    )
