"""HTTP endpoints of the tasks service (flask-smorest blueprints)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("tasks", __name__, url_prefix="/api/v1", description="Tasks (opgaver) on cases")

BLUEPRINTS = [blp]
