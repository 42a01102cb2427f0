"""A local SMTP server that keeps every outgoing mail as an .eml file (the embedded mode's post office)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

log = logging.getLogger(__name__)


class _SaveToFolder:
    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        log.info("mail to %s kept in %s", ", ".join(envelope.rcpt_tos), path)
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, folder: Path, port: int, host: str = "127.0.0.1"):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.controller = Controller(_SaveToFolder(folder), hostname=host, port=port)

    @property
    def url(self) -> str:
        return f"smtp://{self.controller.hostname}:{self.controller.port}"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
