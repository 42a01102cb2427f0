"""HTTP endpoints of the notify service (flask-smorest blueprints)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("notify", __name__, url_prefix="/api/v1", description="Notifications and webhooks")

BLUEPRINTS = [blp]
