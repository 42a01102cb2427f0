"""``/api/openapi.json``, ``/api/asyncapi.json`` and the browsable ``/api/docs`` (Swagger UI, served locally)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, render_template_string, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from servicekit import errors

from ..runtime import gateway
from .merge import merge_asyncapi, merge_openapi
from .sources import DESCRIPTION, TITLE, VERSION, CachedDocument, fetch_from_services, own_asyncapi, own_openapi

bp = Blueprint("apidocs", __name__)
SWAGGER_DIR = Path(str(swagger_ui_path))
STATIC_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                          "favicon-32x32.png", "favicon-16x16.png"})

DOCS_PAGE = """<!doctype html>
<html lang="da">
<head>
<meta charset="utf-8">
<title>servicedesk API</title>
<link rel="stylesheet" href="{{ base }}/swagger-ui.css">
<link rel="icon" type="image/png" href="{{ base }}/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{{ base }}/swagger-ui-bundle.js"></script>
<script src="{{ base }}/swagger-ui-standalone-preset.js"></script>
<script src="{{ base }}/init.js"></script>
</body>
</html>
"""

INIT_SCRIPT = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
    validatorUrl: null
  });
};
"""


def init_apidocs(app: Flask) -> None:
    documents = {
        "openapi": CachedDocument(lambda: _merged_openapi(app)),
        "asyncapi": CachedDocument(lambda: _merged_asyncapi(app)),
    }
    app.extensions["gateway.apidocs"] = documents
    app.register_blueprint(bp)


def _merged_openapi(app: Flask):
    with app.app_context():
        documents, missing = fetch_from_services(gateway().upstreams, "/openapi.json", gateway().pool)
        documents["gateway"] = own_openapi(app)
        merged = merge_openapi(documents, title=TITLE, version=VERSION, description=DESCRIPTION,
                               server_url=gateway().settings.public_url)
    if missing:
        merged["info"]["x-unavailable-services"] = missing
    return merged, missing


def _merged_asyncapi(app: Flask):
    with app.app_context():
        documents, missing = fetch_from_services(gateway().upstreams, "/asyncapi.json", gateway().pool)
    documents["gateway"] = own_asyncapi(app)
    merged = merge_asyncapi(documents, title=f"{TITLE} events", version=VERSION)
    if missing:
        merged["info"]["x-unavailable-services"] = missing
    return merged, missing


@bp.get("/api/openapi.json")
def openapi_document():
    return current_app.extensions["gateway.apidocs"]["openapi"].get()


@bp.get("/api/asyncapi.json")
def asyncapi_document():
    return current_app.extensions["gateway.apidocs"]["asyncapi"].get()


@bp.get("/api/docs")
@bp.get("/api/docs/")
def docs_page():
    response = Response(render_template_string(DOCS_PAGE, base="/api/docs/static"), mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/api/docs/static/init.js")
def docs_init():
    return Response(INIT_SCRIPT, mimetype="text/javascript", headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/api/docs/static/<name>")
def docs_static(name: str):
    if name not in STATIC_FILES:
        raise errors.NotFound()
    return send_from_directory(SWAGGER_DIR, name, max_age=86400)
