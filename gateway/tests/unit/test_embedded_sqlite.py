"""The gateway on SQLite and the in-process broker, as the embedded mode runs it.

SQLite has one writer at a time and refuses a second transaction in the same thread, so every flow
that reads and then writes (log-in, sessions, in-process API calls from a page) is walked here too.
"""

from __future__ import annotations

import re

import pytest
from flask import Blueprint, jsonify, request
from gatewaykit import GatewayHarness

from gateway import webauth
from servicekit.auth import generate_keypair

PAGES = Blueprint("sqlite_pages", __name__)


@PAGES.route("/log-ind", methods=["GET", "POST"])
def log_in():
    if request.method == "POST":
        try:
            webauth.sign_in(webauth.authenticate_password(request.form["email"], request.form["password"]))
        except webauth.LoginFailed as err:
            return str(err), 401
        return "", 204
    return webauth.csrf_token()


@PAGES.route("/side", methods=["GET", "POST"])
@webauth.login_required
def page():
    client = webauth.api()
    if request.method == "POST":
        changed = client.patch("/api/v1/me", json={"language": "en"})
        token = client.post("/api/v1/api-tokens", json={"name": "from a page"})
        return jsonify(changed=changed.status, token=token.status)
    return jsonify(me=client.get("/api/v1/me").body, users=client.get("/api/v1/users").status)


@pytest.fixture
def harness(tmp_path):
    h = GatewayHarness.start(f"sqlite:///{tmp_path / 'gateway.db'}", "memory://", {}, generate_keypair(),
                             LOGIN_MAX_FAILURES="2")
    h.app.register_blueprint(PAGES)
    yield h
    h.stop()


def test_the_identity_api_and_log_in_work_on_sqlite(harness):
    org = harness.create_organisation(mail_domains=["sqlite.example.dk"])
    team = harness.create_team()
    agent = harness.create_user(roles=["agent"], organisation_id=org["id"])
    harness.add_member(team, agent, dispatcher=True)
    me = harness.client.get("/api/v1/me", headers=harness.as_user(agent)).json
    assert me["dispatcher_team_ids"] == [team["id"]]
    contact = harness.client.post("/internal/v1/contacts", json={"email": "ny@sqlite.example.dk"},
                                  headers=harness.service_headers())
    assert contact.status_code == 201 and contact.json["organisation_id"] == org["id"]
    assert len(harness.outbox("user.updated")) == 1


def test_failed_log_ins_lock_the_account_on_sqlite(harness):
    user = harness.create_user()
    for _ in range(2):
        assert harness.client.post("/api/v1/auth/token", json={"email": user["email"],
                                                               "password": "wrong wrong"}).status_code == 401
    assert harness.client.post("/api/v1/auth/token", json={"email": user["email"],
                                                           "password": user["password"]}).status_code == 429


def test_a_signed_in_page_calls_the_api_in_process_on_sqlite(harness):
    user = harness.create_user()
    client = harness.app.test_client()
    token = client.get("/log-ind").get_data(as_text=True)
    assert client.post("/log-ind", data={"email": user["email"], "password": "wrong password",
                                         "csrf_token": token}).status_code == 401
    assert client.post("/log-ind", data={"email": user["email"], "password": user["password"],
                                         "csrf_token": token}).status_code == 204
    page = client.get("/side").json
    assert page["me"]["id"] == user["id"] and page["users"] == 200
    token = client.get("/log-ind").get_data(as_text=True)
    assert client.post("/side", headers={"X-CSRFToken": token}).json == {"changed": 200, "token": 201}
    assert re.fullmatch(r"[0-9a-f-]{36}", client.get("/side").json["me"]["id"])
