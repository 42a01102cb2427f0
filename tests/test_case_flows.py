"""A case through the whole system: gateway, cases, notify (real SMTP in and out) and SLA."""

import smtplib
import time
import uuid
from email.message import EmailMessage

from system import wait_for


def body_of(mail) -> str:
    part = mail.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def test_a_case_created_at_the_gateway_ends_as_a_receipt_mail_and_a_running_sla_clock(system, world):
    case = world.open_case("anne", title="Lønsystemet afviser mit login", urgency="high", impact="high")
    assert case["number"].startswith("SAG ")
    assert case["priority"] == "critical"

    receipt = system.mailbox.wait_for(
        lambda m: world.emails["anne"] in m["X-Test-Rcpt-To"] and case["number"] in m["Subject"])
    assert case["number"] in body_of(receipt)

    def sla():
        response = world.as_("sofie").get(f"/api/v1/cases/{case['id']}/sla")
        return response.json() if response.status_code == 200 else None

    clock = wait_for(sla, message="the SLA clock of the new case")
    assert clock["paused"] is False
    assert clock["first_response"]["due_at"] and clock["resolution"]["due_at"]
    assert clock["first_response"]["remaining_seconds"] > 0
    assert world.as_("anne").get(f"/api/v1/cases/{case['id']}/sla").status_code == 404


def test_an_internal_note_is_never_mailed_to_the_requester_but_an_external_reply_is(system, world):
    case = world.open_case("anne")
    secret, answer = f"intern-{uuid.uuid4().hex[:8]}", f"svar-{uuid.uuid4().hex[:8]}"
    agent = world.as_("sofie")
    assert agent.post(f"/api/v1/cases/{case['id']}/messages",
                      json={"body": f"Kun for os: {secret}", "visibility": "internal"}).status_code == 201
    assert agent.post(f"/api/v1/cases/{case['id']}/messages",
                      json={"body": f"Prøv at genstarte printeren. {answer}", "visibility": "external"}
                      ).status_code == 201

    reply = system.mailbox.wait_for(lambda m: world.emails["anne"] in m["X-Test-Rcpt-To"] and answer in body_of(m))
    text = body_of(reply)
    assert text.index("Kære Anne Testesen") < text.index(answer) < text.index("Med venlig hilsen")
    assert "Sofie Testesen" in text[text.index("Med venlig hilsen"):]
    time.sleep(2)
    assert not [m for m in system.mailbox.to(world.emails["anne"]) if secret in m.as_string()]
    assert secret not in world.as_("anne").get(f"/api/v1/cases/{case['id']}/messages").text


def test_an_agents_reply_with_a_file_reaches_the_requester_with_the_file_attached(system, world):
    case = world.open_case("anne")
    agent = world.as_("sofie")
    content = f"Vejledning {uuid.uuid4()}\n".encode()
    uploaded = agent.post(f"/api/v1/cases/{case['id']}/attachments",
                          files={"file": ("vejledning.txt", content, "text/plain")})
    assert uploaded.status_code == 201, uploaded.text
    answer = f"svar-{uuid.uuid4().hex[:8]}"
    replied = agent.post(f"/api/v1/cases/{case['id']}/messages", json={
        "body": f"Se vejledningen. {answer}", "visibility": "external", "attachment_ids": [uploaded.json()["id"]]})
    assert replied.status_code == 201, replied.text

    mail = system.mailbox.wait_for(lambda m: world.emails["anne"] in m["X-Test-Rcpt-To"] and answer in body_of(m))
    assert {part.get_filename(): part.get_payload(decode=True) for part in mail.iter_attachments()} == {
        "vejledning.txt": content}


def test_a_status_change_reaches_the_requester_and_a_colleague_it_was_shared_with_but_not_the_actor(system, world):
    case = world.open_case("anne")
    anne = world.as_("anne")
    assert anne.post(f"/api/v1/cases/{case['id']}/shares", json={"user_id": world.ids["bo"]}).status_code == 201
    assert world.as_("bo").get(f"/api/v1/cases/{case['id']}").status_code == 200
    assert world.as_("carla").get(f"/api/v1/cases/{case['id']}").status_code == 404

    current = world.as_("sofie").get(f"/api/v1/cases/{case['id']}").json()
    changed = world.as_("sofie").patch(f"/api/v1/cases/{case['id']}", json={"status": "waiting_requester"},
                                       headers={"If-Match": str(current["version"])})
    assert changed.status_code == 200, changed.text

    def status_mail(person):
        return lambda m: (world.emails[person] in m["X-Test-Rcpt-To"] and case["number"] in m["Subject"]
                          and "afventer" in (m["Subject"] + body_of(m)).lower())

    system.mailbox.wait_for(status_mail("anne"))
    system.mailbox.wait_for(status_mail("bo"))
    mails_to_actor = [m["Subject"] for m in system.mailbox.to(world.emails["sofie"]) if case["number"] in m["Subject"]]
    assert not [s for s in mails_to_actor if "afventer" in s.lower()], mails_to_actor


def test_a_mailed_reply_lands_on_the_case_without_the_quoted_text_and_with_its_attachment(system, world):
    case = world.open_case("anne")
    marker = f"virker-{uuid.uuid4().hex[:8]}"
    mail = EmailMessage()
    mail["From"] = f"Anne <{world.emails['anne']}>"
    mail["To"] = "sager@servicedesk.test"
    mail["Subject"] = f"SV: [{case['number']}] {case['title']}"
    mail.set_content(f"Tak, nu {marker}!\n\nDen 25. nov. 2026 kl. 10.06 skrev Support <support@servicedesk.test>:\n"
                     "> Gammel tekst der ikke skal med\n> og mere gammelt\n")
    mail.add_attachment(b"%PDF-1.4 test\n", maintype="application", subtype="pdf", filename="kvittering.pdf")
    with smtplib.SMTP("127.0.0.1", int(system.env["notify"]["INBOUND_SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(mail)

    def the_reply():
        messages = world.as_("sofie").get(f"/api/v1/cases/{case['id']}/messages").json()["items"]
        return next((m for m in messages if marker in m["body"]), None)

    message = wait_for(the_reply, timeout=30, message="the mailed reply on the case")
    assert message["visibility"] == "external"
    assert message["author_id"] == world.ids["anne"]
    assert "Gammel tekst" not in message["body"]
    files = world.as_("sofie").get(f"/api/v1/cases/{case['id']}/attachments").json()
    names = [f["filename"] for f in (files["items"] if isinstance(files, dict) else files)]
    assert "kvittering.pdf" in names


def test_a_mail_naming_a_case_from_someone_not_on_it_opens_a_new_case_instead(system, world):
    case = world.open_case("anne")
    marker = f"fremmed-{uuid.uuid4().hex[:8]}"
    mail = EmailMessage()
    mail["From"] = world.emails["carla"]
    mail["To"] = "sager@servicedesk.test"
    mail["Subject"] = f"[{case['number']}] jeg blander mig"
    mail.set_content(f"Hej, {marker}")
    with smtplib.SMTP("127.0.0.1", int(system.env["notify"]["INBOUND_SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(mail)

    def carlas_new_case():
        page = world.as_("carla").get("/api/v1/cases", params={"view": "mine", "status": "any"}).json()
        return next((c for c in page["items"] if c["origin"] == "email"), None)

    new = wait_for(carlas_new_case, timeout=30, message="a new case for the stranger's mail")
    assert new["id"] != case["id"]
    messages = world.as_("sofie").get(f"/api/v1/cases/{case['id']}/messages").json()["items"]
    assert not [m for m in messages if marker in m["body"]]


def test_a_case_forwarded_to_a_supplier_mails_them_its_file_and_their_answer_lands_as_an_internal_note(system,
                                                                                                       world):
    case = world.open_case("anne", title="Fejl i leverandørens integration")
    uploaded = world.as_("anne").post(f"/api/v1/cases/{case['id']}/attachments",
                                      files={"file": ("fejllog.txt", b"ERROR 42 ved eksport\n", "text/plain")})
    assert uploaded.status_code == 201, uploaded.text
    supplier, partner = "support@leverandoer.example", "chef@leverandoer.example"
    forwarded = world.as_("sofie").post(f"/api/v1/cases/{case['id']}/forward", json={
        "to": [supplier], "cc": [partner], "body": "Hej, kan I se på vedhæftede log? Mvh Sofie",
        "attachment_ids": [uploaded.json()["id"]]})
    assert forwarded.status_code == 201, forwarded.text
    assert forwarded.json()["visibility"] == "internal"

    mail = system.mailbox.wait_for(lambda m: supplier in m["X-Test-Rcpt-To"], timeout=30)
    assert partner in (mail["Cc"] or "")
    assert case["number"] in mail["Subject"]
    files = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert files.get("fejllog.txt", "").strip() == "ERROR 42 ved eksport"
    assert not body_of(mail).lstrip().startswith("Kære"), "forwards carry no header (seed 001)"

    marker = f"leverandoer-{uuid.uuid4().hex[:8]}"
    answer = EmailMessage()
    answer["From"] = supplier
    answer["To"] = "sager@servicedesk.test"
    answer["Subject"] = f"Re: {mail['Subject']}"
    answer["In-Reply-To"] = mail["Message-ID"]
    answer["References"] = mail["Message-ID"]
    answer.set_content(f"Vi har rettet fejlen: {marker}")
    with smtplib.SMTP("127.0.0.1", int(system.env["notify"]["INBOUND_SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(answer)

    def the_answer():
        messages = world.as_("sofie").get(f"/api/v1/cases/{case['id']}/messages").json()["items"]
        return next((m for m in messages if marker in m["body"]), None)

    note = wait_for(the_answer, timeout=30, message="the supplier's answer on the case")
    assert note["visibility"] == "internal"
    assert marker not in world.as_("anne").get(f"/api/v1/cases/{case['id']}/messages").text
