"""Reading one inbound mail: body, attachments, names, and what a machine sent."""

from __future__ import annotations

from email.message import EmailMessage

from notify.mail.inbound import parse


def mail(**headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Anne Hansen <anne@kunde.example>")
    message["To"] = "sag@sd.example"
    message["Subject"] = headers.pop("Subject", "SV: [SAG 2611-0042] printer")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def test_an_html_only_mail_becomes_its_new_text():
    message = mail()
    message.set_content("<p>Det virker nu.</p><div>Den tor. 26. nov. 2026 kl. 10.06 skrev Sd &lt;sag@sd.example&gt;:"
                        "</div><blockquote>Kære Anne</blockquote>", subtype="html")
    parsed = parse(message.as_bytes(), None)
    assert parsed.body == "Det virker nu."
    assert parsed.from_name == "Anne Hansen" and parsed.from_email == "anne@kunde.example"


def test_attachments_come_along_but_an_inline_signature_logo_does_not():
    message = mail()
    message.set_content("Se vedhæftede.")
    message.add_alternative("<p>Se vedhæftede.</p><img src='cid:logo'>", subtype="html")
    message.get_payload()[1].add_related(b"\x89PNG logo", maintype="image", subtype="png", cid="<logo>")
    message.add_attachment(b"a;b\n1;2\n", maintype="text", subtype="csv", filename="../../data/ark.csv")
    forwarded = mail(Subject="Den oprindelige")
    forwarded.set_content("indhold")
    message.add_attachment(forwarded)
    parsed = parse(message.as_bytes(), None)
    names = [a["filename"] for a in parsed.attachments]
    assert names == ["_.._data_ark.csv", "mail.eml"]
    assert all("/" not in name for name in names)


def test_a_missing_or_overlong_message_id_gets_a_stable_one_from_the_content():
    message = mail(Message_ID="<" + "x" * 600 + "@kunde.example>")
    message.set_content("hej")
    first, second = parse(message.as_bytes(), None), parse(message.as_bytes(), None)
    assert first.message_id == second.message_id and first.message_id.endswith("@no-message-id>")


def test_a_reply_to_our_mail_keeps_its_threading_headers():
    message = mail(In_Reply_To="<abc@sd.example>", References="<case-1@sd.example> <abc@sd.example>")
    message.set_content("hej")
    parsed = parse(message.as_bytes(), None)
    assert parsed.in_reply_to == "<abc@sd.example>"
    assert parsed.references == ["<abc@sd.example>", "<case-1@sd.example>"]
    assert parsed.automatic is None
