"""HTTP endpoints of the gateway service (flask-smorest blueprints)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("gateway", __name__, url_prefix="/api/v1", description="gateway clocks, policies and calendars")

BLUEPRINTS = [blp]
