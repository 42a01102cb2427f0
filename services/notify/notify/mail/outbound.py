"""The outgoing-mail queue: written by the consumers, delivered by the worker's sender loop.

A mail is a row first (in the transaction that handled the event), so it is
never lost; the unique notice key makes it once per event and recipient.  The
sender loop leases due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
replicas share the work), sends them over one SMTP connection, and marks each
sent - or moves it later with back-off while the server is away, until
``MAIL_GIVE_UP_AFTER``.  A server that refuses a mail for good (5xx) fails it
at once; one that cannot take one mail now (4xx) postpones that mail alone, and
the others of the batch go on over the same connection.  Recipients the server
refused while it took the others are logged and kept on the row (``refused``).
The names a mail shows are taken from the directory when it is built; a mail whose
actor the directory does not know yet waits for them (``name_wait`` at most), then
goes with the composer's stand-in (the team's name, else the product's).
A mail about a message carries its files (``mail/files.py``), fetched through the
gateway just before it is sent; while the gateway cannot give them, the mail waits
as it would for a mail server that is away.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekit.db import Database, utcnow

from .. import domain
from ..gateway import GatewayRefused, GatewayUnavailable, NotifyGateway
from ..models import DirectoryTeam, OutgoingMail
from ..polling import repeat
from ..service.directory import SessionDirectory
from .compose import Addressee, Composer
from .files import NO_FILES, MailFiles, files_for_mail
from .smtp import Handed, PermanentRefusal, SmtpTarget, TemporaryRefusal, send

log = logging.getLogger(__name__)

AUTO_REPLIED, AUTO_GENERATED = "auto-replied", "auto-generated"
# How long a mail waits for the user.* event of a person it names (it comes from the gateway, usually at once).
NAME_WAIT_SECONDS = 60.0
ATTACHMENTS_MAX_BYTES = 10 * 1024 * 1024  # MAIL_ATTACHMENTS_MAX_BYTES


def auto_replies_since(session: Session, recipient: str, since: datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(OutgoingMail)
        .where(OutgoingMail.recipient == recipient, OutgoingMail.auto_submitted == AUTO_REPLIED,
               OutgoingMail.created_at >= since)
    ) or 0


class RetryLater(Exception):
    """This mail cannot go now (recipient unknown yet, attachments unreachable); try again later."""


class Undeliverable(Exception):
    """This mail can never go (recipient inactive, team without a mailbox)."""


@dataclass
class _Outgoing:
    """A leased mail: what it needs to be built, then built (or already decided: ``outcome`` set)."""

    id: str
    kind: str
    case_id: str | None
    headers: dict  # message_id, in_reply_to, references, auto_submitted: as the row holds them
    addressee: Addressee | None = None
    context: dict = field(default_factory=dict)  # the row's, with the names the directory knows now
    message: EmailMessage | None = None
    outcome: tuple[str, str] | None = None  # ("sent" | "retry" | "fail", reason)
    handed: Handed | None = None  # what the server took, once sent

    @property
    def file_ids(self) -> tuple[str, ...]:
        return tuple(str(i) for i in (self.context.get("message") or {}).get("attachment_ids") or ())


class MailSender:
    """Sends the queue in three steps, so no database lock is held while talking to other servers:
    lease due mails and read what they need (short transaction); fetch their files through the gateway,
    build and send them; record each outcome (short transaction).
    A crash between sending and recording sends that mail again once its lease runs out, with the same
    Message-ID, which mail clients show once."""

    def __init__(self, database: Database, composer: Composer, smtp: SmtpTarget, gateway: NotifyGateway, *,
                 mail_from: str, retry_delays: tuple[float, ...], give_up_after: float, poll_seconds: float = 1.0,
                 batch_size: int = 20, on_outcome: Callable[[str], None] | None = None,
                 name_wait: float = NAME_WAIT_SECONDS, attachments_max_bytes: int = ATTACHMENTS_MAX_BYTES):
        self.database = database
        self.on_outcome = on_outcome or (lambda outcome: None)
        self.composer = composer
        self.smtp = smtp
        self.gateway = gateway
        self.envelope_from = parseaddr(mail_from)[1]
        self.retry_delays = retry_delays
        self.give_up_after = timedelta(seconds=give_up_after)
        self.name_wait = timedelta(seconds=name_wait)
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.attachments_max_bytes = attachments_max_bytes
        self.lease = timedelta(seconds=(smtp.timeout + gateway.timeout) * 2 * batch_size + 60)

    def run(self, stop: threading.Event) -> None:
        repeat(stop, self.send_due, rest_seconds=self.poll_seconds, full_round=self.batch_size, what="mail sender")

    def send_due(self) -> int:
        """Send one batch of due mails; return how many were handled."""
        batch = self._lease_and_build()
        if batch:
            self._send(batch)
            self._record(batch)
        return len(batch)

    # -- 1. lease and read -----------------------------------------------------------------------------

    def _lease_and_build(self) -> list[_Outgoing]:
        with self.database.transaction() as session:
            rows = session.scalars(
                select(OutgoingMail)
                .where(OutgoingMail.status == "pending", OutgoingMail.next_attempt_at <= utcnow())
                .order_by(OutgoingMail.next_attempt_at)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            directory = SessionDirectory(session)
            batch = []
            for row in rows:
                row.next_attempt_at = utcnow() + self.lease
                batch.append(self._build(session, directory, row))
        return batch

    def _build(self, session: Session, directory: SessionDirectory, row: OutgoingMail) -> _Outgoing:
        outgoing = _Outgoing(row.id, row.kind, row.case_id, headers={
            "message_id": row.message_id, "in_reply_to": row.in_reply_to, "references": list(row.references or ()),
            "auto_submitted": row.auto_submitted})
        try:
            outgoing.addressee = self._addressee(session, directory, row)
            outgoing.context = self._with_names(directory, row)
        except (RetryLater, Undeliverable) as err:
            outgoing.outcome = ("retry" if isinstance(err, RetryLater) else "fail", str(err))
        except Exception as err:  # a mail we cannot prepare must not hold up the others
            log.exception("mail %s (%s) could not be prepared", row.id, row.kind)
            outgoing.outcome = ("retry", f"could not prepare the mail: {err!r}")
        return outgoing

    def _with_names(self, directory: SessionDirectory, row: OutgoingMail) -> dict:
        names, unknown = directory.names(row.context)
        if unknown and utcnow() - row.created_at < self.name_wait:
            raise RetryLater(f"{', '.join(unknown)} not in the directory yet")
        return {**row.context, **names}

    def _addressee(self, session: Session, directory: SessionDirectory, row: OutgoingMail) -> Addressee:
        kind, _, ref = row.recipient.partition(":")
        if kind == "user":
            user = directory.user(ref)
            if user is None:
                raise RetryLater("recipient not in the directory yet")
            if not user.active or not user.email:
                raise Undeliverable("recipient is inactive or has no address")
            return Addressee(to=(user.email,), name=user.name, language=user.language)
        if kind == "team":
            team = session.get(DirectoryTeam, ref)
            if team is None or not team.email:
                raise Undeliverable("team has no mailbox")
            return Addressee(to=(team.email,), name=team.name, language="da")
        if kind == "external":
            to, cc = tuple(row.context.get("to") or ()), tuple(row.context.get("cc") or ())
            if not to and not cc:
                raise Undeliverable("the forward names no recipient")
            return Addressee(to=to or cc, cc=cc if to else (), language=row.context.get("language") or "da")
        raise Undeliverable(f"unknown recipient {row.recipient!r}")

    # -- 2. build and send ------------------------------------------------------------------------------------

    def _send(self, batch: list[_Outgoing]) -> None:
        ready = [o for o in batch if o.outcome is None]
        fetched: dict[tuple, MailFiles | Exception] = {}  # the mails of one message share its files
        for outgoing in ready:
            self._compose(outgoing, fetched)
        ready = [o for o in ready if o.outcome is None]
        if not ready:
            return
        try:
            client = self.smtp.connect()
        except (OSError, smtplib.SMTPException) as err:
            log.warning("mail server unreachable (%s); %d mail(s) wait", err, len(ready))
            for outgoing in ready:
                outgoing.outcome = ("retry", f"mail server unreachable: {err}")
            return
        try:
            for index, outgoing in enumerate(ready):
                try:
                    outgoing.handed = send(client, outgoing.message, self.envelope_from,
                                           [*outgoing.addressee.to, *outgoing.addressee.cc])
                except PermanentRefusal as err:
                    outgoing.outcome = ("fail", f"refused by the mail server: {err}")
                except TemporaryRefusal as err:
                    outgoing.outcome = ("retry", f"the mail server cannot take it now: {err}")
                except (OSError, smtplib.SMTPException) as err:
                    for waiting in ready[index:]:  # the connection is gone: the rest wait for the next round
                        waiting.outcome = ("retry", f"sending failed: {err}")
                    return
                else:
                    outgoing.outcome = ("sent", "")
                    _log_sent(outgoing)
        finally:
            _close(client)

    def _compose(self, outgoing: _Outgoing, fetched: dict[tuple, MailFiles | Exception]) -> None:
        try:
            files = self._files(outgoing, fetched)
            outgoing.message = self.composer.build(outgoing.kind, outgoing.addressee, outgoing.context,
                                                   files=files, **outgoing.headers)
        except RetryLater as err:
            outgoing.outcome = ("retry", str(err))
        except Exception as err:  # a mail we cannot build must not hold up the others
            log.exception("mail %s (%s) could not be built", outgoing.id, outgoing.kind)
            outgoing.outcome = ("retry", f"could not build the mail: {err!r}")

    def _files(self, outgoing: _Outgoing, fetched: dict[tuple, MailFiles | Exception]) -> MailFiles:
        """The message's files this mail carries, fetched through the gateway (once per batch and message)."""
        visibilities = domain.KIND_FILES.get(outgoing.kind)
        if not visibilities or not outgoing.file_ids or not outgoing.case_id:
            return NO_FILES
        max_bytes = None if outgoing.kind in domain.OUTSIDE_KINDS else self.attachments_max_bytes
        key = (outgoing.case_id, outgoing.file_ids, visibilities, max_bytes)
        if key not in fetched:
            try:
                fetched[key] = files_for_mail(self.gateway, outgoing.case_id, outgoing.file_ids,
                                              visibilities=visibilities, max_bytes=max_bytes)
            except (GatewayUnavailable, GatewayRefused) as err:
                log.warning("the files of case %s cannot be read now (%s); its mails wait", outgoing.case_id, err)
                fetched[key] = err
        found = fetched[key]
        if isinstance(found, Exception):
            raise RetryLater(f"attachments not available: {found}")
        return found

    # -- 3. record -----------------------------------------------------------------------------------------

    def _record(self, batch: list[_Outgoing]) -> None:
        with self.database.transaction() as session:
            rows = {r.id: r for r in session.scalars(
                select(OutgoingMail).where(OutgoingMail.id.in_([o.id for o in batch])))}
            for outgoing in batch:
                row = rows[outgoing.id]
                status, reason = outgoing.outcome or ("retry", "not sent")
                if status == "sent":
                    self._sent(row, outgoing.handed)
                elif status == "fail":
                    self._fail(row, reason)
                else:
                    status = self._postpone(row, reason)
                self.on_outcome(status)

    def _sent(self, row: OutgoingMail, handed: Handed) -> None:
        row.status, row.sent_at, row.attempts = "sent", utcnow(), row.attempts + 1
        row.sent_to, row.refused = list(handed.accepted), dict(handed.refused)
        row.last_error = f"refused recipients: {_refusals(handed)}"[:2000] if handed.refused else None

    def _postpone(self, row: OutgoingMail, reason: str) -> str:
        """Try again later ("retry"), or give up ("fail") once MAIL_GIVE_UP_AFTER has passed."""
        row.attempts += 1
        row.last_error = reason[:2000]
        now = utcnow()
        if now - row.created_at >= self.give_up_after:
            self._fail(row, f"gave up after {row.attempts} attempts: {reason}")
            return "fail"
        delay = self.retry_delays[min(row.attempts - 1, len(self.retry_delays) - 1)]
        row.next_attempt_at = now + timedelta(seconds=delay)
        return "retry"

    def _fail(self, row: OutgoingMail, reason: str) -> None:
        row.status, row.last_error = "failed", reason[:2000]
        log.warning("mail %s (%s) to %s failed: %s", row.id, row.kind, row.recipient, reason)


def _refusals(handed: Handed) -> str:
    return "; ".join(f"{address}: {answer}" for address, answer in handed.refused.items())


def _log_sent(outgoing: _Outgoing) -> None:
    log.info("mail %s (%s) sent to %s", outgoing.id, outgoing.kind, ", ".join(outgoing.handed.accepted))
    if outgoing.handed.refused:
        log.warning("mail %s (%s): the server refused %s", outgoing.id, outgoing.kind, _refusals(outgoing.handed))


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
