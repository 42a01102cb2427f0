"""A reply's files are uploaded first and posted with the message, so its event (and the mail) names them; a
refused message or file gives the form back with the text and the files already uploaded."""

from __future__ import annotations

import io
import re

from webkit import HTML, create_case, csrf_of, post_message, text

TOO_LONG = "x" * 100_001  # past the cases service's limit of a message's body, well within the page's


def _messages(stack, case_id: str) -> list[dict]:
    answer = stack.api("GET", f"/api/v1/cases/{case_id}/messages", query_string={"per_page": 200})
    assert answer.status_code == 200, answer.json
    return answer.json["items"]


def _attachments(stack, case_id: str, user: dict | None = None) -> dict[str, dict]:
    answer = stack.api("GET", f"/api/v1/cases/{case_id}/attachments", user=user)
    assert answer.status_code == 200, answer.json
    return {a["filename"]: a for a in answer.json["items"]}


def _kept_ids(page: str) -> list[str]:
    return re.findall(r'name="attachment_ids" value="([0-9a-f-]{36})" checked', page)


def test_the_message_added_event_of_a_reply_names_its_files(browser_of, stack, case_events):
    rita = browser_of("rita")
    case_id = create_case(rita)
    answer = post_message(rita, case_id, "Her er loggen.", "external", files=[("log.txt", b"linje 1\nlinje 2")])
    assert answer.status_code == 303, text(answer)[:1000]
    log = _attachments(stack, case_id)["log.txt"]
    added = case_events.first("case.message_added", case_id)
    assert added["message"]["body"] == "Her er loggen."
    assert added["message"]["attachment_ids"] == [log["id"]]
    assert log["message_id"] == added["message"]["id"] and log["visibility"] == "external"


def test_the_files_of_an_internal_note_are_internal_from_their_upload(browser_of, stack, case_events):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    answer = post_message(anne, case_id, "Intern: se dumpet.", "internal", files=[("dump.txt", b"intern")])
    assert answer.status_code == 303, text(answer)[:1000]
    note = case_events.first("case.message_added", case_id)
    uploaded = case_events.first("case.attachment_added", case_id)
    assert uploaded["attachment"]["visibility"] == "internal" and uploaded["attachment"]["message_id"] is None
    assert note["message"]["visibility"] == "internal"
    assert note["message"]["attachment_ids"] == [uploaded["attachment"]["id"]]
    assert "dump.txt" not in _attachments(stack, case_id, stack.people["rita"])
    assert "dump.txt" not in text(rita.get(f"/sager/{case_id}", headers=HTML))


def test_a_refused_message_keeps_the_text_and_its_uploaded_files_go_with_it_when_sent_again(browser_of, stack):
    rita = browser_of("rita")
    case_id = create_case(rita)
    answer = post_message(rita, case_id, TOO_LONG, "external", files=[("billede.png", b"\x89PNG billede")])
    page = text(answer)
    assert answer.status_code == 422
    assert "Beskeden blev ikke sendt" in page and 'href="#reply-body-external"' in page
    assert f">{TOO_LONG}</textarea>" in page
    assert not any(m["body"] == TOO_LONG for m in _messages(stack, case_id))
    picture = _attachments(stack, case_id)["billede.png"]
    assert picture["message_id"] is None  # uploaded, on no message: the API has no way to delete it
    assert _kept_ids(page) == [picture["id"]]

    again = rita.post(f"/sager/{case_id}/svar", headers=HTML, content_type="multipart/form-data", data={
        "body": "Kortere nu.", "visibility": "external", "attachment_ids": _kept_ids(page),
        "csrf_token": csrf_of(rita, f"/sager/{case_id}")})
    assert again.status_code == 303, text(again)[:1000]
    [sent] = [m for m in _messages(stack, case_id) if m["body"] == "Kortere nu."]
    assert sent["attachment_ids"] == [picture["id"]]
    assert _attachments(stack, case_id)["billede.png"]["message_id"] == sent["id"]


def test_a_refused_file_sends_nothing_and_keeps_the_files_that_were_uploaded(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    answer = anne.post(f"/sager/{case_id}/svar", headers={**HTML, "HX-Request": "true"},
                       content_type="multipart/form-data", data={
                           "body": "Noten med et program", "visibility": "internal",
                           "csrf_token": csrf_of(anne, f"/sager/{case_id}"),
                           "files": [(io.BytesIO(b"noter"), "noter.txt"), (io.BytesIO(b"MZ\x90\x00"), "setup.exe")]})
    page = text(answer)
    assert answer.status_code == 422
    assert 'id="case-body"' in page and "<html" not in page  # swapped in place
    assert "setup.exe blev ikke vedhæftet" in page and 'href="#field-files-internal"' in page
    assert ">Noten med et program</textarea>" in page
    notes = _attachments(stack, case_id)
    assert "setup.exe" not in notes and notes["noter.txt"]["visibility"] == "internal"
    assert _kept_ids(page) == [notes["noter.txt"]["id"]]
    assert not any(m["body"] == "Noten med et program" for m in _messages(stack, case_id))


def test_another_users_loose_file_cannot_be_taken_into_a_message(browser_of, stack):
    rita, rasmus = browser_of("rita"), browser_of("rasmus")
    case_id = create_case(rita)
    shared = rita.post(f"/sager/{case_id}/del", headers=HTML, data={
        "user_ids": stack.people["rasmus"]["id"], "csrf_token": csrf_of(rita, f"/sager/{case_id}")})
    assert shared.status_code == 303
    failed = post_message(rita, case_id, TOO_LONG, "external", files=[("ritas.txt", b"Ritas fil")])
    assert failed.status_code == 422
    [ritas] = _kept_ids(text(failed))
    answer = rasmus.post(f"/sager/{case_id}/svar", headers=HTML, content_type="multipart/form-data", data={
        "body": "Jeg tager Ritas fil", "visibility": "external", "attachment_ids": [ritas],
        "csrf_token": csrf_of(rasmus, f"/sager/{case_id}")})
    assert answer.status_code == 422
    assert ">Jeg tager Ritas fil</textarea>" in text(answer)
    assert _kept_ids(text(answer)) == []  # Rita's file is not offered to Rasmus
    assert _attachments(stack, case_id)["ritas.txt"]["message_id"] is None
