"""The inbound SMTP listener (aiosmtpd) on ``INBOUND_SMTP_PORT``, run as a loop of the worker.

It accepts mail only for our own domains (it is no relay), refuses mail past
``MAX_INBOUND_MAIL_BYTES`` (552), and answers with a temporary 4xx code when
a mail cannot be taken now (sender over the rate limit, directory away), so
the sending server keeps it and tries again: no mail is lost.  With a
certificate (``INBOUND_TLS_CERT``, ``INBOUND_TLS_KEY``) it offers STARTTLS, so
mail can reach us encrypted; it does not demand it, since not every sending
server can.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading

from aiosmtpd.controller import Controller

from .inbound import ACCEPTED, DUPLICATE, IGNORED, RATE_LIMITED, TOO_LARGE, TRY_LATER, MailReceiver

log = logging.getLogger(__name__)

REPLIES = {
    ACCEPTED: "250 2.0.0 OK: received",
    DUPLICATE: "250 2.0.0 OK: already received",
    IGNORED: "250 2.0.0 OK",
    RATE_LIMITED: "450 4.7.1 Too many mails from this sender; try again later",
    TRY_LATER: "451 4.3.0 Temporary failure; try again later",
    TOO_LARGE: "552 5.3.4 Message too big",
}


class InboundHandler:
    def __init__(self, receiver: MailReceiver, domains: tuple[str, ...]):
        self.receiver = receiver
        self.domains = {d.lower() for d in domains}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.rsplit("@", 1)[-1].lower() not in self.domains:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(None, self.receiver.receive, raw, envelope.mail_from or "")
        except Exception:  # never lose a mail on our own error: the sender keeps it and retries
            log.exception("inbound mail could not be handled")
            return REPLIES[TRY_LATER]
        return REPLIES[outcome.status]


class InboundListener:
    def __init__(self, receiver: MailReceiver, *, host: str, port: int, domains: tuple[str, ...], max_bytes: int,
                 tls_context: ssl.SSLContext | None = None):
        self.controller = Controller(InboundHandler(receiver, domains), hostname=host, port=port,
                                     data_size_limit=max_bytes, enable_SMTPUTF8=True,
                                     server_hostname="servicedesk", ready_timeout=10, tls_context=tls_context,
                                     require_starttls=False)

    def run(self, stop: threading.Event) -> None:
        self.controller.start()
        log.info("inbound SMTP listening on %s:%d", self.controller.hostname, self.controller.port)
        try:
            stop.wait()
        finally:
            self.controller.stop()
