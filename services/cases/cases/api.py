"""HTTP endpoints of the cases service (flask-smorest blueprints)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("cases", __name__, url_prefix="/api/v1", description="Cases: the whole life of a case")

BLUEPRINTS = [blp]
