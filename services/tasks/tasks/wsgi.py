"""gunicorn entry point: ``gunicorn tasks.wsgi:app``."""

from servicekit.entrypoints import wsgi_app

from . import config
from .app import MIGRATIONS_DIR, create_app

app = wsgi_app("tasks", config.load, create_app, MIGRATIONS_DIR)
