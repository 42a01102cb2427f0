"""Sending over SMTP as ``SMTP_URL`` says: ``smtp://``, ``smtps://`` (TLS from the start) or
``smtp+starttls://``, with ``user:password@`` when the server wants a log-in.

The server's certificate and name are checked against the public CAs, or against
``?cafile=/path/ca.pem`` (a relay with an internal CA); ``?verify=false`` turns
the checks off for a relay with a self-signed certificate on a trusted network,
never the default.  Credentials never travel in clear text: ``smtp://user:pw@``
is refused at start unless ``?allow_plaintext_auth=true`` says it on purpose.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}


class PermanentRefusal(Exception):
    """The server refused the mail for good (5xx): retrying will not help."""


class TemporaryRefusal(Exception):
    """The server cannot take this one mail now (4xx): try it again later, go on with the others."""


@dataclass(frozen=True)
class SmtpTarget:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    verify: bool = True
    timeout: float = 30.0
    cafile: str | None = None
    allow_plaintext_auth: bool = False

    @classmethod
    def from_url(cls, url: str, timeout: float = 30.0) -> SmtpTarget:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise ValueError(f"unsupported SMTP scheme {scheme!r}")
        query = parse_qs(parts.query)
        return cls(
            scheme=scheme,
            host=parts.hostname or "localhost",
            port=parts.port or DEFAULT_PORTS[scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            verify=_flag(query, "verify", True),
            timeout=timeout,
            cafile=query.get("cafile", [None])[0],
            allow_plaintext_auth=_flag(query, "allow_plaintext_auth", False),
        )

    @property
    def encrypted(self) -> bool:
        return self.scheme in ("smtps", "smtp+starttls")

    def problem(self) -> str | None:
        """Why this target may not be used, or None."""
        if self.cafile and not Path(self.cafile).is_file():
            return f"cafile {self.cafile} is no file"
        if self.username and not self.encrypted and not self.allow_plaintext_auth:
            return ("sends the password in clear text: use smtps:// or smtp+starttls://, "
                    "or add ?allow_plaintext_auth=true on a trusted network")
        return None

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.cafile)
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


def _flag(query: dict[str, list[str]], name: str, default: bool) -> bool:
    if name not in query:
        return default
    return query[name][0].lower() not in ("false", "0", "no")


@dataclass(frozen=True)
class Handed:
    """What the server took: the recipients it accepted and, by address, the answers of those it refused."""

    accepted: tuple[str, ...]
    refused: dict[str, str]


def send(client: smtplib.SMTP, message: EmailMessage, envelope_from: str, recipients: list[str]) -> Handed:
    """Hand one message to the server.

    PermanentRefusal: refused for good (5xx for the sender, the data or every recipient).
    TemporaryRefusal: this mail cannot go now (4xx), the connection stays usable for the next one.
    SMTPServerDisconnected (or OSError): the connection is gone (421 closes it too).
    Some recipients refused while others were accepted: sent, and ``refused`` says who was not.
    """
    try:
        refused = client.send_message(message, from_addr=envelope_from, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as err:
        _raise_for(err.recipients.values(), _describe(err.recipients))
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as err:
        _raise_for([(err.smtp_code, err.smtp_error)], f"{err.smtp_code} {_text(err.smtp_error)}")
    accepted = tuple(r.lower() for r in recipients if r not in refused)
    return Handed(accepted, {addr.lower(): f"{code} {_text(msg)}" for addr, (code, msg) in refused.items()})


def _raise_for(answers, described: str):
    codes = [code for code, _ in answers]
    if 421 in codes:
        raise smtplib.SMTPServerDisconnected(f"the server closed the connection: {described}")
    if all(500 <= code < 600 for code in codes):
        raise PermanentRefusal(described)
    raise TemporaryRefusal(described)


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", errors="replace") if isinstance(answer, bytes) else str(answer)


def _describe(refused: dict) -> str:
    return "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in refused.items())
