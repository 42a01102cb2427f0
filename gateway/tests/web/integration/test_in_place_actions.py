"""The case and task pages' actions swapped in place by htmx, and the same actions without JavaScript.

A form posted by htmx (``hx-boost``) is answered with the part of the page it changed and its outcome for the
page's live region; the same form posted plainly is redirected to the page (post/redirect/get)."""

from __future__ import annotations

import io
import re

from webkit import HTML, create_case, create_task, csrf_of, text

HTMX = {**HTML, "HX-Request": "true", "HX-Boosted": "true"}


def _post(client, path: str, data: dict, page: str, headers=HTMX, **kwargs):
    return client.post(path, headers=headers, data={**data, "csrf_token": csrf_of(client, page)}, **kwargs)


def _announced(part: str) -> str:
    """What the answer puts in the page's live region (#messages), out of band."""
    return part[part.index('hx-swap-oob="innerHTML:#messages"'):]


def _version(client, path: str) -> str:
    return re.search(r'name="version" value="(\d+)"', text(client.get(path, headers=HTML))).group(1)


def test_a_reply_posted_by_htmx_is_answered_with_the_case_part_and_its_outcome(browser_of):
    rita = browser_of("rita")
    case_id = create_case(rita)
    answer = _post(rita, f"/sager/{case_id}/svar", {"visibility": "external", "body": "Svar uden genindlæsning"},
                   f"/sager/{case_id}")
    part = text(answer)
    assert answer.status_code == 200 and "<html" not in part
    assert 'id="case-body"' in part
    assert "Svar uden genindlæsning" in part[:part.index('hx-swap-oob')]  # in the swapped conversation
    assert "Dit svar er sendt." in _announced(part)
    assert 'hx-boost="true"' in part and 'name="csrf_token"' in part  # the swapped forms work again


def test_the_same_reply_without_javascript_is_redirected_to_the_page(browser_of):
    rita = browser_of("rita")
    case_id = create_case(rita)
    answer = _post(rita, f"/sager/{case_id}/svar", {"visibility": "external", "body": "Svar med genindlæsning"},
                   f"/sager/{case_id}", headers=HTML)
    assert answer.status_code == 303 and answer.headers["Location"] == f"/sager/{case_id}"
    page = text(rita.get(answer.headers["Location"], headers=HTML))
    assert "Svar med genindlæsning" in page and "Dit svar er sendt." in page


def test_an_internal_note_with_a_file_is_swapped_in_for_staff(browser_of):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    answer = anne.post(f"/sager/{case_id}/svar", headers=HTMX, content_type="multipart/form-data", data={
        "visibility": "internal", "body": "Intern: se loggen", "files": [(io.BytesIO(b"log\n"), "server.log")],
        "csrf_token": csrf_of(anne, f"/sager/{case_id}")})
    part = text(answer)
    assert answer.status_code == 200
    note = part[part.index("web-message-internal\">"):]
    assert "Intern: se loggen" in note[:note.index("</li>")] and "server.log" in note[:note.index("</li>")]
    assert "Den interne note er gemt." in _announced(part)
    assert "Intern: se loggen" not in text(rita.get(f"/sager/{case_id}", headers=HTML))


def test_a_status_change_by_htmx_stays_on_the_tab_it_came_from(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    history = f"/sager/{case_id}?fane=historik"
    answer = _post(anne, f"/sager/{case_id}/ret", {"version": _version(anne, history), "fane": "historik",
                                                   "was_status": "registered", "status": "in_progress"}, history)
    part = text(answer)
    assert answer.status_code == 200
    assert stack.api("GET", f"/api/v1/cases/{case_id}").json["status"] == "in_progress"
    assert 'aria-current="true"><span>Historik</span>' in part
    assert "ændrede Status:</span> Registreret → <strong>Påbegyndt</strong>" in part
    assert "Sagen er gemt." in _announced(part)
    plain = _post(anne, f"/sager/{case_id}/ret", {"version": _version(anne, history), "fane": "historik",
                                                  "was_status": "in_progress", "status": "waiting_internal"},
                  history, headers=HTML)
    assert plain.status_code == 303 and plain.headers["Location"] == history


def test_marking_the_solution_by_htmx_shows_it_at_once(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    reply = stack.api("POST", f"/api/v1/cases/{case_id}/messages", user=stack.people["anne"],
                      json={"body": "Genstart printeren.", "visibility": "external"})
    assert reply.status_code == 201, reply.json
    answer = _post(anne, f"/sager/{case_id}/beskeder/{reply.json['id']}/loesning", {}, f"/sager/{case_id}")
    part = text(answer)
    assert answer.status_code == 200
    solution = part[part.index("web-message-solution"):]
    assert "Genstart printeren." in solution[:solution.index("</article>")]
    assert "Beskeden er markeret som løsning." in _announced(part)


def test_a_task_is_created_by_htmx_on_the_tasks_tab(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    create_task(anne, case_id, stack.teams["Drift"]["id"], "Genstart printerserveren på tredje sal.")  # known
    answer = _post(anne, f"/sager/{case_id}/opgaver", {
        "subject": "Skift toner", "description": "Toneren i printeren på tredje sal er tom.", "fane": "opgaver",
        "team_id": stack.teams["Drift"]["id"]}, f"/sager/{case_id}?fane=opgaver")
    part = text(answer)
    assert answer.status_code == 200
    assert "Opgaver (2)" in part and ">Skift toner</a>" in part
    assert re.search(r"Opgave TSK ?\d{4}-\d+ er oprettet\.", _announced(part))


def test_a_refused_reply_by_htmx_is_swapped_in_with_its_error_and_text(browser_of):
    rita = browser_of("rita")
    case_id = create_case(rita)
    files = [(io.BytesIO(b"x"), f"fil{n}.txt") for n in range(11)]
    answer = rita.post(f"/sager/{case_id}/svar", headers=HTMX, content_type="multipart/form-data", data={
        "visibility": "external", "body": "Elleve filer", "files": files,
        "csrf_token": csrf_of(rita, f"/sager/{case_id}")})
    part = text(answer)
    assert answer.status_code == 422 and "<html" not in part
    assert "data-error-summary" in part and "Vedhæft højst 10 filer ad gangen." in part
    assert ">Elleve filer</textarea>" in part


def test_an_htmx_action_without_its_csrf_token_is_refused_with_a_page_in_place_of_the_page(browser_of, stack):
    rita = browser_of("rita")
    case_id = create_case(rita)
    answer = rita.post(f"/sager/{case_id}/svar", headers=HTMX, data={"visibility": "external", "body": "Uden token"})
    assert answer.status_code == 400
    assert answer.headers["HX-Retarget"] == "body" and answer.headers["HX-Reswap"] == "innerHTML"
    assert "Genindlæs siden" in text(answer)
    messages = stack.api("GET", f"/api/v1/cases/{case_id}/messages").json["items"]
    assert "Uden token" not in [m["body"] for m in messages]


def test_a_colleague_who_stops_following_is_sent_to_the_case_list(browser_of, stack):
    rita, rasmus = browser_of("rita"), browser_of("rasmus")
    case_id = create_case(rita)
    me = stack.people["rasmus"]["id"]
    assert stack.api("POST", f"/api/v1/cases/{case_id}/shares", user=stack.people["rita"],
                     json={"user_id": me}).status_code == 201
    answer = _post(rasmus, f"/sager/{case_id}/del/{me}/fjern", {}, f"/sager/{case_id}")
    assert answer.status_code == 200 and answer.headers["HX-Redirect"] == "/sager"
    assert me not in stack.api("GET", f"/api/v1/cases/{case_id}").json["follower_ids"]


def test_task_actions_by_htmx_swap_the_task_and_plain_posts_redirect(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    task_id = create_task(anne, case_id, stack.teams["Support"]["id"], "Tjek printerserverens kø for fejl.")
    plain = _post(anne, f"/opgaver/{task_id}/kommentar", {"body": "Uden JavaScript."}, f"/opgaver/{task_id}",
                  headers=HTML)
    assert plain.status_code == 303 and plain.headers["Location"] == f"/opgaver/{task_id}"
    answer = _post(anne, f"/opgaver/{task_id}/kommentar", {"body": "Køen er tom."}, f"/opgaver/{task_id}")
    part = text(answer)
    assert answer.status_code == 200 and "<html" not in part and 'id="task-body"' in part
    assert "Køen er tom." in part and "Uden JavaScript." in part and "Kommentaren er gemt." in _announced(part)
    answer = _post(anne, f"/opgaver/{task_id}/loes", {"solution": "Køen er ryddet."}, f"/opgaver/{task_id}")
    assert answer.status_code == 200 and "Markér opgaven som løst" not in text(answer)
    assert stack.api("GET", f"/api/v1/tasks/{task_id}").json["status"] == "resolved"


def _forwards(stack, case_id: str) -> list[dict]:
    answer = stack.api("GET", f"/api/v1/cases/{case_id}/messages", query_string={"per_page": 200})
    assert answer.status_code == 200, answer.json
    return [m for m in answer.json["items"] if m.get("to")]


def test_a_refused_forward_keeps_what_was_typed_on_both_paths(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita, files=[("fejl.log", b"fejl 42")])
    [log] = stack.api("GET", f"/api/v1/cases/{case_id}/attachments").json["items"]
    typed = {"to": "leverandoer@example.com, ikke-en-adresse", "cc": "kopi@example.com",
             "body": "Kære leverandør\n\nSe loggen.", "attachment_ids": log["id"]}
    for headers in (HTMX, HTML):
        answer = _post(anne, f"/sager/{case_id}/videresend", typed, f"/sager/{case_id}", headers=headers)
        page = text(answer)
        assert answer.status_code == 422, page[:1000]
        assert ("<html" in page) == (headers is HTML)  # the page, or its part swapped in place
        assert '<details class="details web-forward" id="videresend" open>' in page
        assert 'data-error-summary' in page.split('id="videresend"')[1]
        assert 'value="leverandoer@example.com, ikke-en-adresse"' in page and 'value="kopi@example.com"' in page
        assert ">Kære leverandør\n\nSe loggen.</textarea>" in page
        assert f'value="{log["id"]}" checked>' in page
    assert _forwards(stack, case_id) == []


def test_a_forward_without_a_message_keeps_the_recipients(browser_of):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    answer = _post(anne, f"/sager/{case_id}/videresend", {"to": "leverandoer@example.com", "body": ""},
                   f"/sager/{case_id}", headers=HTML)
    page = text(answer)
    assert answer.status_code == 422
    assert "Skriv mindst én modtager og en besked." in page and 'href="#field-forward-body"' in page
    assert 'value="leverandoer@example.com"' in page
