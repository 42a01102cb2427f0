"""The operator's commands: check the mail settings, see the queues, queue failed mail again."""

from __future__ import annotations

from click.testing import CliRunner
from notify_support import MailCatcher, wait_for
from sqlalchemy import select

from notify.manage import cli
from notify.models import OutgoingMail, new_id
from servicekit.db import utcnow


def environ(database, identity_keys, smtp_url):
    return {"DATABASE_URL": database.url, "AMQP_URL": "amqp://guest:guest@127.0.0.1:5672//",
            "IDENTITY_PUBLIC_KEY": identity_keys[1], "SMTP_URL": smtp_url, "MAIL_FROM": "sd@sd.example",
            "LOG_FORMAT": "text"}


def test_send_test_mail_reaches_the_address_or_says_why_not(clean_database, identity_keys, mail_catcher):
    runner = CliRunner()
    sent = runner.invoke(cli, ["send-test-mail", "drift@sd.example"],
                         env=environ(clean_database, identity_keys, mail_catcher.url))
    assert sent.exit_code == 0, sent.output
    assert wait_for(lambda: mail_catcher.to("drift@sd.example"))
    down = runner.invoke(cli, ["send-test-mail", "drift@sd.example"],
                         env=environ(clean_database, identity_keys, MailCatcher().url))
    assert down.exit_code == 1 and "could not be sent" in down.output


def test_failed_mails_are_counted_and_can_be_queued_again(clean_database, identity_keys, mail_catcher):
    with clean_database.transaction() as session:
        session.add(OutgoingMail(id=new_id(), notice_key="k", recipient="user:x", kind="case_status", context={},
                                 message_id="<m@sd.example>", references=[], status="failed", created_at=utcnow(),
                                 next_attempt_at=utcnow()))
    runner = CliRunner()
    env = environ(clean_database, identity_keys, mail_catcher.url)
    assert "mails: failed: 1" in runner.invoke(cli, ["mail-status"], env=env).output
    assert "1 mail(s) queued again" in runner.invoke(cli, ["retry-failed-mails"], env=env).output
    with clean_database.transaction() as session:
        assert session.scalars(select(OutgoingMail.status)).all() == ["pending"]
