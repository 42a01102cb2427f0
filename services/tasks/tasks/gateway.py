"""Asking the cases service about a case, through the gateway as the service principal ``tasks``.

Services never call each other directly (docs/architecture.md): the gateway checks
``SERVICE_API_KEY`` and forwards with ``user_id = "service:tasks"``.  The tasks service asks
only when a case is missing from its replica (its events have not arrived yet, or there is
no such case); everything else comes from the ``case.*`` events.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import requests

from servicekit.errors import ServiceUnavailable

from .i18n import _

log = logging.getLogger(__name__)

CASES_KEY = "cases"  # the service context's extras hold the CaseSource under this key


class CasesUnreachable(ServiceUnavailable):
    """The cases service (or the gateway in front of it) could not say whether the case exists."""

    slug = "cases-unreachable"
    retry_after = 5


class CaseSource(Protocol):
    def find_case(self, case_id: str) -> dict[str, Any] | None:
        """The case as the cases API shows it, None when there is no such case; CasesUnreachable otherwise."""


class GatewayCases:
    """``GET /api/v1/cases/{id}`` through the gateway (service principals see every case)."""

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.http = requests.Session()

    def find_case(self, case_id: str) -> dict[str, Any] | None:
        response = self._get(f"/api/v1/cases/{case_id}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            # 401/403: our key is wrong; 5xx/429: the cases service or the gateway is in trouble
            log.error("looking up case %s through the gateway answered %d: %s", case_id, response.status_code,
                      response.text[:300])
            raise _unreachable()
        return response.json()

    def _get(self, path: str) -> requests.Response:
        if not self.api_key:
            log.error("SERVICE_API_KEY is not set: the tasks service cannot ask the cases service about a case")
            raise _unreachable()
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        try:
            return self.http.get(f"{self.base_url}{path}", headers=headers, timeout=self.timeout,
                                 allow_redirects=False)
        except requests.RequestException as err:
            log.warning("cannot reach the gateway for %s: %s", path, err)
            raise _unreachable() from err


def _unreachable() -> CasesUnreachable:
    return CasesUnreachable(_("The case is not known to the task service yet, and the case service cannot be "
                              "asked right now. Try again in a moment."))
