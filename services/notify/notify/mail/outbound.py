"""The outgoing-mail queue: written by the consumers, delivered by the worker's sender loop.

A mail is a row first (in the transaction that handled the event), so it is
never lost; the unique notice key makes it once per event and recipient.  The
sender loop takes due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
replicas share the work), sends them over one SMTP connection, and marks each
sent - or moves it later with back-off while the server is away, until
``MAIL_GIVE_UP_AFTER``.  A server that refuses a mail for good (5xx) fails it
at once.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicekit.db import Database, utcnow

from ..directory import SessionDirectory
from ..gateway import GatewayClient, GatewayRefused, GatewayUnavailable
from ..models import DirectoryTeam, OutgoingMail
from .compose import Addressee, Composer
from .smtp import PermanentRefusal, SmtpTarget, send

log = logging.getLogger(__name__)

AUTO_REPLIED, AUTO_GENERATED = "auto-replied", "auto-generated"


def queue_mail(session: Session, **values: Any) -> bool:
    """Add a mail to the queue unless this notice already went to this recipient; True if added."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(OutgoingMail.__table__)
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), created_at=utcnow(), **values)
        .on_conflict_do_nothing(index_elements=["notice_key", "recipient"])
        .returning(OutgoingMail.__table__.c.id)
    )
    return session.execute(statement).first() is not None


def auto_replies_since(session: Session, recipient: str, since: datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(OutgoingMail)
        .where(OutgoingMail.recipient == recipient, OutgoingMail.auto_submitted == AUTO_REPLIED,
               OutgoingMail.created_at >= since)
    ) or 0


class RetryLater(Exception):
    """This mail cannot go now (recipient unknown yet, attachments unreachable); try again later."""


class MailSender:
    def __init__(self, database: Database, composer: Composer, smtp: SmtpTarget, gateway: GatewayClient, *,
                 mail_from: str, retry_delays: tuple[float, ...], give_up_after: float, poll_seconds: float = 1.0,
                 batch_size: int = 20):
        self.database = database
        self.composer = composer
        self.smtp = smtp
        self.gateway = gateway
        self.envelope_from = parseaddr(mail_from)[1]
        self.retry_delays = retry_delays
        self.give_up_after = timedelta(seconds=give_up_after)
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                sent = self.send_due()
            except Exception:
                log.exception("mail sender failed; trying again")
                sent = 0
            if sent < self.batch_size:
                stop.wait(self.poll_seconds)

    def send_due(self) -> int:
        """Send one batch of due mails; return how many were handled."""
        with self.database.transaction() as session:
            rows = session.scalars(
                select(OutgoingMail)
                .where(OutgoingMail.status == "pending", OutgoingMail.next_attempt_at <= utcnow())
                .order_by(OutgoingMail.next_attempt_at)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            try:
                client = self.smtp.connect()
            except (OSError, smtplib.SMTPException) as err:
                log.warning("mail server unreachable (%s); %d mail(s) wait", err, len(rows))
                for row in rows:
                    self._postpone(row, f"mail server unreachable: {err}")
                return len(rows)
            try:
                self._send_rows(session, client, rows)
            finally:
                _close(client)
        return len(rows)

    def _send_rows(self, session: Session, client: smtplib.SMTP, rows: list[OutgoingMail]) -> None:
        directory = SessionDirectory(session)
        for index, row in enumerate(rows):
            try:
                addressee = self._addressee(session, directory, row)
                if addressee is None:
                    continue
                message = self._message(row, addressee)
                send(client, message, self.envelope_from, [*addressee.to, *addressee.cc])
            except RetryLater as err:
                self._postpone(row, str(err))
            except PermanentRefusal as err:
                self._fail(row, f"refused by the mail server: {err}")
            except (OSError, smtplib.SMTPException) as err:
                # The connection is gone: this and the rest of the batch wait for the next round.
                for waiting in rows[index:]:
                    self._postpone(waiting, f"sending failed: {err}")
                return
            except Exception as err:  # a mail we cannot build must not hold up the others
                log.exception("mail %s (%s) could not be built", row.id, row.kind)
                self._postpone(row, f"could not build the mail: {err!r}")
            else:
                row.status, row.sent_at, row.attempts, row.last_error = "sent", utcnow(), row.attempts + 1, None
                log.info("mail %s (%s) sent to %s", row.id, row.kind, ", ".join(addressee.to))

    def _addressee(self, session: Session, directory: SessionDirectory, row: OutgoingMail) -> Addressee | None:
        kind, _, ref = row.recipient.partition(":")
        if kind == "user":
            user = directory.user(ref)
            if user is None:
                raise RetryLater("recipient not in the directory yet")
            if not user.active or not user.email:
                self._fail(row, "recipient is inactive or has no address")
                return None
            return Addressee(to=(user.email,), name=user.name, language=user.language)
        if kind == "team":
            team = session.get(DirectoryTeam, ref)
            if team is None or not team.email:
                self._fail(row, "team has no mailbox")
                return None
            return Addressee(to=(team.email,), name=team.name, language="da")
        if kind == "external":
            return Addressee(to=tuple(row.context.get("to") or ()), cc=tuple(row.context.get("cc") or ()),
                             language=row.context.get("language") or "da")
        self._fail(row, f"unknown recipient {row.recipient!r}")
        return None

    def _message(self, row: OutgoingMail, addressee: Addressee):
        message = self.composer.build(row.kind, addressee, row.context, message_id=row.message_id,
                                      in_reply_to=row.in_reply_to, references=list(row.references or ()),
                                      auto_submitted=row.auto_submitted)
        attachment_ids = (row.context.get("message") or {}).get("attachment_ids") or []
        if row.kind == "case_forward" and attachment_ids:
            try:
                attachments = self.gateway.case_attachments(row.case_id, [str(a) for a in attachment_ids])
            except GatewayUnavailable as err:
                raise RetryLater(f"attachments unreachable: {err}") from err
            except GatewayRefused as err:
                raise RetryLater(f"attachments refused: {err}") from err
            for attachment in attachments:
                maintype, _, subtype = attachment.content_type.partition("/")
                message.add_attachment(attachment.content, maintype=maintype or "application",
                                       subtype=subtype or "octet-stream", filename=attachment.filename)
        return message

    def _postpone(self, row: OutgoingMail, reason: str) -> None:
        row.attempts += 1
        row.last_error = reason[:2000]
        now = utcnow()
        if now - row.created_at >= self.give_up_after:
            self._fail(row, f"gave up after {row.attempts} attempts: {reason}")
            return
        delay = self.retry_delays[min(row.attempts - 1, len(self.retry_delays) - 1)]
        row.next_attempt_at = now + timedelta(seconds=delay)

    def _fail(self, row: OutgoingMail, reason: str) -> None:
        row.status, row.last_error = "failed", reason[:2000]
        log.warning("mail %s (%s) to %s failed: %s", row.id, row.kind, row.recipient, reason)


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
