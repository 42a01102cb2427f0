"""Files on the web forms: as large as the cases service takes them, and a clear word on the form past that."""

from __future__ import annotations

import io

from webkit import HTML, MAX_ATTACHMENT_BYTES, create_case, csrf_of, post_message, text

TWO_MB = b"x" * 2_000_000  # past the gateway's 1 MiB limit of its own forms
TOO_LARGE = b"y" * (MAX_ATTACHMENT_BYTES + 1)


def _attachments(stack, case_id: str) -> list[dict]:
    answer = stack.api("GET", f"/api/v1/cases/{case_id}/attachments")
    assert answer.status_code == 200, answer.json
    return answer.json["items"]


def _new_case_form(client, title: str, files) -> dict:
    return {"title": title, "description": "Se vedhæftede fil.", "type": "incident", "urgency": "high",
            "impact": "medium", "csrf_token": csrf_of(client, "/sager/ny"),
            "files": [(io.BytesIO(content), name) for name, content in files]}


def _cases_titled(stack, title: str) -> int:
    found = stack.api("GET", "/api/v1/cases", query_string={"q": title, "view": "all", "status": "any",
                                                           "per_page": 100}).json["items"]
    return sum(1 for case in found if case["title"] == title)


def test_a_two_megabyte_file_is_attached_on_create_and_on_reply(browser_of, stack):
    rita = browser_of("rita")
    case_id = create_case(rita, files=[("skaermbillede.png", TWO_MB)])
    answer = post_message(rita, case_id, "Her er loggen også.", "external", files=[("log.txt", TWO_MB)])
    assert answer.status_code == 303, text(answer)[:1000]
    attached = {a["filename"]: a for a in _attachments(stack, case_id)}
    assert attached["skaermbillede.png"]["size"] == len(TWO_MB)
    assert attached["log.txt"]["size"] == len(TWO_MB) and attached["log.txt"]["message_id"]
    page = text(rita.get(f"/sager/{case_id}", headers=HTML))
    assert "skaermbillede.png" in page and "log.txt" in page and "Her er loggen også." in page


def test_a_file_past_the_limit_is_named_on_the_create_form_and_nothing_is_created(browser_of, stack):
    rita = browser_of("rita")
    answer = rita.post("/sager/ny", headers=HTML, content_type="multipart/form-data",
                       data=_new_case_form(rita, "Stor fil på formularen", [("stor.zip", TOO_LARGE)]))
    page = text(answer)
    assert answer.status_code == 422
    assert "stor.zip er for stor: en fil må højst fylde" in page and 'href="#field-files"' in page
    assert 'value="Stor fil på formularen"' in page  # what was typed is kept
    assert _cases_titled(stack, "Stor fil på formularen") == 0


def test_a_file_past_the_limit_on_a_reply_keeps_the_text_and_sends_nothing(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    answer = post_message(anne, case_id, "Intern note med for stor fil", "internal", files=[("dump.bin", TOO_LARGE)])
    page = text(answer)
    assert answer.status_code == 422
    assert "dump.bin er for stor" in page
    assert ">Intern note med for stor fil</textarea>" in page
    messages = stack.api("GET", f"/api/v1/cases/{case_id}/messages").json["items"]
    assert not any("for stor fil" in m["body"] for m in messages)


def test_files_too_large_together_give_the_form_again_not_an_error_page(browser_of, stack):
    rita = browser_of("rita")
    case_id = create_case(rita)
    many = [(f"del{i}.bin", b"z" * (MAX_ATTACHMENT_BYTES - 1000)) for i in range(11)]  # past 10 files' worth
    created = rita.post("/sager/ny", headers=HTML, content_type="multipart/form-data",
                        data=_new_case_form(rita, "Alt for mange filer", many))
    assert created.status_code == 413
    assert "Filerne fyldte for meget tilsammen" in text(created) and 'id="field-title"' in text(created)
    assert _cases_titled(stack, "Alt for mange filer") == 0
    replied = post_message(rita, case_id, "Mange filer", "external", files=many)
    assert replied.status_code == 413
    assert "Filerne fyldte for meget tilsammen" in text(replied) and 'id="reply-body-external"' in text(replied)


def test_the_other_forms_take_small_bodies_only(browser_of):
    anne = browser_of("anne")
    answer = anne.post("/sager/masse", headers=HTML, data={
        "ids": "x", "category": "a" * (1024 * 1024), "csrf_token": csrf_of(anne, "/sager")})
    assert answer.status_code == 413


def test_a_file_an_agent_attaches_on_the_new_case_form_is_shown_to_the_requester(browser_of, stack):
    """The form's files belong to the description; a loose file an agent uploads elsewhere is internal."""
    anne = browser_of("anne")
    data = _new_case_form(anne, "Telefonsag med bilag", [("kvittering.pdf", b"%PDF-1.4 kvittering")])
    data["requester_email"] = stack.people["rita"]["email"]
    answer = anne.post("/sager/ny", headers=HTML, data=data, content_type="multipart/form-data")
    assert answer.status_code == 303, text(answer)[:2000]
    case_id = answer.headers["Location"].rstrip("/").split("/")[-1]
    [attachment] = _attachments(stack, case_id)
    assert attachment["visibility"] == "external"
    rita_page = text(browser_of("rita").get(f"/sager/{case_id}", headers=HTML))
    assert "kvittering.pdf" in rita_page
