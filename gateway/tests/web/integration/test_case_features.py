"""The case page's actions through the gateway against the real services: closing and reopening, the solution,
only attachments, merge and parent, followers, templates, the SLA box and the forward form."""

from __future__ import annotations

import html
import re
import uuid

from webkit import HTML, create_case, csrf_of, post_message, text, wait_for


def _case(stack, case_id: str) -> dict:
    return stack.api("GET", f"/api/v1/cases/{case_id}").json


def _post(client, path: str, data: dict, page: str):
    return client.post(path, headers=HTML, data={**data, "csrf_token": csrf_of(client, page)})


def _message_id(stack, case_id: str, body: str) -> str:
    items = stack.api("GET", f"/api/v1/cases/{case_id}/messages").json["items"]
    return next(m["id"] for m in items if m["body"] == body)


def test_a_requester_closes_a_case_they_regret_and_reopens_a_resolved_one(browser_of, stack):
    rita = browser_of("rita")
    regretted = create_case(rita, title="Fortrudt sag")
    page = text(rita.get(f"/sager/{regretted}", headers=HTML))
    assert "Har du fortrudt sagen" in page
    answer = _post(rita, f"/sager/{regretted}/luk", {}, f"/sager/{regretted}")
    assert answer.status_code == 303
    assert _case(stack, regretted)["status"] == "closed"
    assert "Sagen er lukket og kan ikke genåbnes." in text(rita.get(f"/sager/{regretted}", headers=HTML))

    resolved = create_case(rita, title="Løst for tidligt")
    assert stack.api("POST", f"/api/v1/cases/{resolved}/resolve", user=stack.people["anne"],
                     json={"solution": "Genstart printeren."}).status_code == 200
    answer = _post(rita, f"/sager/{resolved}/genaabn", {"reason": "Den blinker stadig."}, f"/sager/{resolved}")
    assert answer.status_code == 303
    assert _case(stack, resolved)["status"] not in ("resolved", "closed")
    assert "Den blinker stadig." in text(rita.get(f"/sager/{resolved}", headers=HTML))


def test_an_agent_marks_a_reply_as_the_solution(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    post_message(anne, case_id, "Tænd og sluk for printeren.", "external")
    message_id = _message_id(stack, case_id, "Tænd og sluk for printeren.")
    answer = _post(anne, f"/sager/{case_id}/beskeder/{message_id}/loesning", {}, f"/sager/{case_id}")
    assert answer.status_code == 303
    assert _case(stack, case_id)["solution_message_id"] == message_id
    page = text(rita.get(f"/sager/{case_id}", headers=HTML))
    solution = page[page.index("web-message-solution"):]
    assert "Tænd og sluk for printeren." in solution[:solution.index("</article>")]
    assert '<span class="badge badge-success">Løsning</span>' in solution


def test_only_attachments_shows_the_messages_with_files_and_nothing_else(browser_of):
    rita = browser_of("rita")
    case_id = create_case(rita, description="Beskrivelsen uden fil", files=[("foto.jpg", b"\xff\xd8jpeg")])
    post_message(rita, case_id, "Besked uden fil", "external")
    post_message(rita, case_id, "Besked med fil", "external", files=[("log.txt", b"log\n")])
    whole = text(rita.get(f"/sager/{case_id}", headers=HTML))
    assert "Besked uden fil" in whole and "Vis kun vedhæftede filer (2)" in whole
    only = text(rita.get(f"/sager/{case_id}?kun=bilag", headers=HTML))
    assert "foto.jpg" in only and "log.txt" in only
    assert "Besked uden fil" not in only and "Beskrivelsen uden fil" not in only
    assert "Vis hele samtalen" in only


def test_a_case_is_merged_into_another_and_gets_a_parent_by_their_numbers(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    duplicate, kept, parent = (create_case(rita, title=t) for t in ("Dublet", "Den rigtige", "Overordnet"))
    kept_number, parent_number = _case(stack, kept)["number"], _case(stack, parent)["number"]
    details = f"/sager/{duplicate}?fane=detaljer"
    answer = _post(anne, f"/sager/{duplicate}/flet", {"into_number": kept_number.replace(" ", "").lower()}, details)
    assert answer.status_code == 303 and answer.headers["Location"] == f"/sager/{kept}"
    assert _case(stack, duplicate)["merged_into_id"] == kept
    page = text(anne.get(f"/sager/{duplicate}", headers=HTML))
    assert f'Denne sag blev flettet ind i <a href="/sager/{kept}">{kept_number}</a>' in page

    form = text(anne.get(f"/sager/{kept}?fane=detaljer", headers=HTML))
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    answer = _post(anne, f"/sager/{kept}/ret", {"version": version, "fane": "detaljer", "was_parent_number": "",
                                                "parent_number": parent_number}, f"/sager/{kept}?fane=detaljer")
    assert answer.status_code == 303
    assert _case(stack, kept)["parent_id"] == parent
    assert f'Del af <a href="/sager/{parent}">{parent_number} Overordnet</a>' in text(
        anne.get(f"/sager/{kept}?fane=detaljer", headers=HTML))
    assert f'href="/sager/{kept}">Den rigtige</a>' in text(anne.get(f"/sager/{parent}?fane=detaljer", headers=HTML))
    refused = _post(anne, f"/sager/{kept}/flet", {"into_number": "SAG 0101-9999"}, f"/sager/{kept}?fane=detaljer")
    assert "Ingen sag har nummeret SAG 0101-9999." in text(anne.get(refused.headers["Location"], headers=HTML))


def test_an_agent_shares_the_case_with_a_colleague_of_the_requester(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    rasmus = stack.people["rasmus"]
    found = text(anne.get(f"/sager/{case_id}?del=Rasmus", headers=HTML))
    assert f'value="{rasmus["id"]}"' in found and "Olga" not in found  # only the requester's organisation
    answer = _post(anne, f"/sager/{case_id}/del", {"user_ids": [rasmus["id"]]}, f"/sager/{case_id}")
    assert answer.status_code == 303
    assert rasmus["id"] in _case(stack, case_id)["follower_ids"]
    page = text(anne.get(f"/sager/{case_id}", headers=HTML))
    followers = page[page.index('class="nobullet-list web-followers"'):]
    assert "Rasmus Kollega" in followers[:followers.index("</ul>")]


def test_a_reply_templates_text_is_escaped_in_its_data_attribute(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    body = f'Hej "alle" <b>&</b> \'{uuid.uuid4().hex[:6]}\'" onmouseover="alert(1)'
    created = stack.api("POST", "/api/v1/reply-templates", json={"name": "Genstart", "body": body})
    assert created.status_code == 201, created.json
    page = text(anne.get(f"/sager/{case_id}", headers=HTML))
    option = re.search(rf'<option value="{created.json["id"]}" data-body="([^"]*)">', page)
    assert option, "the template's option is missing or its attribute was broken out of"
    assert html.unescape(option.group(1)) == body
    assert 'onmouseover="alert(1)' not in page


def test_the_forward_form_marks_its_required_fields_for_everyone(browser_of):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    page = text(anne.get(f"/sager/{case_id}", headers=HTML))
    for name, label in (("forward-to", "Til"), ("forward-body", "Besked")):
        assert re.search(rf'<label class="form-label" for="field-{name}">{label} <span class="web-required" '
                         rf'aria-hidden="true">\*</span><span class="sr-only"> \(skal udfyldes\)</span></label>', page)
        assert re.search(rf'id="field-{name}"[^>]* required', page)


def test_only_requesters_are_told_that_sharing_shows_their_contact_details(browser_of):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    warning = "Bemærk, at dine kontaktoplysninger bliver synlige for dem."
    assert warning in text(rita.get(f"/sager/{case_id}", headers=HTML))
    staff_page = text(anne.get(f"/sager/{case_id}", headers=HTML))
    assert warning not in staff_page and "Del sagen med personer i rekvirentens organisation" in staff_page


def _sla_box(client, case_id: str) -> str:
    return text(client.get(f"/sager/{case_id}/sla", headers={**HTML, "HX-Request": "true"}))


def _clock_of(stack, case_id: str, wanted) -> dict | None:
    answer = stack.api("GET", f"/api/v1/cases/{case_id}/sla")
    return answer.json if answer.status_code == 200 and wanted(answer.json) else None


def test_the_sla_box_counts_down_shows_met_and_keeps_the_time_left_while_paused(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    wait_for(lambda: _clock_of(stack, case_id, lambda sla: sla["resolution"]))
    running = _sla_box(anne, case_id)
    assert 'class="web-countdown"' in running and "(frist " in running
    assert "Første svar" in running and "Løsning" in running

    post_message(anne, case_id, "Vi kigger på det.", "external")
    wait_for(lambda: _clock_of(stack, case_id, lambda sla: sla["first_response"]["met_at"]))
    assert '<span class="badge badge-success">Overholdt</span>' in _sla_box(anne, case_id)

    assert stack.api("PATCH", f"/api/v1/cases/{case_id}", user=stack.people["anne"],
                     json={"status": "waiting_requester"}).status_code == 200
    sla = wait_for(lambda: _clock_of(stack, case_id, lambda sla: sla["paused"]))
    paused = _sla_box(anne, case_id)
    assert sla["resolution"]["due_at"] is None
    assert '<span class="badge badge-warning">Sat på pause</span>' in paused
    assert re.search(r'<span class="web-countdown">(\d+ d )?(\d+ t )?\d+ min tilbage</span>', paused)


def test_the_sla_box_shows_a_breached_clock(browser_of, stack):
    """A policy of its own (around the clock, one minute to the first response) for cases of one category."""
    anne = browser_of("anne")
    category = f"SLA-test-{uuid.uuid4().hex[:6]}"
    calendar = stack.api("POST", "/api/v1/sla/calendars", json={"name": category, "always_open": True})
    assert calendar.status_code == 201, calendar.json
    targets = {p: {"first_response": 60, "resolution": 3600} for p in ("critical", "high", "normal", "low")}
    policy = stack.api("POST", "/api/v1/sla/policies", json={
        "name": category, "category": category, "calendar_id": calendar.json["id"], "targets": targets})
    assert policy.status_code == 201, policy.json
    created = stack.api("POST", "/api/v1/cases", user=stack.people["rita"], json={
        "title": "Haster", "description": "Svar inden et minut.", "category": category})
    assert created.status_code == 201, created.json
    case_id = created.json["id"]
    wait_for(lambda: _clock_of(stack, case_id, lambda sla: sla["first_response"]["breached"]), timeout=90)
    box = _sla_box(anne, case_id)
    assert '<span class="badge badge-error">Overskredet</span>' in box and "(frist " in box


def test_reply_templates_are_offered_in_the_requesters_language(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    suffix = uuid.uuid4().hex[:6]
    for name, language in ((f"Genstart-{suffix}", "da"), (f"Restart-{suffix}", "en")):
        assert stack.api("POST", "/api/v1/reply-templates", json={
            "name": name, "body": f"Tekst {name}", "language": language}).status_code == 201
    english = stack.api("POST", "/api/v1/users", json={
        "email": f"emma.{suffix}@pages.test", "name": "Emma English", "roles": ["requester"], "language": "en",
        "organisation_id": stack.people["rita"]["organisation_id"]}).json
    danish_case = create_case(rita)
    english_case = stack.api("POST", "/api/v1/cases", user=stack.people["anne"], json={
        "title": "Printer", "description": "It blinks.", "requester_id": english["id"]}).json["id"]
    danish_page = text(anne.get(f"/sager/{danish_case}", headers=HTML))
    english_page = text(anne.get(f"/sager/{english_case}", headers=HTML))
    assert f"Genstart-{suffix}" in danish_page and f"Restart-{suffix}" not in danish_page
    assert f"Restart-{suffix}" in english_page and f"Genstart-{suffix}" not in english_page
