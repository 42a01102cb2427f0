"""Application factory of the cases service."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from servicekit.config import Settings
from servicekit.runtime import build_service_context
from servicekit.web import ServiceContext, create_service_app

from . import config
from .api import BLUEPRINTS
from .api.common import OPTIONS_KEY, refuse_hidden_case
from .events import PUBLISHED_EVENTS
from .files import AttachmentStore
from .service.common import Options

PACKAGE_DIR = Path(__file__).parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
MULTIPART_OVERHEAD = 64 * 1024


def build_context(settings: Settings) -> ServiceContext:
    context = build_service_context(settings)
    context.extras[OPTIONS_KEY] = Options(
        service_name=settings.service_name,
        number_prefix=settings.case_number_prefix,
        timezone=settings.local_timezone,
        store=AttachmentStore(os.path.join(settings.data_dir, "attachments"), settings.max_attachment_bytes),
    )
    return context


def create_app(settings: Settings | None = None, context: ServiceContext | None = None) -> Flask:
    context = context or build_context(settings or config.load())
    return create_service_app(
        import_name=__name__,
        context=context,
        blueprints=BLUEPRINTS,
        title="servicedesk cases",
        description="Cases (sager): create, follow, talk, share, resolve and close.",
        max_content_length=context.settings.max_attachment_bytes + MULTIPART_OVERHEAD,
        published_events=PUBLISHED_EVENTS,
        configure=lambda app: app.before_request(refuse_hidden_case),
    )
