"""HTTP endpoints of the cases service (flask-smorest blueprints, mounted at the public paths)."""

from __future__ import annotations

from . import actions, admin, attachments, cases, messages, shares

BLUEPRINTS = [cases.blp, actions.blp, messages.blp, attachments.blp, shares.blp, admin.routing_blp,
              admin.templates_blp]
