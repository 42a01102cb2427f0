"""HTTP endpoints of the sla service (flask-smorest blueprints)."""

from __future__ import annotations

from .admin import blp as admin_blp
from .cases import blp as cases_blp

BLUEPRINTS = [cases_blp, admin_blp]
