"""Every notice renders in Danish and English, as text and escaped HTML."""

from __future__ import annotations

import pytest

from notify import rules
from notify.mail.compose import Addressee, Composer

CONTEXT = {
    "case": {"id": "c1", "number": "SAG 2611-0042", "title": "Printer <script>", "status": "resolved",
             "description": "Den blinker & bipper"},
    "task": None, "message": {"body": "Hej <b>Anne</b>", "author_id": "a"}, "actor_name": "Carl Agent",
    "author_name": "Carl Agent", "team_name": "Kundebetjening", "requester_name": "Anne", "old_status": "in_progress",
    "comment": {"body": "note"}, "metric": "resolution", "due_at": "2026-11-26T09:06:00+00:00",
    "into_number": "SAG 2611-0001",
}
TASK = {"id": "t1", "number": "TSK 2611-0007", "case_id": "c1", "case_number": "SAG 2611-0042", "subject": "Toner",
        "description": "Skift den", "deadline": "2026-11-30T12:00:00+00:00", "blocks_case_closure": True,
        "solution": "Skiftet"}


@pytest.fixture(scope="module")
def composer():
    return Composer(mail_from="Servicedesk <servicedesk@sd.example>", reply_to="sag@sd.example",
                    public_url="https://sd.example", case_prefix="SAG", time_zone="Europe/Copenhagen")


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("kind", rules.ALL_KINDS)
def test_every_kind_renders_in_both_languages(composer, kind, language):
    context = dict(CONTEXT, task=TASK) if kind.startswith("task_") else CONTEXT
    addressee = Addressee(to=("anne@kunde.example",), name="Anne Hansen", language=language,
                          cc=("cc@partner.example",) if kind == "case_forward" else ())
    message = composer.build(kind, addressee, context, message_id="<m@sd.example>", in_reply_to="<r@sd.example>",
                             references=["<r@sd.example>"], auto_submitted="auto-generated")
    assert message["Subject"].startswith("[SAG 2611-0042] ")
    assert len(message["Subject"]) > len("[SAG 2611-0042] ") + 5
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "<b>Anne" not in html
    assert text.strip()
    if kind == "case_forward":
        assert "Hej <b>Anne</b>" in text and "Kære" not in text and message["Auto-Submitted"] == "auto-generated"
        assert message["Cc"] == "cc@partner.example"


def test_dates_are_shown_in_danish_time(composer):
    assert composer.when("2026-11-26T09:06:00+00:00", "da") == "26. nov. 2026 kl. 10:06"
    assert composer.when("2026-07-01T09:06:00Z", "en") == "1 Jul 2026, 11:06"
