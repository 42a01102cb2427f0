"""gunicorn entry point: ``gunicorn notify.wsgi:app``."""

from servicekit.entrypoints import wsgi_app

from . import config
from .app import MIGRATIONS_DIR, create_app

app = wsgi_app("notify", config.load, create_app, MIGRATIONS_DIR)
