"""The gateway's own outgoing mail (password links): queued in the business transaction, sent by the worker.

A mail row is written in the same transaction as the change that needs it; the worker's sender loop
delivers due rows over SMTP (``SMTP_URL``: ``smtp://`` or ``smtps://``, user and password in the URL
if needed) and retries with back-off while the server is away, then gives up and says so in the log.
On PostgreSQL several workers share the queue through ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.db import Database, utcnow

from .models import OutgoingMail

log = logging.getLogger(__name__)

RETRY_DELAYS = (10, 60, 300, 1800, 7200)  # seconds; after the last one the mail is given up
BATCH = 20


def queue_mail(session: Session, *, to: str, subject: str, body: str) -> None:
    """Add a mail to the queue in the caller's transaction."""
    session.add(OutgoingMail(recipient=to, subject=subject, body=body))


class SmtpSender:
    def __init__(self, smtp_url: str, mail_from: str, timeout: float = 20.0):
        self.url = urlparse(smtp_url)
        self.mail_from = mail_from
        self.timeout = timeout

    def send(self, mail: OutgoingMail) -> None:
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.mail_from.rpartition("@")[2] or None)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(mail.body)
        host, port = self.url.hostname or "localhost", self.url.port
        if self.url.scheme == "smtps":
            client = smtplib.SMTP_SSL(host, port or 465, timeout=self.timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port or 25, timeout=self.timeout)
        with client:
            if self.url.username:
                client.login(unquote(self.url.username), unquote(self.url.password or ""))
            client.send_message(message)


def send_due(database: Database, sender: SmtpSender) -> int:
    """Send the mails that are due; returns how many were sent."""
    sent = 0
    with database.transaction() as session:
        now = utcnow()
        due = session.scalars(
            select(OutgoingMail)
            .where(OutgoingMail.sent_at.is_(None), OutgoingMail.failed_at.is_(None),
                   OutgoingMail.next_attempt_at <= now)
            .order_by(OutgoingMail.next_attempt_at)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for mail in due:
            try:
                sender.send(mail)
            except (OSError, smtplib.SMTPException) as err:
                _schedule_retry(mail, err)
            else:
                mail.sent_at = utcnow()
                sent += 1
    return sent


def _schedule_retry(mail: OutgoingMail, err: Exception) -> None:
    mail.attempts += 1
    mail.last_error = str(err)[:500]
    if mail.attempts > len(RETRY_DELAYS):
        mail.failed_at = utcnow()
        log.error("gave up sending mail %s after %d attempts: %s", mail.id, mail.attempts, err)
        return
    mail.next_attempt_at = utcnow() + timedelta(seconds=RETRY_DELAYS[mail.attempts - 1])
    log.warning("mail %s not sent (attempt %d), trying again later: %s", mail.id, mail.attempts, err)


def sender_loop(database: Database, sender: SmtpSender, interval: float = 2.0):
    def loop(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                send_due(database, sender)
            except Exception:  # the database may be away for a while; the next round tries again
                log.exception("the mail sender loop failed; trying again")
            stop.wait(interval)

    return loop
