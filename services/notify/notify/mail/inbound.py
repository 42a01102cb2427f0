"""Mail in: one received mail becomes an ``email.received`` event (or is refused, or ignored, with a reason).

The steps, each a rule of its own: refuse a duplicate (same Message-ID) and a
sender over the rate limit; find the case by our threading headers or by the
number in the subject; drop automatic mail (auto-replies, bounces, lists) that
names no case, since answering it could loop; keep only the sender's new words;
take the attachments along; find the sender in our directory or find/create
them as a requester through the gateway.  A failure that may pass (gateway
down) answers "try again later", so the sending server keeps the mail.

``From`` is whatever the sender wrote.  A mail is ``sender_verified`` only when
its In-Reply-To or References name a Message-ID we sent to that very address
(ids we make are random, so only a recipient knows them): the cases service
trusts a staff sender's mail as an internal note only then.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit.db import Database, utcnow
from servicekit.events import Event
from servicekit.outbox import record_event

from ..events import EMAIL_RECEIVED
from ..gateway import GatewayRefused, GatewayUnavailable, NotifyGateway
from ..models import InboundMail, OutgoingMail, new_id
from ..service.directory import find_user_by_email
from . import headers as h
from .html import html_to_text
from .replies import visible_reply

log = logging.getLogger(__name__)

ACCEPTED, IGNORED, DUPLICATE, RATE_LIMITED, TRY_LATER, TOO_LARGE = (
    "accepted", "ignored", "duplicate", "rate_limited", "try_later", "too_large")


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    event_id: str | None = None

    @property
    def temporary(self) -> bool:
        return self.status in (RATE_LIMITED, TRY_LATER)


@dataclass(frozen=True)
class InboundSettings:
    case_prefix: str
    own_domains: tuple[str, ...]
    own_addresses: tuple[str, ...]
    rate_limit: int
    rate_window: float
    max_bytes: int
    service_name: str = "notify"


@dataclass
class ParsedMail:
    message_id: str
    from_email: str
    from_name: str
    subject: str
    in_reply_to: str
    references: list[str]
    to: list[str]
    cc: list[str]
    body: str
    attachments: list[dict[str, Any]] = field(default_factory=list)
    automatic: str | None = None


def parse(raw: bytes, envelope_sender: str | None) -> ParsedMail:
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
    from_name, from_email = parseaddr(str(message.get("From", "")))
    if "@" not in from_email and envelope_sender:
        from_email = parseaddr(envelope_sender)[1]
    message_id = [i for i in h.message_ids(str(message.get("Message-ID", ""))) if len(i) <= 500]
    ids_in_reply = h.message_ids(str(message.get("In-Reply-To", "")))
    return ParsedMail(
        message_id=message_id[0] if message_id else f"<{hashlib.sha256(raw).hexdigest()}@no-message-id>",
        from_email=from_email.strip().lower(),
        from_name=from_name.strip(),
        subject=" ".join(str(message.get("Subject", "")).split())[:1000],
        in_reply_to=ids_in_reply[0] if ids_in_reply else "",
        references=h.message_ids(str(message.get("References", ""))),
        to=h.addresses(str(message.get("To", ""))),
        cc=h.addresses(str(message.get("Cc", ""))),
        body=visible_reply(_body_text(message)),
        attachments=_attachments(message),
        automatic=h.automatic_reason({k: str(v) for k, v in message.items()}, envelope_sender, from_email),
    )


def _decoded(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode(part.get_content_charset() or "utf-8", errors="replace")


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _decoded(part)
    return html_to_text(text) if part.get_content_type() == "text/html" else text


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


def _filename(part: EmailMessage, index: int) -> str:
    name = part.get_filename() or ""
    name = _UNSAFE_NAME.sub("_", name).strip(" .")[:200]
    if not name and part.get_content_type() == "message/rfc822":
        name = "mail.eml"
    return name or f"attachment-{index}"


def _attachments(message: EmailMessage) -> list[dict[str, Any]]:
    found = []
    for index, part in enumerate(message.iter_attachments(), start=1):
        if part.get_content_disposition() == "inline" and part.get("Content-ID") and not part.get_filename():
            continue  # an image the HTML part shows (a signature logo), not something the sender attached
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            content = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
        else:
            content = part.get_payload(decode=True) or b""
        found.append({
            "filename": _filename(part, index),
            "content_type": part.get_content_type(),
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "content_base64": base64.b64encode(content).decode("ascii"),
        })
    return found


def _thread_ids(mail: ParsedMail) -> list[str]:
    return list(dict.fromkeys([mail.in_reply_to, *mail.references] if mail.in_reply_to else mail.references))


def sender_verified(session: Session, mail: ParsedMail) -> bool:
    """The mail answers one we sent to its sender's address (by its In-Reply-To or References)."""
    ids = _thread_ids(mail)
    if not ids:
        return False
    sent_to = session.scalars(select(OutgoingMail.sent_to).where(
        OutgoingMail.message_id.in_(ids), OutgoingMail.status == "sent"))
    return any(mail.from_email in (addresses or ()) for addresses in sent_to)


class MailReceiver:
    def __init__(self, database: Database, gateway: NotifyGateway, settings: InboundSettings,
                 on_outcome: Callable[[str], None] | None = None):
        self.database = database
        self.gateway = gateway
        self.settings = settings
        self.on_outcome = on_outcome or (lambda outcome: None)

    def receive(self, raw: bytes, envelope_sender: str | None = None) -> Outcome:
        outcome = self._receive(raw, envelope_sender)
        self.on_outcome(outcome.status)
        return outcome

    def _receive(self, raw: bytes, envelope_sender: str | None) -> Outcome:
        if len(raw) > self.settings.max_bytes:
            return Outcome(TOO_LARGE, f"larger than {self.settings.max_bytes} bytes")
        try:
            mail = parse(raw, envelope_sender)
        except Exception:  # a mail no parser can read is answered "taken" and logged: retrying will not help
            log.exception("an inbound mail of %d bytes could not be read", len(raw))
            return Outcome(IGNORED, "unreadable mail")
        with self.database.transaction() as session:
            refusal = self._refusal(session, mail)
            if refusal is not None:
                return refusal
            case_id = self._case_from_headers(session, mail)
            verified = sender_verified(session, mail)
        case_number = h.case_number_in(mail.subject, self.settings.case_prefix)
        if mail.automatic and not (case_id or case_number):
            return self._record_ignored(mail, len(raw), f"automatic mail naming no case ({mail.automatic})")
        try:
            sender_id = self._sender(mail)
        except GatewayUnavailable as err:
            log.warning("inbound mail %s waits: %s", mail.message_id, err)
            return Outcome(TRY_LATER, "the directory cannot be reached now")
        except GatewayRefused as err:
            return self._record_ignored(mail, len(raw), f"sender refused: {err}"[:200])
        return self._publish(mail, len(raw), sender_id, case_id, case_number, verified)

    def _refusal(self, session: Session, mail: ParsedMail) -> Outcome | None:
        if not mail.from_email or "@" not in mail.from_email or len(mail.from_email) > 320:
            return Outcome(IGNORED, "no sender address")
        if mail.from_email in self.settings.own_addresses:
            return Outcome(IGNORED, "sent by ourselves")
        if session.scalar(select(InboundMail.id).where(InboundMail.message_id == mail.message_id)):
            return Outcome(DUPLICATE, "already received")
        since = utcnow() - timedelta(seconds=self.settings.rate_window)
        recent = session.scalar(
            select(func.count()).select_from(InboundMail)
            .where(InboundMail.from_email == mail.from_email, InboundMail.received_at >= since)
        )
        if recent >= self.settings.rate_limit:
            return Outcome(RATE_LIMITED, f"more than {self.settings.rate_limit} mails from this sender")
        return None

    def _case_from_headers(self, session: Session, mail: ParsedMail) -> str | None:
        ids = _thread_ids(mail)
        for message_id in ids:
            if case_id := h.case_id_from_root(message_id, self.settings.own_domains):
                return case_id
        if not ids:
            return None
        sent = dict(session.execute(
            select(OutgoingMail.message_id, OutgoingMail.case_id)
            .where(OutgoingMail.message_id.in_(ids), OutgoingMail.case_id.is_not(None))
        ).all())
        return next((sent[i] for i in ids if i in sent), None)

    def _sender(self, mail: ParsedMail) -> str:
        with self.database.transaction() as session:
            user = find_user_by_email(session, mail.from_email)
            if user is not None:
                return user.id
        return self.gateway.find_or_create_contact(mail.from_email, mail.from_name or None).id

    def _record_ignored(self, mail: ParsedMail, size: int, reason: str) -> Outcome:
        with self.database.transaction() as session:
            if not self._claim(session, mail, size, "ignored", reason=reason):
                return Outcome(DUPLICATE, "already received")
        log.info("inbound mail %s from %s ignored: %s", mail.message_id, mail.from_email, reason)
        return Outcome(IGNORED, reason)

    def _claim(self, session: Session, mail: ParsedMail, size: int, outcome: str, **values: Any) -> bool:
        """Record the mail; False if another receiver recorded the same Message-ID first."""
        if session.scalar(select(InboundMail.id).where(InboundMail.message_id == mail.message_id)):
            return False
        try:
            with session.begin_nested():
                session.add(InboundMail(id=values.pop("id", new_id()), message_id=mail.message_id,
                                        from_email=mail.from_email, subject=mail.subject, size=size,
                                        automatic=bool(mail.automatic), outcome=outcome, received_at=utcnow(),
                                        **values))
        except IntegrityError:
            return False
        return True

    def _publish(self, mail: ParsedMail, size: int, sender_id: str, case_id: str | None,
                 case_number: str | None, verified: bool) -> Outcome:
        inbound_id = new_id()
        data = {
            "id": inbound_id, "message_id": mail.message_id, "in_reply_to": mail.in_reply_to or None,
            "references": mail.references, "from_email": mail.from_email, "from_name": mail.from_name,
            "sender_user_id": sender_id, "sender_verified": verified, "to": mail.to, "cc": mail.cc,
            "subject": mail.subject,
            "body": mail.body, "case_number": case_number, "case_id": case_id,
            "matched_by": "headers" if case_id else "subject" if case_number else None,
            "auto_submitted": bool(mail.automatic), "attachments": mail.attachments, "received_at": utcnow(),
        }
        event = Event.new(EMAIL_RECEIVED, service=self.settings.service_name, subject=inbound_id, data=data)
        with self.database.transaction() as session:
            if not self._claim(session, mail, size, "published", id=inbound_id, case_number=case_number,
                               case_id=case_id, sender_user_id=sender_id, event_id=event.id):
                return Outcome(DUPLICATE, "already received")
            record_event(session, event)
        log.info("inbound mail %s from %s published as %s (case %s)", mail.message_id, mail.from_email,
                 event.id, case_id or case_number or "new")
        return Outcome(ACCEPTED, event_id=event.id)
