"""Case numbers in subjects, our threading ids, and telling machines from people."""

from __future__ import annotations

import pytest

from notify.mail import headers as h


@pytest.mark.parametrize("subject,number", [
    ("SV: [SAG 2611-0042] Nyt svar på din sag", "SAG 2611-0042"),
    ("Re: sag2611-0042 printer", "SAG 2611-0042"),
    ("VS: Sag 2611-12345", "SAG 2611-12345"),
    ("[TSK 2611-0007] opgave", None),
    ("Ordre SAG2611-00421X", None),
    ("Ny printer", None),
])
def test_the_case_number_is_found_in_a_subject(subject, number):
    assert h.case_number_in(subject, "SAG") == number


def test_our_thread_root_names_its_case_and_only_for_our_domain():
    case_id = "0b0f8d6e-4f55-4a4f-9d39-4f1b1a0c5c11"
    root = h.thread_root("case", case_id, "sd.example")
    assert h.case_id_from_root(root, ["sd.example"]) == case_id
    assert h.case_id_from_root(root, ["other.example"]) is None


def test_message_ids_come_newest_first_without_repeats():
    assert h.message_ids("<a@x> <b@x>", "<b@x> <c@x>") == ["<c@x>", "<b@x>", "<a@x>"]


@pytest.mark.parametrize("headers,sender,reason", [
    ({"Auto-Submitted": "auto-replied"}, "anne@kunde.example", "auto-submitted: auto-replied"),
    ({"Auto-Submitted": "no"}, "anne@kunde.example", None),
    ({"Precedence": "bulk"}, "anne@kunde.example", "precedence: bulk"),
    ({"List-Unsubscribe": "<mailto:x>"}, "anne@kunde.example", "header: list-unsubscribe"),
    ({"X-Autoreply": "yes"}, "anne@kunde.example", "header: x-autoreply"),
    ({}, "noreply@kunde.example", "machine sender"),
    ({}, "MAILER-DAEMON@kunde.example", "machine sender"),
    ({}, "anne@kunde.example", None),
])
def test_automatic_mail_is_recognised(headers, sender, reason):
    assert h.automatic_reason(headers, sender, sender) == reason


def test_a_bounce_has_a_null_sender():
    assert h.automatic_reason({}, "", "postkasse@kunde.example") == "null sender (bounce)"
