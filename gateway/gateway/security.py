"""Security headers on every answer, and CORS for the configured origins (``CORS_ORIGINS``).

Views may set their own ``Content-Security-Policy`` (the API docs page does); everything else gets a
strict default: API answers, downloads included, may load nothing and run nothing (``sandbox``), so an
uploaded HTML file served as an attachment cannot script this origin. CORS is for the Bearer-token API
only (``/api/...``); no cookies cross origins.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_cors import CORS

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
OWN_BODY_LIMIT = 1024 * 1024

CORS_ALLOWED_HEADERS = ["Authorization", "Content-Type", "Accept", "Accept-Language", "If-Match", "If-None-Match",
                        "X-Request-ID", "traceparent", "tracestate", "Idempotency-Key"]
CORS_EXPOSED_HEADERS = ["ETag", "Location", "Retry-After", "X-Request-ID", "Content-Disposition", "Content-Length"]


def init_security(app: Flask) -> None:
    settings = app.extensions["servicekit"].settings
    https = settings.public_url.startswith("https://")
    if settings.cors_origins:
        origins = "*" if "*" in settings.cors_origins else list(settings.cors_origins)
        CORS(app, resources={r"/api/*": {"origins": origins}}, allow_headers=CORS_ALLOWED_HEADERS,
             expose_headers=CORS_EXPOSED_HEADERS, supports_credentials=False, max_age=600,
             methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

    @app.before_request
    def limit_own_request_bodies() -> None:
        # forwarded calls stream to the services, which hold their own limits (attachments); the
        # gateway's own endpoints take small JSON or forms only
        if not (request.endpoint or "").startswith("routing."):
            request.max_content_length = OWN_BODY_LIMIT

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        is_api = request.path.startswith(("/api/", "/internal/"))
        headers.setdefault("Content-Security-Policy", API_POLICY if is_api else PAGE_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-site" if not settings.cors_origins else
                           "cross-origin")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
