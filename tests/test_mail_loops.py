"""Auto-responders cannot loop with us: real SMTP in to notify's inbound port, real SMTP out to the test mailbox."""

import smtplib
import uuid
from email.message import EmailMessage

from system import wait_for


def send(system, sender: str, subject: str, body: str, **headers) -> None:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, "sager@servicedesk.test", subject
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    with smtplib.SMTP("127.0.0.1", int(system.env["notify"]["INBOUND_SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(mail)


def receipt_for(system, address: str, case_number: str = ""):
    """The receipt mailed to ``address`` (about ``case_number``, if given), once it arrives."""
    return system.mailbox.wait_for(lambda m: address in m["X-Test-Rcpt-To"] and "modtaget" in m["Subject"]
                                   and case_number in m["Subject"], timeout=40)


def test_an_automatic_mail_naming_no_case_is_never_answered_while_a_persons_mail_gets_its_receipt(system, world):
    marker = uuid.uuid4().hex[:8]
    robot, person = f"ferie-{marker}@auto.example", f"person-{marker}@auto.example"
    send(system, robot, "Automatisk svar: Jeg er på ferie", "Jeg er tilbage mandag.", Auto_Submitted="auto-replied")
    send(system, person, f"Printer {marker}", "Printeren på 2. sal virker ikke.")

    # The listener decides on a mail before it answers the SMTP client, so the robot's was decided first.
    assert "[SAG " in receipt_for(system, person)["Subject"]
    assert system.mailbox.to(robot) == []
    users = system.admin().get("/api/v1/users", params={"q": robot}).json()["items"]
    assert users == [], "an automatic mail naming no case opens nothing (not even a contact)"


def test_an_out_of_office_answer_to_our_receipt_lands_on_the_case_and_is_not_answered(system, world):
    case = world.open_case("anne", title=f"Skærm {uuid.uuid4().hex[:8]}")
    receipt = receipt_for(system, world.emails["anne"], case["number"])

    marker = f"ferie-{uuid.uuid4().hex[:8]}"
    send(system, world.emails["anne"], f"Automatisk svar: {receipt['Subject']}", f"Jeg er på ferie ({marker}).",
         Auto_Submitted="auto-replied", In_Reply_To=receipt["Message-ID"], References=receipt["Message-ID"])

    def the_answer_on_the_case():
        messages = world.as_("sofie").get(f"/api/v1/cases/{case['id']}/messages").json()["items"]
        return next((m for m in messages if marker in m["body"]), None)

    answer = wait_for(the_answer_on_the_case, timeout=40, message="the out-of-office answer on the case")
    assert answer["visibility"] == "internal", "a machine's mail moves nothing and is no reply from the requester"
    settle_marker = uuid.uuid4().hex[:8]
    send(system, f"person-{settle_marker}@auto.example", f"Ny sag {settle_marker}", "Noget andet.")
    receipt_for(system, f"person-{settle_marker}@auto.example")
    to_anne = [m["Subject"] for m in system.mailbox.to(world.emails["anne"]) if case["number"] in m["Subject"]]
    assert to_anne == [receipt["Subject"]], "one receipt, and nothing in answer to the auto-reply"
