"""The web pages through the real gateway app: log-in, language, CSRF, escaping and the design system's assets."""

from __future__ import annotations

import uuid

import pytest
from webkit import HTML, csrf_of, sign_in, text

PAGES = ["/", "/sager", "/sager/ny", "/arbejdsbord", "/opgaver", "/notifikationer", "/soeg", "/statistik"]


@pytest.fixture
def requester(harness):
    return harness.create_user(name="Rita Rekvirent", language="da")


def test_the_log_in_page_is_danish_by_default_and_english_when_the_browser_asks(client):
    danish = text(client.get("/log-ind", headers=HTML))
    assert '<html lang="da">' in danish
    assert "Log ind" in danish and "E-mailadresse" in danish and "Gå til sidens indhold" in danish
    english = text(client.get("/log-ind", headers={**HTML, "Accept-Language": "en"}))
    assert '<html lang="en">' in english and "E-mail address" in english


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_visitor_to_the_log_in_first(client, path):
    response = client.get(path, headers=HTML)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/log-ind?next=")


def test_signing_in_leads_to_the_page_asked_for(client, requester):
    client.get("/sager", headers=HTML)
    response = client.post("/log-ind?next=/sager", headers=HTML, data={
        "email": requester["email"], "password": requester["password"], "csrf_token": csrf_of(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/sager"


def test_a_wrong_password_shows_an_error_summary_and_signs_nobody_in(client, requester):
    response = client.post("/log-ind", headers=HTML, data={
        "email": requester["email"], "password": "forkert forkert", "csrf_token": csrf_of(client)})
    page = text(response)
    assert response.status_code == 401
    assert "Der er et problem" in page and 'role="alert"' in page
    assert client.get("/", headers=HTML).status_code == 302


def test_empty_fields_are_named_in_the_error_summary(client):
    response = client.post("/log-ind", headers=HTML, data={"email": "", "password": "", "csrf_token": csrf_of(client)})
    page = text(response)
    assert response.status_code == 422
    assert 'href="#field-email"' in page and "Skriv din e-mailadresse." in page
    assert 'aria-invalid="true"' in page


def test_a_form_without_its_csrf_token_is_refused_with_a_page_that_says_why(client, requester):
    sign_in(client, requester)
    response = client.post("/sager/ny", headers=HTML, data={"title": "Uden token", "description": "x"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Genindlæs siden" in text(response)


def test_a_name_with_markup_is_shown_as_text_never_run(harness, client):
    mallory = harness.create_user(name='<script>alert("x")</script> Mallory')
    sign_in(client, mallory)
    page = text(client.get("/", headers=HTML))
    assert "&lt;script&gt;alert(" in page
    assert '<script>alert("x")' not in page


def test_the_front_page_shows_a_requester_the_portal_tiles(client, requester):
    sign_in(client, requester)
    page = text(client.get("/", headers=HTML))
    assert "Mine sager" in page and "Opret sag" in page
    assert "Arbejdsbord" not in page


@pytest.mark.parametrize("path", ["/arbejdsbord", "/opgaver", "/statistik"])
def test_a_requester_is_refused_the_staff_pages_with_a_page_that_says_so(client, requester, path):
    sign_in(client, requester)
    answer = client.get(path, headers=HTML)
    assert answer.status_code == 403 and answer.mimetype == "text/html"
    assert "Det har du ikke adgang til" in text(answer)


def test_an_agent_sees_the_workspace_in_the_menu(harness, client):
    agent = harness.create_user(roles=["agent"], name="Anne Agent")
    sign_in(client, agent)
    page = text(client.get("/", headers=HTML))
    assert 'href="/arbejdsbord"' in page and 'href="/opgaver"' in page and 'href="/statistik"' in page
    assert 'id="quick-open-dialog"' in page
    assert 'title="Ctrl+O">Åbn</button>' in page and ">Åben</button>" not in page  # the verb, not the status
    assert '<button type="submit" class="button button-primary">Åbn</button>' in page


def test_the_language_switch_is_kept_in_the_session_and_as_the_users_preference(harness, client, requester):
    sign_in(client, requester)
    response = client.post("/sprog", headers=HTML, data={"sprog": "en", "next": "/", "csrf_token": csrf_of(client)})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    page = text(client.get("/", headers=HTML))
    assert '<html lang="en">' in page and "My cases" in page
    me = harness.client.get("/api/v1/me", headers=harness.as_user(requester)).json
    assert me["language"] == "en"


def test_the_language_switch_never_redirects_off_the_site(client):
    response = client.post("/sprog", headers=HTML, data={"sprog": "en", "next": "//evil.example/",
                                                         "csrf_token": csrf_of(client)})
    assert response.headers["Location"] == "/"


def test_the_new_case_form_marks_the_required_fields(client, requester):
    sign_in(client, requester)
    page = text(client.get("/sager/ny", headers=HTML))
    assert 'enctype="multipart/form-data"' in page
    for field in ("title", "description"):
        assert f'id="field-{field}" name="{field}"' in page
    assert page.count('class="web-required"') >= 2
    assert 'type="file"' in page and "multiple" in page


def test_a_new_case_without_title_or_description_is_refused_with_their_errors(client, requester):
    sign_in(client, requester)
    response = client.post("/sager/ny", headers=HTML, data={"title": "", "description": "",
                                                            "csrf_token": csrf_of(client, "/sager/ny")})
    page = text(response)
    assert response.status_code == 422
    assert "Skriv en titel." in page and "Beskriv, hvad sagen drejer sig om." in page
    assert 'href="#field-title"' in page


def test_the_design_system_and_htmx_are_served_from_their_installed_packages(client):
    css = client.get("/static/vendor/dkfds/css/dkfds.min.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "max-age=86400" in css.headers["Cache-Control"]
    assert client.get("/static/vendor/htmx/htmx.min.js").status_code == 200
    assert client.get("/static/vendor/dkfds/fonts/IBMPlexSans/").status_code == 404
    assert client.get("/static/vendor/other/x.js").status_code == 404
    assert client.get("/static/vendor/dkfds/../../package.json").status_code == 404
    assert client.get("/static/web/web.js").status_code == 200


def test_the_forgotten_password_page_never_tells_whether_an_address_has_a_user(client, requester):
    answers = [client.post("/glemt-adgangskode", headers=HTML, data={"email": email, "csrf_token": csrf_of(client)})
               for email in (requester["email"], "ingen@nowhere.example")]
    assert [a.status_code for a in answers] == [200, 200]
    assert text(answers[0]).split("<main")[1] == text(answers[1]).split("<main")[1]
    assert "Hvis adressen tilhører en bruger" in text(answers[0])


def test_a_reset_link_that_is_not_valid_asks_for_a_new_one(client):
    answer = client.post("/nulstil-adgangskode", headers=HTML, data={
        "token": "not-a-real-token", "password": "en lang ny adgangskode", "repeated": "en lang ny adgangskode",
        "csrf_token": csrf_of(client)})
    assert answer.status_code == 422
    assert 'href="/glemt-adgangskode"' in text(answer)


def test_a_new_password_must_be_typed_the_same_twice_and_be_long_enough(client):
    short = client.post("/nulstil-adgangskode", headers=HTML, data={
        "token": "t", "password": "kort", "repeated": "kort", "csrf_token": csrf_of(client)})
    assert short.status_code == 422 and "mindst 10 tegn" in text(short)
    different = client.post("/nulstil-adgangskode", headers=HTML, data={
        "token": "t", "password": "en lang ny adgangskode", "repeated": "en anden lang kode",
        "csrf_token": csrf_of(client)})
    assert different.status_code == 422 and "ikke ens" in text(different)


def test_signing_up_needs_an_address_of_an_organisations_mail_domain(harness, client):
    assert 'href="/opret-bruger"' in text(client.get("/log-ind", headers=HTML))
    refused = client.post("/opret-bruger", headers=HTML, data={
        "email": "ny@ukendt.example", "name": "Ny Bruger", "csrf_token": csrf_of(client)})
    assert refused.status_code == 422 and "Der er et problem" in text(refused)
    domain = f"{uuid.uuid4().hex[:8]}.example"
    harness.create_organisation(mail_domains=[domain])
    accepted = client.post("/opret-bruger", headers=HTML, data={
        "email": f"ny@{domain}", "name": "Ny Bruger", "csrf_token": csrf_of(client)})
    assert accepted.status_code == 200 and "Vi har sendt dig en mail" in text(accepted)
    users = harness.client.get("/api/v1/users", query_string={"q": f"ny@{domain}"}, headers=harness.admin).json
    assert users["total"] == 1 and users["items"][0]["roles"] == ["requester"]
