"""gunicorn entry point: ``gunicorn gateway.wsgi:app``."""

from servicekit.entrypoints import wsgi_app

from . import config
from .app import MIGRATIONS_DIR, create_app

app = wsgi_app("gateway", config.load, create_app, MIGRATIONS_DIR)
