"""Where the documents come from: the running services over HTTP, or their apps built in-process."""

from __future__ import annotations

import importlib
import json
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import urllib3
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


# the documents are small: a service that takes longer than this is left out (and asked again soon)
DOCUMENT_TIMEOUT = urllib3.Timeout(connect=2.0, read=5.0)


def fetch_from_services(upstreams: Upstreams, path: str, pool: Executor,
                        timeout: urllib3.Timeout = DOCUMENT_TIMEOUT) -> tuple[dict[str, Any], list[str]]:
    """Each service's document at ``path``, asked of all services at once; the names of those that did not
    answer in time."""
    futures = {service: pool.submit(_fetch_document, upstreams, service, path, timeout)
               for service in UPSTREAM_SERVICES}
    documents, missing = {}, []
    for service, future in futures.items():
        try:
            documents[service] = future.result()
        except (errors.ServiceError, ValueError) as err:
            log.warning("no %s from %s: %s", path, service, err)
            missing.append(service)
    return documents, missing


def _fetch_document(upstreams: Upstreams, service: str, path: str, timeout: urllib3.Timeout) -> dict[str, Any]:
    response = upstreams.request(service, "GET", path, {"Accept": "application/json"}, timeout=timeout)
    try:
        body = b"".join(response.body)
    finally:
        response.close()
    if response.status != 200:
        raise ValueError(f"status {response.status}")
    return json.loads(body)


class CachedDocument:
    """A merged document, rebuilt at most every ``ttl`` seconds (every ``retry`` seconds while a service was
    missing).

    Only the first caller waits for a build; after that, callers get the last good copy at once while one
    background thread rebuilds it. A complete copy is not replaced by one that misses a service.
    """

    def __init__(self, build: Callable[[], tuple[dict[str, Any], list[str]]], ttl: float = 300.0,
                 retry: float = 10.0):
        self._build, self._ttl, self._retry = build, ttl, retry
        self._lock = threading.Lock()  # guards the fields below
        self._first_build = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._complete = False
        self._expires = 0.0
        self._rebuilding = False

    def get(self) -> dict[str, Any]:
        with self._lock:
            value = self._value
            stale = value is not None and time.monotonic() >= self._expires and not self._rebuilding
            if stale:
                self._rebuilding = True
        if stale:
            threading.Thread(target=self._refresh_in_background, name="gateway-apidocs", daemon=True).start()
        if value is not None:
            return value
        with self._first_build:
            if self._value is None:
                self._refresh()
            return self._value

    def _refresh(self) -> None:
        document, missing = self._build()
        with self._lock:
            if not missing or not self._complete:
                self._value, self._complete = document, not missing
            self._expires = time.monotonic() + (self._retry if missing else self._ttl)

    def _refresh_in_background(self) -> None:
        try:
            self._refresh()
        except Exception:  # the old copy stays; tried again after ``retry`` seconds
            log.exception("the merged document could not be rebuilt")
            with self._lock:
                self._expires = time.monotonic() + self._retry
        finally:
            with self._lock:
                self._rebuilding = False


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
