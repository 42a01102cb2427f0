"""Calls to the rest of the system through the gateway, as the service principal ``notify``."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from typing import Any

import requests

from servicekit.gateway import GatewayClient, GatewayRefused, GatewayUnavailable

__all__ = ["Attachment", "Contact", "GatewayRefused", "GatewayUnavailable", "NotifyGateway"]


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


class NotifyGateway(GatewayClient):
    """What notify asks of the rest of the system."""

    def find_or_create_contact(self, email: str, name: str | None) -> Contact:
        """The requester with this address, created (organisation from its mail domain) if new."""
        body: dict[str, Any] = {"email": email}
        if name:
            body["name"] = name
        data = self.request("POST", "/internal/v1/contacts", json=body).json()
        return Contact(id=str(data["id"]), email=data.get("email") or email, name=data.get("name") or name or "")

    def case_attachments(self, case_id: str, attachment_ids: list[str]) -> list[Attachment]:
        """The named attachments of a case, with their bytes (for the mail to external parties)."""
        if not attachment_ids:
            return []
        listing = self.request("GET", f"/api/v1/cases/{case_id}/attachments", params={"per_page": 200}).json()
        items = listing.get("items", listing) if isinstance(listing, dict) else listing
        by_id = {str(item["id"]): item for item in items}
        found = []
        for attachment_id in attachment_ids:
            meta = by_id.get(str(attachment_id))
            response = self.request("GET", f"/api/v1/cases/{case_id}/attachments/{attachment_id}")
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
