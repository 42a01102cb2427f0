"""The gateway's own HTTP endpoints (flask-smorest blueprints); routing and pages are plain blueprints."""

from __future__ import annotations

from .auth.api import blp as auth_blp
from .identity.api import blp as identity_blp
from .identity.api import internal as contacts_blp
from .routing.compose import blp as composition_blp

BLUEPRINTS = [auth_blp, identity_blp, contacts_blp, composition_blp]
