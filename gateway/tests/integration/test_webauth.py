"""The browser session interface the web front end builds on (gateway/webauth.py)."""

from __future__ import annotations

import re
import time

import pytest
from flask import Blueprint, jsonify, redirect, render_template_string, request
from gatewaykit import GatewayHarness

from gateway import webauth

PAGES = Blueprint("test_pages", __name__)

LOGIN_FORM = """<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input name="email"><input name="password" type="password"></form>{{ message }}"""


@PAGES.route("/log-ind", methods=["GET", "POST"])
def log_in():
    message = ""
    if request.method == "POST":
        try:
            user = webauth.authenticate_password(request.form["email"], request.form["password"])
        except webauth.LoginFailed as err:
            message = str(err)
        else:
            webauth.sign_in(user)
            return redirect(webauth.safe_next(request.args.get("next")))
    return render_template_string(LOGIN_FORM, message=message)


@PAGES.route("/log-ud", methods=["POST"])
def log_out():
    webauth.sign_out()
    return redirect("/log-ind")


@PAGES.route("/privat")
@webauth.login_required
def private():
    user = webauth.current_user()
    return jsonify(id=user.id, roles=list(user.roles), team_ids=list(user.team_ids), is_staff=user.is_staff,
                   language=user.language)


@PAGES.route("/kun-personale")
@webauth.roles_required("staff")
def staff_only():
    return jsonify(ok=True)


@PAGES.route("/privat/api/<path:path>", methods=["GET", "POST"])
@webauth.login_required
def through_api(path):
    client = webauth.api()
    if request.method == "POST":
        answer = client.patch(f"/api/v1/{path}", json=request.get_json(silent=True) or {})
    else:
        answer = client.get(f"/api/v1/{path}", params=request.args)
    return jsonify(status=answer.status, body=answer.body, problem=answer.is_problem)


@PAGES.route("/sprog/<language>", methods=["POST"])
def choose_language(language):
    webauth.set_language(language)
    return "", 204


@PAGES.route("/tekst")
def text_in_page_language():
    from gateway.i18n import _

    return jsonify(text=_("Sign in to use this service."), language=webauth.web_language())


@pytest.fixture(scope="module")
def harness(postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                             SESSION_IDLE_TIMEOUT="600", LOGIN_MAX_FAILURES="3")
    h.app.register_blueprint(PAGES)
    yield h
    h.stop()


def _csrf(client, path="/log-ind") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def _log_in(client, user, next_path="/privat"):
    return client.post(f"/log-ind?next={next_path}", data={
        "email": user["email"], "password": user["password"], "csrf_token": _csrf(client)})


def test_a_protected_page_sends_a_visitor_to_log_in_and_back(harness, client):
    user = harness.create_user()
    response = client.get("/privat?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/log-ind?next=%2Fprivat%3Fx%3D1"
    logged_in = _log_in(client, user, "/privat%3Fx%3D1")
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == "/privat?x=1"
    assert client.get("/privat").json["id"] == user["id"]


def test_the_session_cookie_is_httponly_and_samesite_lax(harness, client):
    user = harness.create_user()
    cookie = _log_in(client, user).headers.getlist("Set-Cookie")[-1]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # PUBLIC_URL is http here; https makes it Secure (next test)


def test_the_cookie_is_secure_when_the_public_url_is_https(postgres_databases, rabbitmq_url, bus_namespace,
                                                           identity_keys):
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                             PUBLIC_URL="https://service.example.dk")
    try:
        assert h.app.config["SESSION_COOKIE_SECURE"] is True
    finally:
        h.stop()


def test_a_form_post_without_the_csrf_token_is_refused(harness, client):
    user = harness.create_user()
    response = client.post("/log-ind", data={"email": user["email"], "password": user["password"]})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert client.get("/privat").status_code == 302


def test_htmx_sends_the_csrf_token_as_a_header(harness, client):
    user = harness.create_user()
    _log_in(client, user)
    token = _csrf(client)
    assert client.post("/log-ud").status_code == 400
    assert client.post("/log-ud", headers={"X-CSRFToken": token}).status_code == 302
    assert client.get("/privat").status_code == 302


def test_a_copy_of_the_session_cookie_is_void_after_log_out(harness, client):
    user = harness.create_user()
    _log_in(client, user)
    copied = client.get_cookie("servicedesk_session").value
    assert client.post("/log-ud", headers={"X-CSRFToken": _csrf(client)}).status_code == 302
    client.set_cookie("servicedesk_session", copied)
    assert client.get("/privat").status_code == 302
    assert _log_in(client, user).headers["Location"] == "/privat"
    assert client.get("/privat").json["id"] == user["id"]


def test_htmx_requests_without_a_session_get_an_hx_redirect(client):
    response = client.get("/privat", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/log-ind?next=")


def test_wrong_credentials_raise_a_message_without_a_hint(harness, client):
    user = harness.create_user()
    page = client.post("/log-ind", data={"email": user["email"], "password": "wrong password",
                                         "csrf_token": _csrf(client)}).get_data(as_text=True)
    unknown = client.post("/log-ind", data={"email": "nobody@example.dk", "password": "wrong password",
                                            "csrf_token": _csrf(client)}).get_data(as_text=True)
    assert "adgangskode" in page.lower()
    assert page.rpartition("</form>")[2] == unknown.rpartition("</form>")[2]


def test_the_web_log_in_is_throttled_like_the_api(harness, client):
    user = harness.create_user()
    for _ in range(3):
        client.post("/log-ind", data={"email": user["email"], "password": "nope nope", "csrf_token": _csrf(client)})
    page = _log_in(client, user).get_data(as_text=True)
    assert "sekunder" in page


def test_a_next_address_outside_the_site_is_ignored(harness, client):
    user = harness.create_user()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.17"  # its own client address: many log-ins, one throttle
    for target in ("//evil.example", "https://evil.example/x", "/\\evil.example", "/%5Cevil.example",
                   "/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "/%0d%0aSet-Cookie:x=1",
                   "%2F%2Fevil.example", "/%2F/evil.example", "%20//evil.example", "/%20/evil.example",
                   "https:evil.example", "javascript:alert(1)", "///evil.example"):
        response = _log_in(client, user, target)
        assert (response.status_code, response.headers["Location"]) == (302, "/"), target
    assert _log_in(client, user, "/sager%3Fvis%3Dalle").headers["Location"] == "/sager?vis=alle"


def test_api_calls_act_as_the_signed_in_user_in_process(harness, client):
    user = harness.create_user(roles=["agent"])
    _log_in(client, user)
    me = client.get("/privat/api/me").json
    assert me["status"] == 200 and me["body"]["id"] == user["id"] and me["problem"] is False
    changed = client.post("/privat/api/me", json={"language": "en"}, headers={"X-CSRFToken": _csrf(client)}).json
    assert changed["status"] == 200 and changed["body"]["language"] == "en"


def test_api_problems_come_back_decoded(harness, client):
    user = harness.create_user()
    _log_in(client, user)
    answer = client.get("/privat/api/teams").json
    assert answer["status"] == 403 and answer["problem"] is True
    assert answer["body"]["status"] == 403 and answer["body"]["title"]


def test_an_idle_session_ends(harness, client):
    user = harness.create_user()
    _log_in(client, user)
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 601
    assert client.get("/privat").status_code == 302


def test_a_session_ends_after_the_absolute_time_out(harness, client):
    user = harness.create_user()
    _log_in(client, user)
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 13 * 3600
    assert client.get("/privat").status_code == 302


def test_changing_the_password_ends_other_sessions(harness, client):
    user = harness.create_user()
    _log_in(client, user)
    response = harness.client.post("/api/v1/me/password", headers=harness.as_user(user),
                                   json={"current_password": user["password"], "new_password": "a new long password"})
    assert response.status_code == 204
    assert client.get("/privat").status_code == 302


def test_a_deactivated_user_loses_their_session(harness, client):
    user = harness.create_user()
    _log_in(client, user)
    assert client.get("/privat").status_code == 200
    harness.client.post(f"/api/v1/users/{user['id']}/deactivate", headers=harness.admin)
    assert client.get("/privat").status_code == 302


def test_the_session_cookie_does_not_authenticate_the_bearer_api(harness, client):
    user = harness.create_user()
    _log_in(client, user)
    assert client.get("/api/v1/me").status_code == 401


def test_pages_follow_the_language_chosen_in_the_session_then_the_users_then_the_browsers(harness, client):
    assert client.get("/tekst").json["text"] == "Log ind for at bruge denne tjeneste."
    assert client.get("/tekst", headers={"Accept-Language": "en"}).json["language"] == "en"
    user = harness.create_user(language="en")
    _log_in(client, user)
    assert client.get("/tekst").json == {"text": "Sign in to use this service.", "language": "en"}
    client.post("/sprog/da", headers={"X-CSRFToken": _csrf(client)})
    assert client.get("/tekst", headers={"Accept-Language": "en"}).json["language"] == "da"


def test_the_in_process_api_answers_in_the_page_language_and_carries_the_request_id(harness, client):
    user = harness.create_user(language="en")
    _log_in(client, user)
    answer = client.get("/privat/api/teams").json
    assert answer["body"]["title"] == "Not allowed"


def test_a_staff_page_sends_visitors_to_log_in_and_refuses_requesters(harness, client):
    assert client.get("/kun-personale").status_code == 302
    _log_in(client, harness.create_user())
    assert client.get("/kun-personale").status_code == 403
    _log_in(client, harness.create_user(roles=["agent"]))
    assert client.get("/kun-personale").json == {"ok": True}
