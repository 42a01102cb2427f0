"""The case pages through the gateway against the real services: a requester's case, an agent's notes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from webkit import HTML, create_case, create_task, csrf_of, post_message, text


def test_a_requester_creates_a_case_with_a_file_and_finds_it_in_my_cases(browser_of):
    rita = browser_of("rita")
    case_id = create_case(rita, files=[("fejl.txt", b"fejl 500\n")])
    page = text(rita.get(f"/sager/{case_id}", headers=HTML))
    number = re.search(r'web-case-number">([^<]+)<', page).group(1)
    assert re.fullmatch(r"SAG \d{4}-\d{4,}", number)
    assert "fejl.txt" in page and "Registreret" in page
    assert "Sagen er modtaget, men behandling er endnu ikke påbegyndt." in page  # seed 000's explanation
    assert number in text(rita.get("/sager", headers=HTML))
    assert number not in text(rita.get("/sager?vis=lukket", headers=HTML))


def test_text_written_by_users_is_shown_as_text_on_every_page(browser_of):
    rita = browser_of("rita")
    case_id = create_case(rita, title='<img src=x onerror="alert(1)">', description="<script>alert(2)</script>")
    for path in (f"/sager/{case_id}", "/sager"):
        page = text(rita.get(path, headers=HTML))
        assert "<img src=x" not in page and "<script>alert(2)" not in page
        assert "&lt;img src=x" in page


def test_an_internal_note_reaches_staff_only_and_a_reply_reaches_the_requester(browser_of):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    assert post_message(anne, case_id, "Intern: tjek printerkøen", "internal").status_code == 303
    assert post_message(anne, case_id, "Kære Rita, vi kigger på det", "external").status_code == 303
    staff_page = text(anne.get(f"/sager/{case_id}", headers=HTML))
    assert "Intern: tjek printerkøen" in staff_page and "web-message-internal" in staff_page
    requester_page = text(rita.get(f"/sager/{case_id}", headers=HTML))
    assert "Kære Rita, vi kigger på det" in requester_page
    assert "tjek printerkøen" not in requester_page and "Intern note" not in requester_page


def test_a_message_without_a_chosen_audience_is_not_sent(browser_of):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    answer = post_message(anne, case_id, "Hvem skal se denne?", None)
    assert answer.status_code == 303
    assert "Hvem skal se denne?" not in text(anne.get(f"/sager/{case_id}", headers=HTML))


def test_a_requester_cannot_write_an_internal_note(browser_of):
    rita = browser_of("rita")
    case_id = create_case(rita)
    post_message(rita, case_id, "Forsøg på intern note", "internal")
    assert "Forsøg på intern note" not in text(rita.get(f"/sager/{case_id}", headers=HTML))


def test_another_organisations_case_is_not_found(browser_of):
    rita, olga = browser_of("rita"), browser_of("olga")
    case_id = create_case(rita)
    answer = olga.get(f"/sager/{case_id}", headers=HTML)
    assert answer.status_code == 404
    assert "Printeren" not in text(answer)


def test_sharing_lets_a_colleague_see_the_case_under_shared_with_me(browser_of, stack):
    rita, rasmus = browser_of("rita"), browser_of("rasmus")
    case_id = create_case(rita, title="Deles med Rasmus")
    found = text(rita.get(f"/sager/{case_id}?del=Rasmus", headers=HTML))
    assert stack.people["rasmus"]["id"] in found and "Vil blive delt med" in found
    answer = rita.post(f"/sager/{case_id}/del", headers=HTML, data={
        "user_ids": [stack.people["rasmus"]["id"]], "csrf_token": csrf_of(rita, f"/sager/{case_id}")})
    assert answer.status_code == 303
    assert "Deles med Rasmus" in text(rasmus.get("/sager?visning=delt", headers=HTML))
    assert rasmus.get(f"/sager/{case_id}", headers=HTML).status_code == 200


def test_an_attachment_is_always_downloaded_never_shown_in_the_page(browser_of):
    rita = browser_of("rita")
    case_id = create_case(rita, files=[("side.html", b"<script>alert(1)</script>")])
    page = text(rita.get(f"/sager/{case_id}", headers=HTML))
    link = re.search(rf'href="(/sager/{case_id}/bilag/[0-9a-f-]+)"', page).group(1)
    answer = rita.get(link)
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.mimetype == "application/octet-stream"
    assert answer.data == b"<script>alert(1)</script>"


def test_quick_open_finds_a_case_by_its_number_in_any_spelling(browser_of):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    number = re.search(r'web-case-number">([^<]+)<', text(rita.get(f"/sager/{case_id}", headers=HTML))).group(1)
    for typed in (number, number.replace(" ", "").lower()):
        answer = anne.get(f"/aabn?nummer={typed}", headers=HTML)
        assert answer.status_code == 302 and answer.headers["Location"] == f"/sager/{case_id}"
    assert anne.get("/aabn?nummer=SAG 0101-9999", headers=HTML).headers["Location"].startswith("/soeg")


def test_an_agent_takes_a_case_and_bulk_edits_the_selected_ones(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    first, second = create_case(rita, title="Masse 1"), create_case(rita, title="Masse 2")
    page = text(anne.get(f"/sager/{first}", headers=HTML))
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    answer = anne.post(f"/sager/{first}/overtag", headers=HTML, data={"version": version,
                                                                     "csrf_token": csrf_of(anne, f"/sager/{first}")})
    assert answer.status_code == 303
    assert "Anne Support" in text(anne.get(f"/sager/{first}", headers=HTML))
    answer = anne.post("/sager/masse", headers=HTML, data={
        "ids": [first, second], "priority": "critical", "csrf_token": csrf_of(anne, "/sager")})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/sager/masse/resultat?")
    case = stack.api("GET", f"/api/v1/cases/{second}").json
    assert case["priority"] == "critical"
    for _reload in range(2):  # the result page can be reloaded: it shows the outcome, it changes nothing
        result = anne.get(answer.headers["Location"], headers=HTML)
        assert result.status_code == 200 and text(result).count("Ændret") == 2
    assert stack.api("GET", f"/api/v1/cases/{second}").json["version"] == case["version"]
    assert browser_of("dennis").get(answer.headers["Location"], headers=HTML).headers["Location"] == "/sager"


def test_bulk_edit_takes_the_agent_off_the_selected_cases(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita, title="Tilbage i køen")
    assert stack.api("PATCH", f"/api/v1/cases/{case_id}", user=stack.people["anne"],
                     json={"assignee_id": stack.people["anne"]["id"]}).status_code == 200
    assert 'value="-">Ingen sagsbehandler' in text(anne.get("/sager?visning=alle", headers=HTML))
    answer = anne.post("/sager/masse", headers=HTML, data={
        "ids": [case_id], "assignee_id": "-", "csrf_token": csrf_of(anne, "/sager")})
    assert answer.status_code == 303
    assert stack.api("GET", f"/api/v1/cases/{case_id}").json["assignee_id"] is None


def test_the_case_page_speaks_english_after_the_switch(browser_of, stack):
    rita = browser_of("rita")
    case_id = create_case(rita)
    rita.post("/sprog", headers=HTML, data={"sprog": "en", "csrf_token": csrf_of(rita)})
    try:
        page = text(rita.get(f"/sager/{case_id}", headers=HTML))
        assert '<html lang="en">' in page and "Registered" in page and "Add a reply" in page
        assert "The case has been received, but work on it has not started yet." in page
    finally:  # the switch is saved as Rita's language: the other tests meet her in Danish
        stack.api("PATCH", "/api/v1/me", user=stack.people["rita"], json={"language": "da"})


def test_saving_the_status_form_changes_only_what_the_agent_changed(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    page = text(anne.get(f"/sager/{case_id}", headers=HTML))
    form = page[page.index('action="/sager/' + case_id + '/ret"'):]
    shown = dict(re.findall(r'name="was_(\w+)" value="([^"]*)"', form[:form.index("</form>")]))
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    answer = anne.post(f"/sager/{case_id}/ret", headers=HTML, data={
        "version": version, **{f"was_{k}": v for k, v in shown.items()}, **shown, "status": "in_progress",
        "csrf_token": csrf_of(anne, f"/sager/{case_id}")})
    assert answer.status_code == 303
    case = stack.api("GET", f"/api/v1/cases/{case_id}").json
    assert case["status"] == "in_progress"
    assert case["priority_overridden"] is False  # the unchanged priority was not sent back as an override


def test_a_stale_form_is_refused_and_says_so(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    stack.api("PATCH", f"/api/v1/cases/{case_id}", json={"category": "Print"})  # a colleague's change
    answer = anne.post(f"/sager/{case_id}/ret", headers=HTML, follow_redirects=True, data={
        "version": "1", "was_status": "registered", "status": "in_progress",
        "csrf_token": csrf_of(anne, f"/sager/{case_id}")})
    assert "En anden har ændret sagen" in text(answer)
    assert stack.api("GET", f"/api/v1/cases/{case_id}").json["status"] == "registered"


def _breadcrumbs(page: str) -> list[str]:
    nav = page[page.index('<nav class="breadcrumbs"'):]
    return re.findall(r'<li class="breadcrumbs__list-item"[^>]*>(.*?)</li>', nav[:nav.index("</nav>")], re.S)


def test_the_breadcrumbs_put_the_design_systems_chevron_between_the_crumbs(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    task_id = create_task(anne, case_id, stack.teams["Support"]["id"], "Se efter papirstop i printeren.")
    for client, path in ((rita, f"/sager/{case_id}"), (anne, f"/opgaver/{task_id}")):
        crumbs = _breadcrumbs(text(client.get(path, headers=HTML)))
        assert len(crumbs) == 3 and "Forside" in crumbs[0], path
        chevron = 'aria-hidden="true"><use href="/static/vendor/dkfds/img/all-svg-icons.svg#chevron-right">'
        assert [chevron in crumb for crumb in crumbs] == [False, True, True], path
    assert client.get("/static/vendor/dkfds/img/all-svg-icons.svg").status_code == 200


def _description(page: str) -> str:
    entry = page[page.index("web-message-description"):]
    return entry[:entry.index("</header>")]


def test_the_description_tells_when_the_case_was_created_never_a_status(browser_of, stack):
    rita = browser_of("rita")
    case_id = create_case(rita)
    head = _description(text(rita.get(f"/sager/{case_id}", headers=HTML)))
    assert "Rita Rekvirent</span>" in head and '<span class="web-message-event">oprettede sagen</span>' in head
    assert stack.api("POST", f"/api/v1/cases/{case_id}/resolve", user=stack.people["anne"],
                     json={"solution": "Genstart printeren."}).status_code == 200
    head = _description(text(rita.get(f"/sager/{case_id}", headers=HTML)))
    assert "oprettede sagen" in head and "<time" in head
    for status_like in ("Registreret", "Udført", "web-label", "badge"):
        assert status_like not in head, status_like


def test_a_conversation_longer_than_the_overview_carries_says_so_and_its_newest_messages_are_a_link_away(
        browser_of, stack):
    from cases.models import Message
    from gateway.routing.compose import MAX_OVERVIEW_MESSAGES

    rita = browser_of("rita")
    case_id = create_case(rita)
    # Written straight into the cases service's database (posting 1,001 messages through the API takes a
    # minute and a half here); the page reads them through the overview and the API as always.
    start = datetime.now(UTC)
    with stack.database_of("cases").transaction() as session:
        session.add_all(Message(case_id=case_id, author_id=stack.people["rita"]["id"], visibility="external",
                                body=f"Besked {n:04d}", via="portal", created_at=start + timedelta(seconds=n))
                        for n in range(MAX_OVERVIEW_MESSAGES + 1))
    page = text(rita.get(f"/sager/{case_id}", headers=HTML))
    assert "Samtalen har 1001 beskeder: her er de første 1000, så de nyeste er ikke med." in page
    assert "Besked 0999" in page and "Besked 1000" not in page
    link = f"/sager/{case_id}?samtale=nyeste"
    assert f'href="{link}"' in page

    newest = text(rita.get(link, headers=HTML))
    assert "Samtalen har 1001 beskeder: her vises de 200 ad gangen, nyeste først." in newest
    assert "Besked 1000" in newest and "Besked 0801" in newest and "Besked 0800" not in newest
    assert newest.index("Besked 1000") < newest.index("Besked 0801")  # newest first
    assert "Side 1 af 6" in newest and "oprettede sagen" not in newest
    oldest = text(rita.get(f"{link}&side=6", headers=HTML))
    assert "Besked 0000" in oldest and "oprettede sagen" in oldest  # the last page reaches the description
