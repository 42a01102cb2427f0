"""``api()``: the public API as the signed-in user, dispatched in-process through the gateway's own app."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g, request
from werkzeug.datastructures import FileStorage
from werkzeug.test import Client

from servicekit import errors

from ..i18n import _
from ..runtime import gateway
from .session import current_user, web_language

API_TOKEN_TTL = timedelta(minutes=5)


@dataclass
class ApiResponse:
    status: int
    headers: Any
    body: Any = None
    stream: Iterator[bytes] | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def json(self) -> Any:
        return self.body

    @property
    def is_problem(self) -> bool:
        return self.headers.get("Content-Type", "").startswith("application/problem+json")


class ApiClient:
    """The public API as the signed-in user, through this app's own WSGI stack (no loopback HTTP)."""

    def __init__(self, app: Flask, token: str, language: str, remote_addr: str):
        self._client = Client(app)
        self._headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}
        self._environ = {"REMOTE_ADDR": remote_addr}

    def get(self, path: str, **kwargs) -> ApiResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> ApiResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> ApiResponse:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs) -> ApiResponse:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs) -> ApiResponse:
        return self.request("DELETE", path, **kwargs)

    def request(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
                data: dict | None = None, files: dict | None = None, headers: dict | None = None,
                stream: bool = False) -> ApiResponse:
        """``stream=True`` leaves the body unread: iterate ``.stream`` (for downloads)."""
        if not path.startswith("/api/"):
            raise ValueError("api() calls the public API: paths start with /api/")
        form = dict(data or {})
        for name, value in (files or {}).items():
            form[name] = _file_field(value)
        response = self._client.open(
            path, method=method, query_string=params, json=json, data=form or None,
            headers={**self._headers, **_trace_headers(), **(headers or {})}, environ_base=self._environ,
            buffered=not stream,
        )
        if stream:
            return ApiResponse(response.status_code, response.headers, stream=response.iter_encoded())
        return ApiResponse(response.status_code, response.headers, body=_decode(response))


def api() -> ApiClient:
    """The client for the current request's signed-in user (one short-lived token per request)."""
    user = current_user()
    if user is None:
        raise errors.Unauthorized(_("Sign in to use this service."))
    if "api_client" not in g:
        token, _seconds = gateway().access_tokens.issue(user.id, ttl=API_TOKEN_TTL)
        g.api_client = ApiClient(current_app._get_current_object(), token, web_language(),
                                 request.remote_addr or "127.0.0.1")
    return g.api_client


def _trace_headers() -> dict[str, str]:
    """The page's request id and trace go along, so one log search finds the page and its API calls."""
    headers = {}
    if g.get("request_id"):
        headers["X-Request-ID"] = g.request_id
    if request.headers.get("traceparent"):
        headers["traceparent"] = request.headers["traceparent"]
    return headers


def _file_field(value: Any) -> tuple:
    if isinstance(value, FileStorage):
        return value.stream, value.filename or "file", value.mimetype or "application/octet-stream"
    if isinstance(value, tuple):
        filename, fileobj, *rest = value
        return fileobj, filename, (rest[0] if rest else "application/octet-stream")
    raise TypeError("files values are FileStorage objects or (filename, file[, content_type]) tuples")


def _decode(response) -> Any:
    data = response.get_data()
    if not data:
        return None
    mimetype = response.mimetype or ""
    if mimetype == "application/json" or mimetype.endswith("+json"):
        try:
            return jsonlib.loads(data)
        except ValueError:
            return data.decode("utf-8", "replace")
    if mimetype.startswith("text/"):
        return data.decode(response.charset or "utf-8", "replace")
    return data
