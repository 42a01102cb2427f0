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
# The web pages that take files (create a case, reply): each file goes on to the cases API on its own, so
# such a form may carry MAX_FILES_PER_FORM attachments of the cases service's size (MAX_ATTACHMENT_BYTES).
UPLOAD_PAGES = frozenset({"web.case_new", "web.case_reply"})
MAX_FILES_PER_FORM = 10
MULTIPART_OVERHEAD = 64 * 1024

CORS_ALLOWED_HEADERS = ["Authorization", "Content-Type", "Accept", "Accept-Language", "If-Match", "If-None-Match",
                        "X-Request-ID", "traceparent", "tracestate", "Idempotency-Key"]
CORS_EXPOSED_HEADERS = ["ETag", "Location", "Retry-After", "X-Request-ID", "Content-Disposition", "Content-Length"]


def upload_body_limit(max_attachment_bytes: int) -> int:
    """The largest body an upload page takes: its files at their largest, and the rest of the form."""
    return max_attachment_bytes * MAX_FILES_PER_FORM + MULTIPART_OVERHEAD


def init_security(app: Flask) -> None:
    settings = app.extensions["servicekit"].settings
    https = settings.public_url.startswith("https://")
    if settings.cors_origins:
        origins = "*" if "*" in settings.cors_origins else list(settings.cors_origins)
        CORS(app, resources={r"/api/*": {"origins": origins}}, allow_headers=CORS_ALLOWED_HEADERS,
             expose_headers=CORS_EXPOSED_HEADERS, supports_credentials=False, max_age=600,
             methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

    upload_limit = upload_body_limit(settings.max_attachment_bytes)

    def limit_own_request_bodies() -> None:
        # forwarded calls stream to the services, which hold their own limits (attachments); the
        # gateway's own endpoints take small JSON or forms only, but for the upload pages
        endpoint = request.endpoint or ""
        if not endpoint.startswith("routing."):
            request.max_content_length = upload_limit if endpoint in UPLOAD_PAGES else OWN_BODY_LIMIT

    # first of all hooks: the CSRF check reads the form, and a limit set after that is never applied
    app.before_request_funcs.setdefault(None, []).insert(0, limit_own_request_bodies)

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
