"""Where the documents come from: the running services over HTTP, or their apps built in-process."""

from __future__ import annotations

import importlib
import json
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from servicekit import errors

from ..routing.table import UPSTREAM_SERVICES
from ..routing.upstream import Upstreams

log = logging.getLogger(__name__)

TITLE = "servicedesk"
VERSION = "1.0.0"
DESCRIPTION = (
    "The public API of servicedesk, a case-management system. Every call goes through the gateway; "
    "authenticate with `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`. Errors are "
    "`application/problem+json` (RFC 9457) in the caller's language (`Accept-Language`: da, en)."
)


def own_openapi(app: Flask) -> dict[str, Any]:
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


def own_asyncapi(app: Flask) -> dict[str, Any]:
    return app.extensions["servicekit.asyncapi"]


def fetch_from_services(upstreams: Upstreams, path: str) -> tuple[dict[str, Any], list[str]]:
    """Each service's document at ``path``; the names of those that did not answer."""
    documents, missing = {}, []
    for service in UPSTREAM_SERVICES:
        try:
            response = upstreams.request(service, "GET", path, {"Accept": "application/json"})
            try:
                body = b"".join(response.body)
            finally:
                response.close()
            if response.status != 200:
                raise ValueError(f"status {response.status}")
            documents[service] = json.loads(body)
        except (errors.ServiceError, ValueError) as err:
            log.warning("no %s from %s: %s", path, service, err)
            missing.append(service)
    return documents, missing


class CachedDocument:
    """A merged document, rebuilt at most every ``ttl`` seconds (sooner while a service was missing)."""

    def __init__(self, build: Callable[[], tuple[dict[str, Any], list[str]]], ttl: float = 300.0,
                 retry: float = 10.0):
        self._build, self._ttl, self._retry = build, ttl, retry
        self._lock = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._expires = 0.0

    def get(self) -> dict[str, Any]:
        with self._lock:
            if self._value is None or time.monotonic() >= self._expires:
                document, missing = self._build()
                self._value = document
                self._expires = time.monotonic() + (self._retry if missing else self._ttl)
            return self._value


def in_process_documents() -> tuple[dict[str, dict], dict[str, dict]]:
    """Every service's and the gateway's documents, from apps built here on throw-away settings
    (what ``gateway-manage write-docs`` writes into the repository)."""
    from servicekit.auth import generate_keypair

    private, public = generate_keypair()
    openapi, asyncapi = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in (*UPSTREAM_SERVICES, "gateway"):
            environ = _throwaway_environ(name, Path(tmp), private, public)
            package = importlib.import_module(f"{name}.app")
            settings = importlib.import_module(f"{name}.config").load(environ)
            context = package.build_context(settings)
            try:
                app = package.create_app(settings, context)
                openapi[name] = own_openapi(app)
                asyncapi[name] = own_asyncapi(app)
            finally:
                context.database.dispose()
    return openapi, asyncapi


def _throwaway_environ(name: str, folder: Path, private: str, public: str) -> dict[str, str]:
    return {
        "SERVICE_NAME": name,
        "DATABASE_URL": f"sqlite:///{folder / (name + '.db')}",
        "AMQP_URL": "memory://",
        "IDENTITY_PUBLIC_KEY": public,
        "IDENTITY_PRIVATE_KEY": private,
        "SECRET_KEY": "x" * 40,
        "DATA_DIR": str(folder / name),
        "LOG_LEVEL": "ERROR",
        "LOG_FORMAT": "text",
        "PUBLIC_URL": "http://localhost:8080",
        "GATEWAY_URL": "http://localhost:8080",
        "SERVICE_API_KEY": "k" * 24,
        "SMTP_URL": "smtp://localhost:25",
    }
