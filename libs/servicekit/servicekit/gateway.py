"""Calls from a service to the rest of the system, through the gateway as a service principal.

Services never call each other directly (docs/architecture.md): the gateway checks the caller's
``SERVICE_API_KEY`` and forwards with ``user_id = "service:<name>"``, so the called service applies
its own access rules to a known caller.
"""

from __future__ import annotations

import requests


class GatewayUnavailable(Exception):
    """The gateway (or the service behind it) could not answer now; try again later."""


class GatewayRefused(Exception):
    """The gateway answered that the request itself is wrong (4xx): retrying will not help."""

    def __init__(self, message: str, status_code: int):
        super().__init__(message)
        self.status_code = status_code


class GatewayClient:
    """``request()`` with the service key, a time-out and no redirects; answers other than 2xx/3xx raise."""

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 15.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.http = requests.Session()

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        if not self.api_key:
            raise GatewayUnavailable("SERVICE_API_KEY is not set")
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept-Language": "da", **kwargs.pop("headers", {})}
        try:
            response = self.http.request(method, f"{self.base_url}{path}", headers=headers, timeout=self.timeout,
                                         allow_redirects=False, **kwargs)
        except requests.RequestException as err:
            raise GatewayUnavailable(f"{method} {path}: {err}") from err
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise GatewayUnavailable(f"{method} {path}: {response.status_code}")
        if response.status_code >= 400:
            raise GatewayRefused(f"{method} {path}: {response.status_code} {response.text[:300]}", response.status_code)
        return response
