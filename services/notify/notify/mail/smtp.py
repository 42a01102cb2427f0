"""Sending over SMTP as ``SMTP_URL`` says: ``smtp://``, ``smtps://`` (TLS from the start) or
``smtp+starttls://``, with ``user:password@`` when the server wants a log-in.

``?verify=false`` turns certificate checks off for a relay with a self-signed
certificate on a trusted network; never the default.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}


class PermanentRefusal(Exception):
    """The server refused the mail for good (5xx): retrying will not help."""


@dataclass(frozen=True)
class SmtpTarget:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    verify: bool = True
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str, timeout: float = 30.0) -> SmtpTarget:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise ValueError(f"unsupported SMTP scheme {scheme!r}")
        query = parse_qs(parts.query)
        verify = query.get("verify", ["true"])[0].lower() not in ("false", "0", "no")
        return cls(
            scheme=scheme,
            host=parts.hostname or "localhost",
            port=parts.port or DEFAULT_PORTS[scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            verify=verify,
            timeout=timeout,
        )

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def connect(self) -> smtplib.SMTP:
        if self.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                   context=self._tls_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            client.ehlo()
            if self.scheme == "smtp+starttls":
                client.starttls(context=self._tls_context())
                client.ehlo()
            if self.username:
                client.login(self.username, self.password or "")
        except BaseException:
            client.close()
            raise
        return client


def send(client: smtplib.SMTP, message: EmailMessage, envelope_from: str, recipients: list[str]) -> None:
    """Hand one message to the server; a 5xx refusal of every recipient is permanent, the rest temporary."""
    try:
        refused = client.send_message(message, from_addr=envelope_from, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as err:
        if all(500 <= code < 600 for code, _ in err.recipients.values()):
            raise PermanentRefusal(_describe(err.recipients)) from err
        raise
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as err:
        if 500 <= err.smtp_code < 600:
            raise PermanentRefusal(f"{err.smtp_code} {err.smtp_error!r}") from err
        raise
    if refused and len(refused) == len(recipients):
        raise PermanentRefusal(_describe(refused))


def _describe(refused: dict) -> str:
    return "; ".join(f"{addr}: {code} {msg!r}" for addr, (code, msg) in refused.items())
