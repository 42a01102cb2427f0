"""The embedded mode: SQLite and the in-process broker, same code paths (receipt out, reply in)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from notify_support import MailCatcher, case_data, event, free_port, user_data, wait_for
from sqlalchemy import select

from notify import config
from notify.app import MIGRATIONS_DIR, build_context
from notify.models import InboundMail
from notify.worker import build_worker
from servicekit.bus import OutgoingMessage
from servicekit.migrations import upgrade


def test_notify_runs_on_sqlite_and_the_in_process_broker(tmp_path, identity_keys):
    catcher = MailCatcher()
    catcher.start()
    settings = config.load({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'notify.db'}", "AMQP_URL": "memory://",
        "IDENTITY_PUBLIC_KEY": identity_keys[1], "SMTP_URL": catcher.url, "MAIL_FROM": "sd@sd.example",
        "INBOUND_SMTP_HOST": "127.0.0.1", "INBOUND_SMTP_PORT": str(free_port()), "MAIL_POLL_SECONDS": "0.1",
        "LOG_FORMAT": "text",
    })
    upgrade(settings.database_url, MIGRATIONS_DIR)
    context = build_context(settings)
    worker = build_worker(context)
    worker.start()
    try:
        assert worker.wait_until_consuming(30)
        anne = user_data("Anne Hansen", "anne@kunde.example")
        case = case_data(requester_id=anne["id"], actor_id=anne["id"])
        context.bus.publish_many([OutgoingMessage(e.type, e.to_json(), e.id) for e in (
            event("user.created", anne), event("case.created", case))])
        receipt = catcher.wait_for_mail_to("anne@kunde.example")[0]
        assert receipt.message["Subject"].startswith("[SAG 2611-0042] Vi har modtaget din henvendelse")

        reply = EmailMessage()
        reply["From"], reply["To"], reply["Subject"] = "anne@kunde.example", "sd@sd.example", "SV: [SAG 2611-0042]"
        reply.set_content("Tak!")
        with smtplib.SMTP("127.0.0.1", settings.inbound_smtp_port, timeout=10) as client:
            client.send_message(reply)

        def published():
            with context.database.transaction() as session:
                return session.scalars(select(InboundMail.outcome)).all()

        assert wait_for(published) == ["published"]
    finally:
        worker.stop(timeout=10)
        catcher.stop()
        context.database.dispose()


def test_two_workers_built_on_one_context_share_notifys_metrics(tmp_path, identity_keys):
    settings = config.load({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'notify.db'}", "AMQP_URL": "memory://",
        "IDENTITY_PUBLIC_KEY": identity_keys[1], "MAIL_FROM": "sd@sd.example", "LOG_FORMAT": "text",
    })
    upgrade(settings.database_url, MIGRATIONS_DIR)
    context = build_context(settings)
    try:
        build_worker(context)
        build_worker(context)
        scraped = context.metrics.render().decode()
    finally:
        context.database.dispose()
    assert scraped.count("# TYPE notify_mails_total counter") == 1
    assert "notify_mails_failed 0.0" in scraped
