"""Application factory of the gateway."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from servicekit.auth import IdentitySigner, read_key
from servicekit.config import ConfigError, Settings
from servicekit.runtime import build_service_context
from servicekit.web import ServiceContext, create_service_app

from . import config
from .api import BLUEPRINTS

PACKAGE_DIR = Path(__file__).parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def build_context(settings: Settings) -> ServiceContext:
    try:
        private_key = read_key(settings.identity_private_key, settings.identity_private_key_file,
                               "IDENTITY_PRIVATE_KEY")
    except (ValueError, OSError) as err:
        raise ConfigError({"IDENTITY_PRIVATE_KEY": [str(err)]}) from None
    context = build_service_context(settings)
    context.extras["signer"] = IdentitySigner(private_key)
    return context


def create_app(settings: Settings | None = None, context: ServiceContext | None = None) -> Flask:
    context = context or build_context(settings or config.load())
    return create_service_app(
        import_name=__name__,
        context=context,
        blueprints=BLUEPRINTS,
        title="servicedesk gateway",
        description="Identity, access and the one public door to the servicedesk services.",
        authenticate=lambda: None,
    )
