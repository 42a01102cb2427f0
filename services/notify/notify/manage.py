"""``notify-manage``: migrate, worker, replay-dlq, outbox-status, and for mail: mail-status,
retry-failed-mails, send-test-mail."""

from __future__ import annotations

import sys

import click
from sqlalchemy import func, select, update

from servicekit.cli import service_cli
from servicekit.config import ConfigError
from servicekit.db import utcnow

from . import config
from .app import MIGRATIONS_DIR, build_context
from .mail.headers import mail_domain
from .mail.smtp import SmtpTarget
from .models import OutgoingMail, WebhookDelivery
from .worker import build_worker

cli = service_cli(
    "notify", load_settings=config.load, build_context=build_context, build_worker=build_worker,
    migrations_dir=MIGRATIONS_DIR,
)


def _context():
    try:
        return build_context(config.load())
    except ConfigError as err:
        click.echo(f"notify: {err}", err=True)
        sys.exit(2)


@cli.command("mail-status", help="How many mails and webhook deliveries are pending, sent and failed.")
def mail_status() -> None:
    context = _context()
    with context.database.transaction() as session:
        for label, model in (("mails", OutgoingMail), ("webhook deliveries", WebhookDelivery)):
            counts = dict(session.execute(select(model.status, func.count()).group_by(model.status)).all())
            shown = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items())) or "none"
            click.echo(f"{label}: {shown}")


@cli.command("retry-failed-mails", help="Queue failed mails again (after the cause was fixed).")
def retry_failed_mails() -> None:
    context = _context()
    with context.database.transaction() as session:
        result = session.execute(update(OutgoingMail).where(OutgoingMail.status == "failed")
                                 .values(status="pending", next_attempt_at=utcnow(), created_at=utcnow()))
    click.echo(f"notify: {result.rowcount} mail(s) queued again")


@cli.command("send-test-mail", help="Send one mail now through SMTP_URL, to check the mail settings.")
@click.argument("address")
def send_test_mail(address: str) -> None:
    from email.message import EmailMessage
    from email.utils import make_msgid

    settings = config.load()
    message = EmailMessage()
    message["From"], message["To"] = settings.mail_from, address
    message["Subject"] = "Servicedesk: testmail / test mail"
    message["Message-ID"] = make_msgid(domain=mail_domain(settings.mail_from))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("Denne mail viser, at servicedesk kan sende mail.\n"
                        "This mail shows that servicedesk can send mail.\n")
    try:
        with SmtpTarget.from_url(settings.smtp_url, timeout=settings.smtp_timeout).connect() as client:
            client.send_message(message)
    except Exception as err:  # the operator wants to see why, whatever it is
        click.echo(f"notify: the mail could not be sent: {err}", err=True)
        sys.exit(1)
    click.echo(f"notify: test mail sent to {address}")


if __name__ == "__main__":
    cli()
