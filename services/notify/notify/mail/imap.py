"""Optional IMAP polling (``IMAP_URL``: ``imaps://user:password@host:993/INBOX``).

Unseen mails are read without marking them (``BODY.PEEK[]``); a mail is marked
seen only once it was received or refused for good, so a mail that must wait
(sender over the rate limit, directory away) is read again next round.  A mail
that fails for another reason is logged and left unseen, and the round goes on
with the next one.  The envelope sender is the ``Return-Path`` the delivering
server wrote, so a bounce (``Return-Path: <>``) is known as automatic mail.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
import threading
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from urllib.parse import unquote, urlsplit

from ..polling import repeat
from .inbound import MailReceiver

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImapSource:
    scheme: str
    host: str
    port: int
    username: str
    password: str
    folder: str

    @classmethod
    def from_url(cls, url: str) -> ImapSource:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        default_port = 993 if scheme == "imaps" else 143
        return cls(scheme=scheme, host=parts.hostname or "localhost", port=parts.port or default_port,
                   username=unquote(parts.username or ""), password=unquote(parts.password or ""),
                   folder=unquote(parts.path.lstrip("/")) or "INBOX")

    def connect(self) -> imaplib.IMAP4:
        context = ssl.create_default_context()
        if self.scheme == "imaps":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=30)
        else:
            client = imaplib.IMAP4(self.host, self.port, timeout=30)
            if self.scheme == "imap+starttls":
                client.starttls(ssl_context=context)
        client.login(self.username, self.password)
        return client


def return_path(raw: bytes) -> str | None:
    """The envelope sender the delivering server recorded (``<>`` for a bounce), or None if it wrote none."""
    headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    value = headers.get("Return-Path")
    return None if value is None else str(value).strip()


class ImapPoller:
    def __init__(self, receiver: MailReceiver, source: ImapSource, poll_seconds: float):
        self.receiver = receiver
        self.source = source
        self.poll_seconds = poll_seconds

    def run(self, stop: threading.Event) -> None:
        repeat(stop, self.poll_once, rest_seconds=self.poll_seconds, full_round=10**9, what="IMAP polling")

    def poll_once(self) -> int:
        """Receive every unseen mail once; return how many were taken."""
        client = self.source.connect()
        taken = 0
        try:
            client.select(self.source.folder)
            _, found = client.uid("SEARCH", None, "UNSEEN")
            for uid in (found[0] or b"").split():
                _, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
                if raw is None:
                    continue
                try:
                    outcome = self.receiver.receive(raw, return_path(raw))
                except Exception:  # one mail we cannot take must not hold up the others: it stays unseen
                    log.exception("IMAP mail %s could not be taken; it stays unseen", uid.decode())
                    continue
                if not outcome.temporary:
                    client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
                    taken += 1
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                client.logout()
        return taken
