"""The mail sender against a real SMTP server that refuses some recipients: each mail is judged on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notify_support import MailCatcher
from sqlalchemy import select

from notify.gateway import NotifyGateway
from notify.mail.compose import Composer
from notify.mail.outbound import NAME_WAIT_SECONDS, MailSender
from notify.mail.smtp import SmtpTarget
from notify.models import DirectoryUser, OutgoingMail, new_id
from servicekit.db import utcnow

BUSY, NO_SUCH_USER = "450 4.2.1 Mailbox busy, try later", "550 5.1.1 No such user"


@pytest.fixture
def catcher():
    server = MailCatcher()
    server.start()
    yield server
    server.stop()


def sender_for(database, smtp_url: str) -> MailSender:
    composer = Composer(mail_from="Servicedesk <servicedesk@sd.example>", reply_to="sag@sd.example",
                        public_url="https://servicedesk.example", case_prefix="SAG", time_zone="Europe/Copenhagen")
    return MailSender(database, composer, SmtpTarget.from_url(smtp_url, timeout=10),
                      NotifyGateway("http://127.0.0.1:9", "notify-test-key-0123456789"),
                      mail_from="servicedesk@sd.example", retry_delays=(60.0,), give_up_after=3600)


def queue(database, *, to: str | None = None, external: dict | None = None, age_seconds: float = 0) -> str:
    """A queued mail: a status notice to a new user with address ``to``, or a forward to ``external``."""
    mail_id = new_id()
    case = {"id": new_id(), "number": "SAG 2611-0042", "title": "Printer", "status": "in_progress"}
    with database.transaction() as session:
        if to is not None:
            user_id = new_id()
            session.add(DirectoryUser(id=user_id, email=to, name="Anne", roles=["requester"], version=1))
            recipient, kind, context = f"user:{user_id}", "case_status", {"case": case}
        else:
            recipient, kind = "external", "case_forward"
            context = {"case": case, **external, "message": {"body": "Kan I se på det?", "attachment_ids": []}}
        session.add(OutgoingMail(id=mail_id, notice_key=new_id(), recipient=recipient, kind=kind, case_id=case["id"],
                                 context=context, message_id=f"<{new_id()}@sd.example>", references=[],
                                 created_at=utcnow(), next_attempt_at=utcnow() - timedelta(seconds=age_seconds)))
    return mail_id


def row(database, mail_id: str) -> OutgoingMail:
    with database.transaction() as session:
        found = session.scalar(select(OutgoingMail).where(OutgoingMail.id == mail_id))
        session.expunge(found)
        return found


@pytest.mark.parametrize("refusal", ["rcpt", "data"])
def test_a_recipient_refused_for_now_postpones_that_mail_alone_and_the_rest_of_the_batch_goes(
        clean_database, catcher, refusal):
    getattr(catcher, f"refuse_{refusal}")["busy@kunde.example"] = BUSY
    busy = queue(clean_database, to="busy@kunde.example", age_seconds=2)  # first in the batch
    fine = queue(clean_database, to="fine@kunde.example", age_seconds=1)

    assert sender_for(clean_database, catcher.url).send_due() == 2

    assert [r.rcpt_tos for r in catcher.received] == [["fine@kunde.example"]]
    sent = row(clean_database, fine)
    assert (sent.status, sent.attempts, sent.sent_to) == ("sent", 1, ["fine@kunde.example"])
    waiting = row(clean_database, busy)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert "450" in waiting.last_error and waiting.next_attempt_at > utcnow()


def test_a_mail_refused_for_now_goes_once_the_server_takes_it(clean_database, catcher):
    catcher.refuse_rcpt["busy@kunde.example"] = BUSY
    busy = queue(clean_database, to="busy@kunde.example")
    sender = sender_for(clean_database, catcher.url)
    sender.send_due()
    del catcher.refuse_rcpt["busy@kunde.example"]
    with clean_database.transaction() as session:
        session.get(OutgoingMail, busy).next_attempt_at = utcnow()  # its back-off has passed
    sender.send_due()
    assert [r.rcpt_tos for r in catcher.received] == [["busy@kunde.example"]]
    assert row(clean_database, busy).status == "sent"


def test_a_recipient_refused_for_good_fails_that_mail_at_once(clean_database, catcher):
    catcher.refuse_rcpt["gone@kunde.example"] = NO_SUCH_USER
    gone = queue(clean_database, to="gone@kunde.example", age_seconds=1)
    fine = queue(clean_database, to="fine@kunde.example")
    sender_for(clean_database, catcher.url).send_due()
    failed = row(clean_database, gone)
    assert failed.status == "failed" and "550" in failed.last_error
    assert row(clean_database, fine).status == "sent"


def test_a_forward_whose_cc_is_refused_goes_to_the_others_and_records_the_refusal(clean_database, catcher, caplog):
    catcher.refuse_rcpt["chef@leverandor.example"] = NO_SUCH_USER
    forward = queue(clean_database, external={"to": ["service@leverandor.example"],
                                              "cc": ["chef@leverandor.example"]})
    sender_for(clean_database, catcher.url).send_due()

    [received] = catcher.received
    assert received.rcpt_tos == ["service@leverandor.example"]
    sent = row(clean_database, forward)
    assert sent.status == "sent" and sent.sent_to == ["service@leverandor.example"]
    assert sent.refused == {"chef@leverandor.example": NO_SUCH_USER}
    assert "chef@leverandor.example" in sent.last_error
    assert any("chef@leverandor.example" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)


def queue_reply(database, *, author_id: str, age_seconds: float) -> str:
    """A staff reply to a known requester, queued ``age_seconds`` ago, by an author the directory may not know."""
    mail_id, requester_id = new_id(), new_id()
    context = {"case": {"id": new_id(), "number": "SAG 2611-0042", "title": "Printer", "status": "in_progress",
                        "requester_id": requester_id},
               "message": {"body": "Printeren er skiftet.", "author_id": author_id}, "actor_id": author_id,
               "actor_name": "", "author_name": "", "team_id": None, "team_name": "Kundebetjening"}
    queued_at = utcnow() - timedelta(seconds=age_seconds)
    with database.transaction() as session:
        session.add(DirectoryUser(id=requester_id, email="anne@kunde.example", name="Anne", roles=["requester"],
                                  version=1))
        session.add(OutgoingMail(id=mail_id, notice_key=new_id(), recipient=f"user:{requester_id}", kind="case_reply",
                                 case_id=context["case"]["id"], context=context, message_id=f"<{new_id()}@sd.example>",
                                 references=[], created_at=queued_at, next_attempt_at=queued_at))
    return mail_id


def test_a_mail_waits_a_while_for_its_authors_name_then_is_signed_by_the_team(clean_database, catcher):
    author = new_id()
    fresh = queue_reply(clean_database, author_id=author, age_seconds=1)
    sender_for(clean_database, catcher.url).send_due()
    waiting = row(clean_database, fresh)
    assert waiting.status == "pending" and f"{author} not in the directory yet" in waiting.last_error
    assert catcher.received == []

    stale = queue_reply(clean_database, author_id=author, age_seconds=NAME_WAIT_SECONDS + 1)
    sender_for(clean_database, catcher.url).send_due()
    assert row(clean_database, stale).status == "sent"
    [mail] = catcher.received
    assert "Med venlig hilsen\nKundebetjening\n" in mail.text


# -- TLS and log-in -------------------------------------------------------------------------------------

USER, PASSWORD = "servicedesk", "smtp-adgang-0123"


@pytest.fixture
def secure_server(tmp_path):
    """An SMTP server that takes mail only after STARTTLS and a log-in (a self-signed test CA)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    from notify_support import free_port, make_certificates

    certificates = make_certificates(tmp_path)
    catcher = MailCatcher()

    def authenticate(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=(auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode()))

    controller = Controller(catcher, hostname="127.0.0.1", port=free_port(), tls_context=certificates.server_context(),
                            require_starttls=True, auth_required=True, authenticator=authenticate)
    controller.start()
    yield controller.port, certificates, catcher
    controller.stop()


def test_mail_goes_over_starttls_with_a_log_in_to_a_server_whose_ca_we_trust(clean_database, secure_server):
    port, certificates, catcher = secure_server
    url = f"smtp+starttls://{USER}:{PASSWORD}@localhost:{port}?cafile={certificates.ca}"
    mail = queue(clean_database, to="anne@kunde.example")
    sender_for(clean_database, url).send_due()
    assert [r.rcpt_tos for r in catcher.received] == [["anne@kunde.example"]]
    assert row(clean_database, mail).status == "sent"


def test_a_self_signed_relay_is_trusted_only_with_verify_false(clean_database, secure_server):
    port, _certificates, catcher = secure_server
    mail = queue(clean_database, to="anne@kunde.example")
    sender_for(clean_database, f"smtp+starttls://{USER}:{PASSWORD}@127.0.0.1:{port}").send_due()
    waiting = row(clean_database, mail)
    assert waiting.status == "pending" and "CERTIFICATE_VERIFY_FAILED" in waiting.last_error
    assert catcher.received == []

    with clean_database.transaction() as session:
        session.get(OutgoingMail, mail).next_attempt_at = utcnow()
    sender_for(clean_database, f"smtp+starttls://{USER}:{PASSWORD}@127.0.0.1:{port}?verify=false").send_due()
    assert row(clean_database, mail).status == "sent" and len(catcher.received) == 1

