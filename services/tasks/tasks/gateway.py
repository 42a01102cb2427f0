"""Asking the cases service about a case, through the gateway as the service principal ``tasks``.

The tasks service asks only when a case is missing from its replica (its events have not arrived yet,
or there is no such case); everything else comes from the ``case.*`` events.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from servicekit.errors import ServiceUnavailable
from servicekit.gateway import GatewayClient, GatewayRefused, GatewayUnavailable

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


class GatewayCases(GatewayClient):
    """``GET /api/v1/cases/{id}`` through the gateway (service principals see every case)."""

    def find_case(self, case_id: str) -> dict[str, Any] | None:
        path = f"/api/v1/cases/{case_id}"
        if not self.api_key:
            log.error("SERVICE_API_KEY is not set: the tasks service cannot ask the cases service about a case")
        try:
            return self.request("GET", path, headers={"Accept": "application/json"}).json()
        except GatewayRefused as err:
            if err.status_code == 404:
                return None
            log.error("looking up case %s through the gateway: %s", case_id, err)  # our key is wrong
            raise _unreachable() from err
        except GatewayUnavailable as err:
            log.warning("cannot ask the gateway about case %s: %s", case_id, err)
            raise _unreachable() from err


def _unreachable() -> CasesUnreachable:
    return CasesUnreachable(_("The case is not known to the task service yet, and the case service cannot be "
                              "asked right now. Try again in a moment."))
