"""Mail in, end to end: a real SMTP client sends to the listener; ``email.received`` comes out on RabbitMQ."""

from __future__ import annotations

import base64
import json
import smtplib
from email.message import EmailMessage

import pytest
from notify_cast import meet_the_cast
from notify_support import case_data, event, new_id, wait_for
from sqlalchemy import select

from notify.models import InboundMail

QUOTED = """Tak, nu virker printeren igen.

Den tor. 26. nov. 2026 kl. 10.06 skrev Servicedesk <sag@sd.example>:
> Kære Anne Hansen
>
> Vi har bestilt en ny toner.
"""


def mail(sender: str, subject: str, body: str = QUOTED, **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Servicedesk <sag@sd.example>"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def send(notify, message: EmailMessage, **kwargs) -> None:
    with smtplib.SMTP("127.0.0.1", notify.inbound_port, timeout=10) as client:
        client.send_message(message, **kwargs)


def received_events(published) -> list[dict]:
    return [json.loads(m.body) for m in published()]


def inbound_rows(notify) -> list[InboundMail]:
    with notify.database.transaction() as session:
        return list(session.scalars(select(InboundMail).order_by(InboundMail.received_at)))


def test_a_reply_with_the_case_number_becomes_an_email_received_event_without_the_quote_and_with_its_attachment(
        notify_service, published):
    cast = meet_the_cast(notify_service)
    reply = mail("Anne Hansen <Anne@Kunde.example>", "SV: [SAG 2611-0042] Nyt svar på din sag: Printeren")
    reply.add_attachment(b"%PDF-1.4 kvittering", maintype="application", subtype="pdf", filename="kvittering.pdf")
    send(notify_service, reply)

    events = wait_for(lambda: received_events(published))
    assert len(events) == 1
    envelope = events[0]
    data = envelope["data"]
    assert envelope["type"] == "email.received" and envelope["source"] == "servicedesk/notify"
    assert data["body"] == "Tak, nu virker printeren igen."
    assert data["case_number"] == "SAG 2611-0042" and data["matched_by"] == "subject" and data["case_id"] is None
    assert data["from_email"] == "anne@kunde.example" and data["from_name"] == "Anne Hansen"
    assert data["sender_user_id"] == cast.requester["id"]
    assert data["auto_submitted"] is False
    assert data["to"] == ["sag@sd.example"]
    [attachment] = data["attachments"]
    assert attachment["filename"] == "kvittering.pdf" and attachment["content_type"] == "application/pdf"
    assert base64.b64decode(attachment["content_base64"]) == b"%PDF-1.4 kvittering"
    assert attachment["size"] == len(b"%PDF-1.4 kvittering")


def test_a_reply_to_one_of_our_mails_is_matched_to_its_case_by_the_threading_headers(
        notify_service, mail_catcher, published):
    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], version=2, actor_id=cast.agent["id"],
                     user_id=cast.follower["id"])
    notify_service.publish(event("case.shared", case, source="cases"))
    ours = mail_catcher.wait_for_mail_to(cast.email("follower"))[0].message

    body = "Thanks, I will look.\n\nOn Thu, 26 Nov 2026 Servicedesk wrote:\n> x"
    reply = mail("bo@kunde.example", "Re: a case", body, In_Reply_To=ours["Message-ID"],
                 References=f"{ours['References']} {ours['Message-ID']}")
    send(notify_service, reply)

    [data] = [e["data"] for e in wait_for(lambda: received_events(published))]
    assert data["case_id"] == case["id"] and data["matched_by"] == "headers"
    assert data["in_reply_to"] == ours["Message-ID"]
    assert data["body"] == "Thanks, I will look."


def test_the_same_mail_delivered_twice_is_published_once(notify_service, published):
    meet_the_cast(notify_service)
    message = mail("anne@kunde.example", "[SAG 2611-0042] igen", Message_ID="<samme-mail@kunde.example>")
    send(notify_service, message)
    send(notify_service, message)
    wait_for(lambda: received_events(published))
    assert len(inbound_rows(notify_service)) == 1
    assert len(received_events(published)) == 1


def test_an_automatic_reply_naming_no_case_is_dropped_and_never_answered(notify_service, mail_catcher, published):
    meet_the_cast(notify_service)
    out_of_office = mail("anne@kunde.example", "Fraværende: Ny henvendelse", "Jeg er på ferie til mandag.",
                         Auto_Submitted="auto-replied")
    send(notify_service, out_of_office)

    [row] = wait_for(lambda: inbound_rows(notify_service))
    assert row.outcome == "ignored" and row.automatic and "auto-submitted" in row.reason
    assert received_events(published) == []


def test_a_case_opened_by_an_automatic_mail_gets_no_receipt_so_two_auto_responders_cannot_loop(
        notify_service, mail_catcher, published):
    cast = meet_the_cast(notify_service)
    bounce = mail("anne@kunde.example", "Automatisk svar: [SAG 2611-0042] Vi har modtaget din henvendelse",
                  "Tak for din mail. Jeg er tilbage mandag.", Auto_Submitted="auto-replied")
    send(notify_service, bounce)
    [received] = wait_for(lambda: received_events(published))
    assert received["data"]["auto_submitted"] is True

    # The cases service opens a new case for it (the sender is not on the named case)...
    opened = case_data(requester_id=cast.requester["id"], team_id=cast.team["id"], actor_id="service:cases",
                       number="SAG 2611-0043", title="Automatisk svar")
    notify_service.publish(event("case.created", opened, source="cases", causationid=received["id"]))
    # ... and a case opened by a person a moment later does get its receipt.
    other = case_data(requester_id=cast.requester["id"], team_id=cast.team["id"], actor_id=cast.requester["id"],
                      number="SAG 2611-0044", title="Ny skærm")
    notify_service.publish(event("case.created", other, source="cases"))
    assert wait_for(lambda: mail_catcher.to(cast.email("requester")))
    subjects = [r.message["Subject"] for r in mail_catcher.to(cast.email("requester"))]
    assert subjects == ["[SAG 2611-0044] Vi har modtaget din henvendelse: Ny skærm"]


def test_the_receipt_of_a_case_opened_by_mail_answers_that_mail(notify_service, mail_catcher, published):
    cast = meet_the_cast(notify_service)
    send(notify_service, mail("anne@kunde.example", "Printeren virker ikke", "Den blinker rødt.",
                              Message_ID="<hjaelp-1@kunde.example>"))
    [received] = wait_for(lambda: received_events(published))

    opened = case_data(requester_id=cast.requester["id"], team_id=cast.team["id"], actor_id="service:cases",
                       title="Printeren virker ikke")
    notify_service.publish(event("case.created", opened, source="cases", causationid=received["id"]))
    receipt = mail_catcher.wait_for_mail_to(cast.email("requester"))[0].message
    assert receipt["Subject"].startswith("[SAG 2611-0042] Vi har modtaget din henvendelse")
    assert receipt["In-Reply-To"] == "<hjaelp-1@kunde.example>"
    assert receipt["References"].split() == [f"<case-{opened['id']}@sd.example>", "<hjaelp-1@kunde.example>"]


@pytest.mark.parametrize("headers", [
    {"Precedence": "bulk"}, {"List_Id": "<nyheder.kunde.example>"}, {"Auto_Submitted": "auto-generated"},
])
def test_bulk_and_list_mail_naming_no_case_is_not_published(notify_service, published, headers):
    meet_the_cast(notify_service)
    send(notify_service, mail("anne@kunde.example", "Nyhedsbrev", "Læs mere", **headers))
    assert wait_for(lambda: inbound_rows(notify_service))[0].outcome == "ignored"
    assert received_events(published) == []


def test_a_mailer_daemon_bounce_is_not_published(notify_service, published):
    send(notify_service, mail("MAILER-DAEMON@kunde.example", "Undelivered Mail Returned to Sender", "550 no user"),
         from_addr="")
    assert wait_for(lambda: inbound_rows(notify_service))[0].outcome == "ignored"
    assert received_events(published) == []


def test_a_sender_over_the_rate_limit_is_told_to_try_again_later(start_notify, mail_catcher, published):
    notify = start_notify(mail_catcher.url, INBOUND_RATE_LIMIT="2")
    meet_the_cast(notify)
    for number in (1, 2):
        send(notify, mail("anne@kunde.example", f"[SAG 2611-004{number}] svar"))
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(notify, mail("anne@kunde.example", "[SAG 2611-0043] svar"))
    assert refused.value.smtp_code == 450
    assert len(wait_for(lambda: len(received_events(published)) == 2 and received_events(published))) == 2


def test_a_mail_over_the_size_limit_is_refused(start_notify, mail_catcher, published):
    notify = start_notify(mail_catcher.url, MAX_INBOUND_MAIL_BYTES="2048")
    with pytest.raises(smtplib.SMTPException) as refused:
        send(notify, mail("anne@kunde.example", "[SAG 2611-0042] stor", "x" * 5000))
    assert getattr(refused.value, "smtp_code", None) == 552
    assert inbound_rows(notify) == []


def test_mail_for_another_domain_is_refused_since_the_listener_is_no_relay(notify_service):
    message = mail("anne@kunde.example", "relay?")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(notify_service, message, to_addrs=["someone@elsewhere.example"])


def test_a_mail_from_an_unknown_sender_waits_while_the_gateway_is_away(notify_service, published):
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(notify_service, mail("ny.kunde@firma.example", "Hjælp til login"))
    assert refused.value.smtp_code == 451
    assert inbound_rows(notify_service) == [] and received_events(published) == []


def test_a_mail_from_a_new_address_creates_a_requester_through_the_gateway_in_the_owning_organisation(
        start_notify, mail_catcher, real_gateway, published):
    import requests
    from notify_gateway import SERVICE_KEY

    admin = real_gateway.admin_headers()
    organisation = requests.post(f"{real_gateway.url}/api/v1/organisations", headers=admin, timeout=10,
                                 json={"name": "Firma A/S", "mail_domains": ["firma.example"]}).json()
    notify = start_notify(mail_catcher.url, GATEWAY_URL=real_gateway.url, SERVICE_API_KEY=SERVICE_KEY)
    send(notify, mail("Ny Kunde <ny.kunde@firma.example>", "Hjælp til login", "Jeg kan ikke logge ind."))

    [data] = [e["data"] for e in wait_for(lambda: received_events(published))]
    assert data["case_number"] is None and data["matched_by"] is None
    users = requests.get(f"{real_gateway.url}/api/v1/users", params={"q": "ny.kunde@firma.example"}, headers=admin,
                         timeout=10).json()["items"]
    [user] = users
    assert data["sender_user_id"] == user["id"]
    assert user["roles"] == ["requester"] and user["organisation_id"] == organisation["id"]
    assert user["name"] == "Ny Kunde"


def test_a_reply_is_sender_verified_only_when_it_answers_a_mail_we_sent_to_that_very_address(
        notify_service, mail_catcher, published):
    from notify.models import OutgoingMail

    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], team_id=cast.team["id"], assignee_id=cast.colleague["id"],
                     version=4, actor_id=cast.agent["id"])
    case["message"] = {"id": new_id(), "case_id": case["id"], "author_id": cast.agent["id"], "visibility": "internal",
                       "body": "Kan du ringe til kunden?", "via": "portal", "attachment_ids": []}
    notify_service.publish(event("case.message_added", case, source="cases"))
    notice = mail_catcher.wait_for_mail_to(cast.email("colleague"))[0].message

    def sent():
        with notify_service.database.transaction() as session:
            return session.scalar(select(OutgoingMail.status).where(
                OutgoingMail.message_id == notice["Message-ID"])) == "sent"

    assert wait_for(sent)
    text = "Jeg har ringet til kunden; printeren er skiftet."
    send(notify_service, mail(cast.email("colleague"), f"SV: {notice['Subject']}", text,
                              In_Reply_To=notice["Message-ID"], References=notice["References"]))
    send(notify_service, mail(cast.email("colleague"), f"SV: {notice['Subject']}", text))
    send(notify_service, mail(cast.email("agent"), f"SV: {notice['Subject']}", text,
                              In_Reply_To=notice["Message-ID"], References=notice["References"]))

    events = wait_for(lambda: len(received_events(published)) == 3 and received_events(published))
    verdicts = [(e["data"]["from_email"], e["data"]["in_reply_to"] is not None, e["data"]["sender_verified"])
                for e in events]
    assert sorted(verdicts) == [(cast.email("agent"), True, False), (cast.email("colleague"), False, False),
                                (cast.email("colleague"), True, True)]


def test_with_a_certificate_the_listener_offers_starttls_and_takes_mail_over_it(start_notify, mail_catcher,
                                                                                 published, tmp_path):
    import ssl

    from notify_support import make_certificates

    certificates = make_certificates(tmp_path)
    notify = start_notify(mail_catcher.url, INBOUND_TLS_CERT=certificates.cert, INBOUND_TLS_KEY=certificates.key)
    meet_the_cast(notify)
    with smtplib.SMTP("127.0.0.1", notify.inbound_port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        client.starttls(context=ssl.create_default_context(cafile=certificates.ca))
        client.ehlo()
        client.send_message(mail("anne@kunde.example", "SV: [SAG 2611-0042] printer", "Krypteret svar."))
    [data] = [e["data"] for e in wait_for(lambda: received_events(published))]
    assert data["body"] == "Krypteret svar."


def test_without_a_certificate_no_starttls_is_offered(notify_service):
    with smtplib.SMTP("127.0.0.1", notify_service.inbound_port, timeout=10) as client:
        client.ehlo()
        assert not client.has_extn("starttls")
