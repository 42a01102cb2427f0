"""Forgotten passwords: a one-time link by mail (a real SMTP server), a new password, the old sessions end."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from gatewaykit import GatewayHarness
from servers import free_port
from sqlalchemy import select

from gateway.mail import RETRY_DELAYS, SmtpSender, send_due
from gateway.models import OutgoingMail, PasswordReset
from servicekit.db import utcnow


class Inbox:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


@pytest.fixture(scope="module")
def harness(postgres_databases, rabbitmq_url, bus_namespace, identity_keys, smtp):
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                             SMTP_URL=smtp[1], MAIL_FROM="servicedesk@example.dk",
                             PUBLIC_URL="https://servicedesk.example.dk")
    yield h
    h.stop()


def _deliver(harness, smtp_url):
    return send_due(harness.context.database, SmtpSender(smtp_url, "servicedesk@example.dk"))


def _link_token(message) -> str:
    body = message.get_content()
    return re.search(r"https://servicedesk\.example\.dk/nulstil-adgangskode\?token=([\w-]+)", body).group(1)


def test_a_forgotten_password_is_replaced_through_the_mailed_link(harness, client, smtp):
    inbox, smtp_url = smtp
    user = harness.create_user(language="da")
    old_token = harness.headers(user["email"], user["password"])
    personal = client.post("/api/v1/api-tokens", json={"name": "script"}, headers=old_token).json["token"]
    assert client.post("/api/v1/auth/password-reset", json={"email": user["email"].upper()}).status_code == 202
    assert _deliver(harness, smtp_url) == 1
    [message] = inbox.to(user["email"])
    assert message["Subject"] == "Vælg en ny adgangskode til servicedesk"
    assert message["Auto-Submitted"] == "auto-generated"
    token = _link_token(message)
    assert client.post("/api/v1/auth/password-reset/confirm",
                       json={"token": token, "password": "my brand new password"}).status_code == 204
    assert client.post("/api/v1/auth/token", json={"email": user["email"],
                                                   "password": "my brand new password"}).status_code == 200
    assert client.get("/api/v1/me", headers=old_token).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {personal}"}).status_code == 401
    again = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "yet another one!"})
    assert again.status_code == 422


def test_a_user_without_a_password_gets_one_through_the_link(harness, client, smtp):
    inbox, smtp_url = smtp
    contact = client.post("/internal/v1/contacts", json={"email": "fra-mail@example.dk"},
                          headers=harness.service_headers()).json
    client.post("/api/v1/auth/password-reset", json={"email": "fra-mail@example.dk"})
    _deliver(harness, smtp_url)
    token = _link_token(inbox.to("fra-mail@example.dk")[-1])
    client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "first password ever"})
    me = client.get("/api/v1/me", headers=harness.headers("fra-mail@example.dk", "first password ever")).json
    assert me["id"] == contact["id"] and me["has_password"] is True


def test_an_unknown_address_gets_the_same_answer_and_no_mail(harness, client, smtp):
    inbox, smtp_url = smtp
    response = client.post("/api/v1/auth/password-reset", json={"email": "nobody-here@example.dk"})
    assert response.status_code == 202
    _deliver(harness, smtp_url)
    assert inbox.to("nobody-here@example.dk") == []


def test_an_expired_link_is_refused(harness, client, smtp):
    inbox, smtp_url = smtp
    user = harness.create_user()
    client.post("/api/v1/auth/password-reset", json={"email": user["email"]})
    _deliver(harness, smtp_url)
    token = _link_token(inbox.to(user["email"])[-1])
    with harness.context.database.transaction() as session:
        for reset in session.scalars(select(PasswordReset).where(PasswordReset.user_id == user["id"])):
            reset.expires_at = utcnow() - timedelta(seconds=1)
    response = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "too late now!"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_at_most_three_links_an_hour_reach_one_user(harness, client, smtp):
    inbox, smtp_url = smtp
    user = harness.create_user(language="en")
    for _ in range(5):
        client.post("/api/v1/auth/password-reset", json={"email": user["email"]})
    _deliver(harness, smtp_url)
    mails = inbox.to(user["email"])
    assert len(mails) == 3 and mails[0]["Subject"] == "Choose a new password for servicedesk"


def test_a_mail_waits_and_is_retried_while_the_server_is_away(harness, client, smtp):
    inbox, smtp_url = smtp
    user = harness.create_user()
    client.post("/api/v1/auth/password-reset", json={"email": user["email"]})
    assert _deliver(harness, f"smtp://127.0.0.1:{free_port()}") == 0
    with harness.context.database.transaction() as session:
        mail = session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == user["email"])).one()
        assert mail.attempts == 1 and mail.sent_at is None and mail.last_error
        assert mail.next_attempt_at > utcnow() + timedelta(seconds=RETRY_DELAYS[0] - 2)
        mail.next_attempt_at = utcnow()
    assert _deliver(harness, smtp_url) == 1
    assert len(inbox.to(user["email"])) == 1


def test_a_requester_signs_up_with_an_address_of_their_organisations_domain(harness, client, smtp):
    inbox, smtp_url = smtp
    org = harness.create_organisation(mail_domains=["tilmeld.example.dk"])
    response = client.post("/api/v1/auth/register", json={"email": "Ny.Bruger@tilmeld.example.dk",
                                                          "name": "Ny Bruger", "language": "en"})
    assert response.status_code == 202
    _deliver(harness, smtp_url)
    [mail] = inbox.to("ny.bruger@tilmeld.example.dk")
    assert mail["Subject"] == "Welcome to servicedesk: choose your password"
    client.post("/api/v1/auth/password-reset/confirm", json={"token": _link_token(mail),
                                                            "password": "my own long password"})
    me = client.get("/api/v1/me", headers=harness.headers("ny.bruger@tilmeld.example.dk",
                                                          "my own long password")).json
    assert me["organisation_id"] == org["id"] and me["roles"] == ["requester"] and me["language"] == "en"


def test_signing_up_again_sends_a_password_link_and_creates_no_second_user(harness, client, smtp):
    inbox, smtp_url = smtp
    harness.create_organisation(mail_domains=["igen.example.dk"])
    user = harness.create_user(email="kendt@igen.example.dk")
    assert client.post("/api/v1/auth/register", json={"email": user["email"], "name": "X"}).status_code == 202
    _deliver(harness, smtp_url)
    assert inbox.to(user["email"])[-1]["Subject"] == "Vælg en ny adgangskode til servicedesk"
    found = client.get("/api/v1/users", query_string={"q": "kendt@igen"}, headers=harness.admin).json
    assert found["total"] == 1


def test_an_address_of_no_known_organisation_cannot_sign_up(harness, client):
    response = client.post("/api/v1/auth/register", json={"email": "someone@gmail.example", "name": "X"})
    assert response.status_code == 422 and "email" in response.json["errors"]


def test_sign_up_can_be_closed(postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                             SELF_REGISTRATION="false")
    try:
        h.create_organisation(mail_domains=["lukket.example.dk"])
        response = h.client.post("/api/v1/auth/register", json={"email": "a@lukket.example.dk", "name": "A"})
        assert response.status_code == 403
    finally:
        h.stop()
