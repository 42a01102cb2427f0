"""Calls to the rest of the system through the gateway, as the service principal ``notify``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from servicekit.gateway import GatewayClient, GatewayRefused, GatewayUnavailable

__all__ = ["Attachment", "CaseFile", "Contact", "GatewayRefused", "GatewayUnavailable", "NotifyGateway"]

FILES_PER_PAGE = 200  # the most a list page gives
OCTET_STREAM = "application/octet-stream"


@dataclass(frozen=True)
class Contact:
    id: str
    email: str
    name: str


@dataclass(frozen=True)
class CaseFile:
    """A file of a case, as its attachment list shows it to staff."""

    id: str
    filename: str
    size: int
    content_type: str
    visibility: str


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

    def case_files(self, case_id: str, wanted: Collection[str]) -> dict[str, CaseFile]:
        """The files of a case among ``wanted`` (ids), as the case's attachment list describes them."""
        found: dict[str, CaseFile] = {}
        page = 1
        while True:
            listing = self.request("GET", f"/api/v1/cases/{case_id}/attachments",
                                   params={"page": page, "per_page": FILES_PER_PAGE}).json()
            for item in listing["items"]:
                if str(item["id"]) in wanted:
                    found[str(item["id"])] = CaseFile(
                        id=str(item["id"]), filename=item["filename"], size=int(item["size"]),
                        content_type=item.get("content_type") or OCTET_STREAM, visibility=item["visibility"])
            if len(found) == len(wanted) or page * FILES_PER_PAGE >= listing["total"]:
                return found
            page += 1

    def file_content(self, case_id: str, file_id: str) -> bytes:
        """The bytes of one file of a case (``GatewayRefused`` with 404 when it is gone)."""
        return self.request("GET", f"/api/v1/cases/{case_id}/attachments/{file_id}").content
