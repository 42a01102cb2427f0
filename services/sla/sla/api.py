"""HTTP endpoints of the sla service (flask-smorest blueprints)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("sla", __name__, url_prefix="/api/v1", description="SLA clocks, policies and calendars")

BLUEPRINTS = [blp]
