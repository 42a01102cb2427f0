"""Process entry points shared by the services' ``wsgi.py`` modules."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from .config import ConfigError, Settings
from .migrations import upgrade

# gunicorn's arbiter halts (instead of booting workers forever) only when a worker exits with this code.
APP_LOAD_ERROR = 4


def wsgi_app(name: str, load_settings: Callable[[], Settings], create_app: Callable[..., Flask],
             migrations_dir: Path) -> Flask:
    """Validate the settings, migrate if asked, build the app; a bad setting stops the process, named."""
    try:
        settings = load_settings()
        if settings.migrate_on_start:
            upgrade(settings.database_url, migrations_dir)
        return create_app(settings)
    except ConfigError as err:
        print(f"{name}: {err}", file=sys.stderr, flush=True)
        sys.exit(APP_LOAD_ERROR)
