"""Single sign-on against a real OpenID Connect provider started by the test."""

from __future__ import annotations

import pytest
import requests
from flask import Blueprint, get_flashed_messages, jsonify
from gatewaykit import GatewayHarness
from oidc_provider import OidcProvider, sign_in_at_provider
from servers import ThreadedServer, free_port

from gateway import webauth
from gateway.models import User
from gateway.sso import merged_claims
from servicekit.config import Settings

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
        "sub-erik": {"email": "erik@sso.example.dk", "name": "Erik", "email_verified": False},
        "sub-fie": {"email": "fie@sso.example.dk", "name": "Fie"},
        "sub-gus": {"email": "gus@sso.example.dk", "name": "Gus"},
        "sub-hans": {"email": "hans@sso.example.dk", "name": "Hans"},
        "sub-ivan": {"email": "ivan@sso.example.dk", "name": "Ivan", "email_verified": None},
    }
    provider = OidcProvider(provider_port, CLIENT_ID, CLIENT_SECRET, f"{gateway_url}/log-ind/sso/callback", accounts)
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                             PUBLIC_URL=gateway_url, OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID=CLIENT_ID,
                             OIDC_CLIENT_SECRET=CLIENT_SECRET)
    h.app.register_blueprint(PAGES)
    server = ThreadedServer(h.app, port=gateway_port)
    with server:
        yield h, gateway_url, provider.issuer
    provider.stop()
    h.stop()


def _password_login_once(h, user):
    assert h.client.post("/api/v1/auth/token", json={"email": user["email"],
                                                     "password": user["password"]}).status_code == 200


def test_a_user_who_has_logged_in_with_a_password_can_sign_in_with_sso(sso):
    h, gateway_url, _issuer = sso
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
    h, gateway_url, _issuer = sso
    h.create_user(email="bent@sso.example.dk")
    browser = requests.Session()
    landed = sign_in_at_provider(browser, f"{gateway_url}/log-ind/sso?next=/hvem", "sub-bent")
    assert landed.url == f"{gateway_url}/log-ind?sso=password_first"
    assert "adgangskode" in landed.text  # the flashed message, on the web front end's log-in page
    assert browser.get(f"{gateway_url}/hvem", allow_redirects=False).status_code == 302


def test_an_unknown_e_mail_is_not_signed_in_nor_created(sso):
    h, gateway_url, _issuer = sso
    landed = sign_in_at_provider(requests.Session(), f"{gateway_url}/log-ind/sso", "sub-nobody")
    assert landed.url == f"{gateway_url}/log-ind?sso=unknown_user"
    users = h.client.get("/api/v1/users", query_string={"q": "nobody@sso"}, headers=h.admin).json
    assert users["total"] == 0


def test_a_deactivated_user_cannot_sign_in_with_sso(sso):
    h, gateway_url, _issuer = sso
    user = h.create_user(email="carl@sso.example.dk")
    _password_login_once(h, user)
    h.client.post(f"/api/v1/users/{user['id']}/deactivate", headers=h.admin)
    landed = sign_in_at_provider(requests.Session(), f"{gateway_url}/log-ind/sso", "sub-carl")
    assert landed.url == f"{gateway_url}/log-ind?sso=inactive"


def test_a_forged_callback_is_refused(sso):
    h, gateway_url, _issuer = sso
    browser = requests.Session()
    browser.get(f"{gateway_url}/log-ind/sso", allow_redirects=False)
    landed = browser.get(f"{gateway_url}/log-ind/sso/callback?code=made-up&state=made-up")
    assert landed.url == f"{gateway_url}/log-ind?sso=failed"
    assert browser.get(f"{gateway_url}/hvem", allow_redirects=False).status_code == 302


def test_an_address_the_provider_does_not_vouch_for_is_not_matched(sso, monkeypatch):
    h, gateway_url, _issuer = sso
    user = h.create_user(email="erik@sso.example.dk")
    for person in (user, h.create_user(email="ivan@sso.example.dk")):
        _password_login_once(h, person)
    for login in ("sub-erik", "sub-ivan"):  # email_verified false, and left out
        landed = sign_in_at_provider(requests.Session(), f"{gateway_url}/log-ind/sso?next=/hvem", login)
        assert landed.url == f"{gateway_url}/log-ind?sso=no_email", login
    gw = h.context.extras["gateway"]
    monkeypatch.setattr(gw, "settings", Settings({**gw.settings.as_dict(), "oidc_trust_unverified_email": True}))
    trusted = sign_in_at_provider(requests.Session(), f"{gateway_url}/log-ind/sso?next=/hvem", "sub-erik")
    assert trusted.json()["id"] == user["id"]  # OIDC_TRUST_UNVERIFIED_EMAIL=true


def test_a_user_without_any_password_may_use_sso_at_once(sso):
    h, gateway_url, issuer = sso
    user = h.create_user(email="fie@sso.example.dk", password=None)
    landed = sign_in_at_provider(requests.Session(), f"{gateway_url}/log-ind/sso?next=/hvem", "sub-fie")
    assert landed.url == f"{gateway_url}/hvem" and landed.json()["id"] == user["id"]
    assert _subject_of(h, user) == f"{issuer}|sub-fie"


def test_a_user_linked_to_another_subject_is_refused_and_stays_linked(sso):
    h, gateway_url, issuer = sso
    user = h.create_user(email="gus@sso.example.dk")
    _password_login_once(h, user)
    with h.context.database.transaction() as session:
        session.get(User, user["id"]).oidc_subject = f"{issuer}|sub-someone-else"
    browser = requests.Session()
    landed = sign_in_at_provider(browser, f"{gateway_url}/log-ind/sso?next=/hvem", "sub-gus")
    assert landed.url == f"{gateway_url}/log-ind?sso=linked_elsewhere"
    assert browser.get(f"{gateway_url}/hvem", allow_redirects=False).status_code == 302
    assert _subject_of(h, user) == f"{issuer}|sub-someone-else"


def test_a_linked_user_is_found_by_the_subject_even_after_an_address_change(sso):
    h, gateway_url, issuer = sso
    user = h.create_user(email="hans@sso.example.dk")
    _password_login_once(h, user)
    sign_in_at_provider(requests.Session(), f"{gateway_url}/log-ind/sso?next=/hvem", "sub-hans")
    h.client.patch(f"/api/v1/users/{user['id']}", json={"email": "hans.ny@sso.example.dk"}, headers=h.admin)
    landed = sign_in_at_provider(requests.Session(), f"{gateway_url}/log-ind/sso?next=/hvem", "sub-hans")
    assert landed.json() == {"id": user["id"], "email": "hans.ny@sso.example.dk"}


def _subject_of(h, user) -> str | None:
    with h.context.database.transaction() as session:
        return session.get(User, user["id"]).oidc_subject


def test_userinfo_about_another_subject_is_refused():
    with pytest.raises(ValueError):
        merged_claims({"sub": "a"}, lambda: {"sub": "b", "email": "b@example.dk", "email_verified": True})
    with pytest.raises(ValueError):
        merged_claims({"sub": "a"}, lambda: {"email": "b@example.dk", "email_verified": True})
    assert merged_claims({"sub": "a"}, lambda: {"sub": "a", "email": "a@example.dk"})["email"] == "a@example.dk"


def test_userinfo_is_not_asked_when_the_id_token_names_the_address():
    def not_asked():
        raise AssertionError("userinfo was fetched")

    assert merged_claims({"sub": "a", "email": "a@example.dk"}, not_asked)["email"] == "a@example.dk"
