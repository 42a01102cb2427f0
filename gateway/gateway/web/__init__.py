"""The web front end: the requester portal and the agent workspace, served by the gateway over the public API.

Registered by the gateway's app factory with ``app.register_blueprint(web.bp)``; the blueprint
sets up what it needs on the app when it is registered (vendor assets, language, filters).
"""

from __future__ import annotations

from flask import Flask
from flask.blueprints import BlueprintSetupState

from . import (
    errors,  # noqa: F401  (the blueprint's error pages)
    views,  # noqa: F401  (registers the views on the blueprint)
)
from .assets import register_vendor_route
from .blueprint import bp
from .formatting import install_filters
from .language import install_timezone_selector
from .templating import install_template_globals


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    app: Flask = state.app
    register_vendor_route(app)
    install_timezone_selector(app)
    install_filters(app)
    install_template_globals(app)


__all__ = ["bp"]
