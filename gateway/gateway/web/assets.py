"""Browser assets installed by npm (``make install`` runs ``npm ci`` in ``gateway/``), served as they are.

No build step: the design system's CSS, fonts, icons and JavaScript and htmx are served
straight from their installed packages.  ``WEB_ASSETS_DIR`` points elsewhere when the
``node_modules`` folder is not beside the package (a container image, for example).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, send_from_directory

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the gateway/ folder that holds package.json
VENDOR_DIST = {
    "dkfds": Path("dkfds") / "dist",
    "htmx": Path("htmx.org") / "dist",
}
ONE_DAY = 24 * 3600


def node_modules() -> Path:
    return Path(os.environ.get("WEB_ASSETS_DIR") or PACKAGE_ROOT / "node_modules")


def register_vendor_route(app: Flask) -> None:
    root = node_modules()

    def vendor_asset(package: str, filename: str):
        dist = VENDOR_DIST.get(package)
        if dist is None:
            abort(404)
        return send_from_directory(root / dist, filename, max_age=ONE_DAY)

    app.add_url_rule("/static/vendor/<package>/<path:filename>", "web_vendor_asset", vendor_asset)
