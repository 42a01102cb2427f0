"""Single sign-on against a real OpenID Connect provider started by the test."""

from __future__ import annotations

import pytest
import requests
from flask import Blueprint, get_flashed_messages, jsonify
from gatewaykit import GatewayHarness
from oidc_provider import OidcProvider, sign_in_at_provider
from servers import ThreadedServer, free_port

from gateway import webauth

PAGES = Blueprint("sso_test_pages", __name__)
CLIENT_ID, CLIENT_SECRET = "servicedesk", "a-client-secret-for-the-tests"


@PAGES.route("/hvem")
@webauth.login_required
def who():
    user = webauth.current_user()
    return jsonify(id=user.id, email=user.email)


@PAGES.route("/log-ind")
def log_in_page():
    return jsonify(messages=get_flashed_messages(category_filter=["error"]))


@pytest.fixture(scope="module")
def sso(postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    gateway_port, provider_port = free_port(), free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    accounts = {
        "sub-anna": {"email": "anna@sso.example.dk", "name": "Anna"},
        "sub-bent": {"email": "bent@sso.example.dk", "name": "Bent"},
        "sub-carl": {"email": "carl@sso.example.dk", "name": "Carl"},
        "sub-dora": {"email": "dora@sso.example.dk", "name": "Dora"},
        "sub-nobody": {"email": "nobody@sso.example.dk", "name": "Nobody"},
    }
    provider = OidcProvider(provider_port, CLIENT_ID, CLIENT_SECRET, f"{gateway_url}/log-ind/sso/callback", accounts)
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                             PUBLIC_URL=gateway_url, OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID=CLIENT_ID,
                             OIDC_CLIENT_SECRET=CLIENT_SECRET)
    h.app.register_blueprint(PAGES)
    server = ThreadedServer(h.app, port=gateway_port)
    with server:
        yield h, gateway_url
    provider.stop()
    h.stop()


def _password_login_once(h, user):
    assert h.client.post("/api/v1/auth/token", json={"email": user["email"],
                                                     "password": user["password"]}).status_code == 200


def test_a_user_who_has_logged_in_with_a_password_can_sign_in_with_sso(sso):
    h, gateway_url = sso
    user = h.create_user(email="anna@sso.example.dk")
    _password_login_once(h, user)
    browser = requests.Session()
    landed = sign_in_at_provider(browser, f"{gateway_url}/log-ind/sso?next=/hvem", "sub-anna")
    assert landed.url == f"{gateway_url}/hvem"
    assert landed.json() == {"id": user["id"], "email": user["email"]}
    # the provider's subject is linked now: the second sign-on finds the user by it
    again = sign_in_at_provider(requests.Session(), f"{gateway_url}/log-ind/sso?next=/hvem", "sub-anna")
    assert again.json()["id"] == user["id"]


def test_the_first_log_in_must_be_with_the_password(sso):
    h, gateway_url = sso
    h.create_user(email="bent@sso.example.dk")
    browser = requests.Session()
    landed = sign_in_at_provider(browser, f"{gateway_url}/log-ind/sso?next=/hvem", "sub-bent")
    assert landed.url == f"{gateway_url}/log-ind?sso=password_first"
    assert "adgangskode" in landed.json()["messages"][0]
    assert browser.get(f"{gateway_url}/hvem", allow_redirects=False).status_code == 302


def test_an_unknown_e_mail_is_not_signed_in_nor_created(sso):
    h, gateway_url = sso
    landed = sign_in_at_provider(requests.Session(), f"{gateway_url}/log-ind/sso", "sub-nobody")
    assert landed.url == f"{gateway_url}/log-ind?sso=unknown_user"
    users = h.client.get("/api/v1/users", query_string={"q": "nobody@sso"}, headers=h.admin).json
    assert users["total"] == 0


def test_a_deactivated_user_cannot_sign_in_with_sso(sso):
    h, gateway_url = sso
    user = h.create_user(email="carl@sso.example.dk")
    _password_login_once(h, user)
    h.client.post(f"/api/v1/users/{user['id']}/deactivate", headers=h.admin)
    landed = sign_in_at_provider(requests.Session(), f"{gateway_url}/log-ind/sso", "sub-carl")
    assert landed.url == f"{gateway_url}/log-ind?sso=inactive"


def test_a_forged_callback_is_refused(sso):
    h, gateway_url = sso
    browser = requests.Session()
    browser.get(f"{gateway_url}/log-ind/sso", allow_redirects=False)
    landed = browser.get(f"{gateway_url}/log-ind/sso/callback?code=made-up&state=made-up")
    assert landed.url == f"{gateway_url}/log-ind?sso=failed"
    assert browser.get(f"{gateway_url}/hvem", allow_redirects=False).status_code == 302
