"""Which service owns which public path (docs/architecture.md, "Routing at the gateway")."""

from __future__ import annotations

import re
from urllib.parse import unquote

UPSTREAM_SERVICES = ("cases", "tasks", "notify", "sla")

_ID = r"[^/]+"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
PUBLIC_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), service) for pattern, service in (
        (rf"^/api/v1/cases/{_ID}/tasks(/.*)?$", "tasks"),
        (rf"^/api/v1/cases/{_ID}/sla(/.*)?$", "sla"),
        (r"^/api/v1/sla(/.*)?$", "sla"),
        (r"^/api/v1/(cases|reply-templates|routing-rules|priority-matrix)(/.*)?$", "cases"),
        (r"^/api/v1/tasks(/.*)?$", "tasks"),
        (r"^/api/v1/(notifications|notification-preferences|webhooks)(/.*)?$", "notify"),
    )
)

# The public routes a service principal calls (everything else under /api/ is 403 to it): notify reads
# the attachments of a case to send them with a forward (services/notify/notify/gateway.py); tasks reads
# a case its replica does not hold yet (services/tasks/tasks/gateway.py).
SERVICE_PRINCIPAL_ROUTES: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = (
    (frozenset({"GET", "HEAD"}), re.compile(rf"^/api/v1/cases/{_UUID}$")),
    (frozenset({"GET", "HEAD"}), re.compile(rf"^/api/v1/cases/{_ID}/attachments(/{_ID})?$")),
)


def service_may_call(method: str, path: str) -> bool:
    """Whether a service principal may call this public ``/api/`` route."""
    return any(method in methods and pattern.match(path) for methods, pattern in SERVICE_PRINCIPAL_ROUTES)


def service_for(path: str) -> str | None:
    """The service that answers this public ``/api/v1/...`` path, or None when no service does."""
    for pattern, service in PUBLIC_ROUTES:
        if pattern.match(path):
            return service
    return None


def has_dot_segment(path: str) -> bool:
    """Whether ``path`` (decoded or not) has a ``.`` or ``..`` segment.

    An HTTP client removes dot segments before it sends a path, so ``/api/v1/cases/../../metrics`` would be
    routed as a case path and arrive upstream as ``/metrics``: such a path is refused, never forwarded.
    """
    return any(segment in (".", "..") for segment in unquote(path).split("/"))
