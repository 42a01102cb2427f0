"""What a webhook without ``include_internal`` sees of events as the cases and tasks services publish them."""

from __future__ import annotations

import json

from notify.webhooks.redaction import redact

REQUESTER, FOLLOWER, AGENT = "u-requester", "u-follower", "u-agent"


def task(**extra):
    return {"id": "t1", "number": "TSK 2611-0007", "subject": "Skift toner", "description": "Toner i P3 er tom.",
            "solution": None, "status": "assigned", "version": 3, "actor_id": AGENT, "changes": {}, **extra}


def case(**extra):
    return {"id": "c1", "number": "SAG 2611-0042", "title": "Printer", "description": "Den blinker.",
            "requester_id": REQUESTER, "follower_ids": [FOLLOWER], "version": 4, "changes": {}, **extra}


def text_of(data) -> str:
    return json.dumps(data, ensure_ascii=False)


def test_a_resolved_task_keeps_its_solution_out_of_data_and_out_of_changes():
    data = task(status="resolved", solution="Hemmelig løsning",
                changes={"status": {"old": "assigned", "new": "resolved"},
                         "solution": {"old": None, "new": "Hemmelig løsning"}})
    shown = redact("task.resolved", data)
    assert "Hemmelig" not in text_of(shown)
    assert shown["solution"] is None and shown["solution_redacted"] is True
    assert shown["changes"]["solution"] == {"old": None, "new": None, "redacted": True}
    assert shown["changes"]["status"] == {"old": "assigned", "new": "resolved"}
    assert data["solution"] == "Hemmelig løsning", "the event itself is not changed"


def test_a_reopened_task_keeps_the_old_solution_and_the_reason_out():
    data = task(reason="Løsningen virkede ikke hos brugeren",
                changes={"status": {"old": "resolved", "new": "assigned"},
                         "solution": {"old": "Genstartet printeren", "new": None}})
    shown = redact("task.reopened", data)
    assert "Genstartet" not in text_of(shown) and "virkede ikke" not in text_of(shown)
    assert shown["reason"] is None and shown["reason_redacted"] is True


def test_an_updated_task_description_is_redacted_in_both_old_and_new():
    data = task(description="Ny intern beskrivelse",
                changes={"description": {"old": "Gammel intern beskrivelse", "new": "Ny intern beskrivelse"}})
    shown = redact("task.updated", data)
    assert "intern beskrivelse" not in text_of(shown)
    assert shown["subject"] == "Skift toner", "the subject names the task, like a case's title"


def test_a_task_closed_with_its_case_keeps_its_reason_code():
    assert redact("task.closed", task(reason="case_closed"))["reason"] == "case_closed"


def test_a_task_comment_is_internal_whatever_it_says():
    shown = redact("task.commented", task(comment={"id": "k1", "author_id": AGENT, "body": "Ring til Jens"}))
    assert shown["comment"]["body"] is None and shown["comment"]["body_redacted"] is True


def test_an_internal_message_body_is_redacted_and_an_external_one_is_kept():
    internal = case(actor_id=AGENT, message={"id": "m1", "visibility": "internal", "body": "Kunden er sur"})
    external = case(actor_id=AGENT, message={"id": "m2", "visibility": "external", "body": "Vi kigger på det"})
    assert "sur" not in text_of(redact("case.message_added", internal))
    assert redact("case.message_added", external)["message"]["body"] == "Vi kigger på det"


def test_a_forward_is_an_internal_message_and_its_body_is_redacted():
    forward = case(actor_id=AGENT, message={"id": "m3", "visibility": "internal", "via": "forward",
                                            "body": "Kære leverandør, se loggen", "to": ["s@lev.example"]})
    shown = redact("case.forwarded", forward)
    assert shown["message"]["body"] is None and shown["message"]["to"] == ["s@lev.example"]


def test_an_internal_message_body_in_changes_goes_with_it():
    data = case(actor_id=AGENT, message={"id": "m1", "visibility": "internal", "body": "Ny intern tekst"},
                changes={"body": {"old": "Gammel intern tekst", "new": "Ny intern tekst"}})
    assert "intern tekst" not in text_of(redact("case.message_added", data))


def test_a_case_reopened_by_staff_keeps_the_reason_out_and_by_the_requester_keeps_it():
    by_staff = case(actor_id=AGENT, reason="Kunden ringede; løsningen holdt ikke")
    by_requester = case(actor_id=REQUESTER, reason="Printeren blinker igen")
    by_follower = case(actor_id=FOLLOWER, reason="Stadig i stykker")
    assert redact("case.reopened", by_staff)["reason"] is None
    assert redact("case.reopened", by_requester)["reason"] == "Printeren blinker igen"
    assert redact("case.reopened", by_follower)["reason"] == "Stadig i stykker"
    assert redact("case.reopened", case(actor_id=None, reason="Systemet"))["reason"] is None


def test_a_case_reopened_by_a_staff_follower_keeps_the_reason_out():
    by_staff_follower = case(actor_id=FOLLOWER, reason="Intern: leverandøren har ikke svaret")
    shown = redact("case.reopened", by_staff_follower, is_staff=lambda user_id: user_id == FOLLOWER)
    assert shown["reason"] is None and shown["reason_redacted"] is True


def test_an_internal_attachment_keeps_its_file_name_out():
    data = case(attachment={"id": "a1", "filename": "opsigelse-jens.pdf", "visibility": "internal", "size": 3})
    shown = redact("case.attachment_added", data)
    assert shown["attachment"]["filename"] is None and shown["attachment"]["size"] == 3


def test_case_fields_the_requester_sees_stay():
    data = case(actor_id=AGENT, changes={"title": {"old": "Printer", "new": "Printer på 3. sal"}})
    assert redact("case.updated", data) == data
