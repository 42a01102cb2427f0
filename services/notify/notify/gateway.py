"""Calls to the rest of the system through the gateway, as the service principal ``notify``.

Services never call each other directly (docs/architecture.md): the gateway
checks ``SERVICE_API_KEY`` and forwards with ``user_id = "service:notify"``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import Message
from typing import Any

import requests

log = logging.getLogger(__name__)


class GatewayUnavailable(Exception):
    """The gateway (or the service behind it) could not answer now; try again later."""


class GatewayRefused(Exception):
    """The gateway answered that the request itself is wrong (4xx): retrying will not help."""


@dataclass(frozen=True)
class Contact:
    id: str
    email: str
    name: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


class GatewayClient:
    def __init__(self, base_url: str, api_key: str | None, timeout: float = 15.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.http = requests.Session()

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        if not self.api_key:
            raise GatewayUnavailable("SERVICE_API_KEY is not set")
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept-Language": "da"}
        try:
            response = self.http.request(method, f"{self.base_url}{path}", headers=headers, timeout=self.timeout,
                                         allow_redirects=False, **kwargs)
        except requests.RequestException as err:
            raise GatewayUnavailable(f"{method} {path}: {err}") from err
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise GatewayUnavailable(f"{method} {path}: {response.status_code}")
        if response.status_code >= 400:
            raise GatewayRefused(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response

    def find_or_create_contact(self, email: str, name: str | None) -> Contact:
        """The requester with this address, created (organisation from its mail domain) if new."""
        body: dict[str, Any] = {"email": email}
        if name:
            body["name"] = name
        data = self._request("POST", "/internal/v1/contacts", json=body).json()
        return Contact(id=str(data["id"]), email=data.get("email") or email, name=data.get("name") or name or "")

    def case_attachments(self, case_id: str, attachment_ids: list[str]) -> list[Attachment]:
        """The named attachments of a case, with their bytes (for the mail to external parties)."""
        if not attachment_ids:
            return []
        listing = self._request("GET", f"/api/v1/cases/{case_id}/attachments", params={"per_page": 200}).json()
        items = listing.get("items", listing) if isinstance(listing, dict) else listing
        by_id = {str(item["id"]): item for item in items}
        found = []
        for attachment_id in attachment_ids:
            meta = by_id.get(str(attachment_id))
            response = self._request("GET", f"/api/v1/cases/{case_id}/attachments/{attachment_id}")
            found.append(Attachment(
                filename=(meta or {}).get("filename") or _filename(response) or f"{attachment_id}.bin",
                content_type=(meta or {}).get("content_type") or response.headers.get("Content-Type")
                or "application/octet-stream",
                content=response.content,
            ))
        return found


def _filename(response: requests.Response) -> str | None:
    disposition = response.headers.get("Content-Disposition")
    if not disposition:
        return None
    header = Message()
    header["Content-Disposition"] = disposition
    return header.get_filename()
