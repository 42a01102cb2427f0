"""HTTP endpoints of the notify service (flask-smorest blueprints)."""

from __future__ import annotations

from .notifications import blp as notifications_blp
from .webhooks import blp as webhooks_blp

BLUEPRINTS = [notifications_blp, webhooks_blp]
