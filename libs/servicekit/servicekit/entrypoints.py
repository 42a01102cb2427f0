"""Process entry points shared by the services' ``wsgi.py`` modules."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from .config import ConfigError, Settings
from .migrations import upgrade


def wsgi_app(name: str, load_settings: Callable[[], Settings], create_app: Callable[..., Flask],
             migrations_dir: Path) -> Flask:
    """Validate the settings (a bad one stops the process, named), migrate if asked, build the app."""
    try:
        settings = load_settings()
    except ConfigError as err:
        print(f"{name}: {err}", file=sys.stderr)
        sys.exit(2)
    if settings.migrate_on_start:
        upgrade(settings.database_url, migrations_dir)
    return create_app(settings)
