"""Log-in, access tokens, personal API tokens and service keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from gatewaykit import SERVICE_KEYS, GatewayHarness

from gateway.auth.tokens import AccessTokens
from gateway.models import ApiToken
from servicekit.auth import IdentitySigner, generate_keypair
from servicekit.db import utcnow


def test_log_in_gives_a_bearer_token_that_identifies_the_user(harness, client):
    user = harness.create_user(roles=["agent"], language="en")
    response = client.post("/api/v1/auth/token", json={"email": user["email"], "password": user["password"]})
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}).json
    assert me["id"] == user["id"] and me["roles"] == ["agent"] and me["language"] == "en"
    assert {"id", "email", "name", "roles", "organisation_id", "team_ids", "language"} <= set(me)


def test_a_wrong_password_and_an_unknown_user_get_the_same_401(harness, client):
    user = harness.create_user()
    wrong = client.post("/api/v1/auth/token", json={"email": user["email"], "password": "wrong password!"})
    unknown = client.post("/api/v1/auth/token", json={"email": "nobody@example.dk", "password": user["password"]})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.mimetype == "application/problem+json"
    assert wrong.json == unknown.json
    assert "password" in wrong.json["detail"].lower() or "adgangskode" in wrong.json["detail"].lower()


def test_a_user_without_a_password_cannot_log_in_with_an_empty_one(harness, client):
    user = harness.create_user(password=None)
    response = client.post("/api/v1/auth/token", json={"email": user["email"], "password": ""})
    assert response.status_code == 401


def test_a_malformed_log_in_is_422_not_500(client):
    assert client.post("/api/v1/auth/token", json={"email": "x"}).status_code == 422
    assert client.post("/api/v1/auth/token", data="not json", content_type="application/json").status_code == 400


def _fresh(postgres_databases, rabbitmq_url, bus_namespace, identity_keys, **overrides) -> GatewayHarness:
    return GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                                **overrides)


def test_repeated_failures_lock_the_account_even_for_the_right_password(
        postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    h = _fresh(postgres_databases, rabbitmq_url, bus_namespace, identity_keys,
               LOGIN_MAX_FAILURES="3", LOGIN_LOCKOUT_SECONDS="120")
    try:
        user = h.create_user()
        client = h.client
        for _ in range(3):
            assert client.post("/api/v1/auth/token",
                               json={"email": user["email"], "password": "guess guess"}).status_code == 401
        locked = client.post("/api/v1/auth/token", json={"email": user["email"], "password": user["password"]})
        assert locked.status_code == 429
        assert locked.mimetype == "application/problem+json"
        assert 100 <= int(locked.headers["Retry-After"]) <= 120
        # an address nobody has is locked the same way: the answer tells nothing about who has an account
        for _ in range(3):
            client.post("/api/v1/auth/token", json={"email": "nobody@example.dk", "password": "guess guess"})
        assert client.post("/api/v1/auth/token", json={"email": "nobody@example.dk",
                                                       "password": "guess"}).status_code == 429
    finally:
        h.stop()


def test_the_lock_out_doubles_with_every_further_failure(postgres_databases, rabbitmq_url, bus_namespace,
                                                         identity_keys):
    h = _fresh(postgres_databases, rabbitmq_url, bus_namespace, identity_keys,
               LOGIN_MAX_FAILURES="2", LOGIN_LOCKOUT_SECONDS="60")
    try:
        throttle = h.context.extras["gateway"].throttle
        for _ in range(3):
            throttle.failed("victim@example.dk")
        from gateway.models import LoginThrottle
        from servicekit.db import utcnow

        with h.context.database.transaction() as session:
            row = session.get(LoginThrottle, "account:victim@example.dk")
            assert timedelta(seconds=110) < row.locked_until - utcnow() <= timedelta(seconds=120)
    finally:
        h.stop()


def test_a_client_that_tries_too_often_is_rate_limited(postgres_databases, rabbitmq_url, bus_namespace,
                                                       identity_keys):
    h = _fresh(postgres_databases, rabbitmq_url, bus_namespace, identity_keys, LOGIN_RATE_PER_CLIENT="4")
    try:
        client = h.client
        statuses = [client.post("/api/v1/auth/token", json={"email": f"u{i}@example.dk", "password": "x"},
                                environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code for i in range(6)]
        assert statuses == [401, 401, 401, 401, 429, 429]
        other_client = client.post("/api/v1/auth/token", json={"email": "u@example.dk", "password": "x"},
                                   environ_base={"REMOTE_ADDR": "10.9.8.6"})
        assert other_client.status_code == 401
    finally:
        h.stop()


def _attempts_from(client, forwarded_for: str, times: int) -> list[int]:
    """Log-ins that reach the gateway through a proxy at 10.0.0.1 for a client it names in X-Forwarded-For."""
    return [client.post("/api/v1/auth/token", json={"email": "someone@example.dk", "password": "x"},
                        environ_base={"REMOTE_ADDR": "10.0.0.1"},
                        headers={"X-Forwarded-For": forwarded_for}).status_code for _ in range(times)]


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_client_limit_counts_the_address_the_trusted_proxies_saw(postgres_databases, rabbitmq_url,
                                                                     bus_namespace, identity_keys, proxies):
    h = _fresh(postgres_databases, rabbitmq_url, bus_namespace, identity_keys, LOGIN_RATE_PER_CLIENT="2",
               LOGIN_MAX_FAILURES="100", TRUSTED_PROXY_COUNT=str(proxies))
    try:
        client = h.client
        assert _attempts_from(client, "203.0.113.5", 3) == [401, 401, 429]
        other = _attempts_from(client, "203.0.113.6", 1)
        # the client wrote the first entry itself; the proxy appended the address it saw
        forged = _attempts_from(client, "198.51.100.1, 203.0.113.5", 1)
        if proxies:  # each client its own count; a forged entry is not believed
            assert (other, forged) == ([401], [429])
        else:  # X-Forwarded-For is not believed at all: every client behind the proxy shares its count
            assert (other, forged) == ([429], [429])
    finally:
        h.stop()


def test_a_success_clears_the_failures(harness, client):
    user = harness.create_user()
    for _ in range(3):
        client.post("/api/v1/auth/token", json={"email": user["email"], "password": "guess guess"})
    assert client.post("/api/v1/auth/token",
                       json={"email": user["email"], "password": user["password"]}).status_code == 200
    for _ in range(4):
        client.post("/api/v1/auth/token", json={"email": user["email"], "password": "guess guess"})
    assert client.post("/api/v1/auth/token",
                       json={"email": user["email"], "password": user["password"]}).status_code == 200


def _token_signed_by(private_key: str, user_id: str, ttl: timedelta) -> str:
    return AccessTokens(private_key, ttl).issue(user_id)[0]


@pytest.mark.parametrize("kind", ["forged", "expired", "garbage", "service-identity-token", "wrong-scheme"])
def test_a_forged_or_expired_token_is_401(harness, client, identity_keys, kind):
    user = harness.create_user()
    token = {
        "forged": lambda: _token_signed_by(generate_keypair()[0], user["id"], timedelta(minutes=5)),
        "expired": lambda: _token_signed_by(identity_keys[0], user["id"], timedelta(seconds=-60)),
        "garbage": lambda: "abc.def.ghi",
        "service-identity-token": lambda: _service_token(identity_keys[0], user["id"]),
        "wrong-scheme": lambda: None,
    }[kind]()
    header = f"Bearer {token}" if token else "Basic dXNlcjpwYXNz"
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def _service_token(private_key: str, user_id: str) -> str:
    from servicekit.auth import Identity

    return IdentitySigner(private_key).sign(Identity(user_id=user_id, roles=frozenset({"admin"})), "gateway")


def test_no_credentials_is_401(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401


def test_personal_api_tokens_are_shown_once_listed_without_secret_and_revocable(harness, client):
    user = harness.create_user(roles=["agent"])
    created = client.post("/api/v1/api-tokens", json={"name": "CI script", "expires_in_days": 30},
                          headers=harness.as_user(user))
    assert created.status_code == 201
    secret = created.json["token"]
    assert secret.startswith("sdp_") and created.json["prefix"] == secret[:12]
    with_token = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=with_token).json["id"] == user["id"]
    listed = client.get("/api/v1/api-tokens", headers=harness.as_user(user)).json
    assert listed["total"] == 1 and "token" not in listed["items"][0]
    assert listed["items"][0]["last_used_at"] is not None
    other = harness.create_user()
    assert client.delete(f"/api/v1/api-tokens/{created.json['id']}",
                         headers=harness.as_user(other)).status_code == 404
    assert client.delete(f"/api/v1/api-tokens/{created.json['id']}",
                         headers=harness.as_user(user)).status_code == 204
    assert client.get("/api/v1/me", headers=with_token).status_code == 401


def test_the_personal_api_tokens_are_a_list_page_newest_first(harness, client):
    user = harness.create_user()
    signed_in = harness.as_user(user)
    made = [_personal_token(client, signed_in)[0] for _ in range(3)]
    first = client.get("/api/v1/api-tokens", query_string={"per_page": 2}, headers=signed_in)
    assert first.status_code == 200
    assert {k: v for k, v in first.json.items() if k != "items"} == {"total": 3, "page": 1, "per_page": 2}
    second = client.get("/api/v1/api-tokens", query_string={"page": 2, "per_page": 2}, headers=signed_in).json
    assert [t["id"] for t in first.json["items"] + second["items"]] == made[::-1]
    assert client.get("/api/v1/api-tokens", query_string={"page": 0}, headers=signed_in).status_code == 422


def test_a_personal_api_token_cannot_manage_api_tokens(harness, client):
    """A leaked token must not mint fresh ones (which would outlive its revocation), nor list or revoke the
    owner's other tokens: managing tokens takes a log-in."""
    user = harness.create_user(roles=["agent"])
    signed_in = harness.as_user(user)
    token_id, with_token = _personal_token(client, signed_in)
    other_id, _other = _personal_token(client, signed_in)
    refused = {
        "create": client.post("/api/v1/api-tokens", json={"name": "fresh"}, headers=with_token),
        "create, body not valid": client.post("/api/v1/api-tokens", json={}, headers=with_token),
        "list": client.get("/api/v1/api-tokens", headers=with_token),
        "revoke own": client.delete(f"/api/v1/api-tokens/{token_id}", headers=with_token),
        "revoke other": client.delete(f"/api/v1/api-tokens/{other_id}", headers=with_token),
    }
    assert {what: (r.status_code, r.mimetype) for what, r in refused.items()} == dict.fromkeys(
        refused, (403, "application/problem+json"))
    listed = client.get("/api/v1/api-tokens", headers=signed_in).json["items"]
    assert sorted(t["id"] for t in listed) == sorted([token_id, other_id])
    assert all(t["revoked_at"] is None for t in listed)
    assert client.get("/api/v1/me", headers=with_token).status_code == 200  # the token itself still works


def _personal_token(client, headers) -> tuple[str, dict[str, str]]:
    created = client.post("/api/v1/api-tokens", json={"name": "integration"}, headers=headers).json
    return created["id"], {"Authorization": f"Bearer {created['token']}"}


def _end_by(kind: str, harness, client, user) -> str:
    """End the user's credentials one way; the password that holds afterwards."""
    if kind == "own password change":
        client.post("/api/v1/me/password", headers=harness.as_user(user),
                    json={"current_password": user["password"], "new_password": "my next long password"})
        return "my next long password"
    if kind == "password set by an admin":
        client.patch(f"/api/v1/users/{user['id']}", json={"password": "set by the admin 42"}, headers=harness.admin)
        return "set by the admin 42"
    client.post(f"/api/v1/users/{user['id']}/deactivate", headers=harness.admin)
    client.post(f"/api/v1/users/{user['id']}/activate", headers=harness.admin)
    return user["password"]


@pytest.mark.parametrize("kind", ["own password change", "password set by an admin", "deactivation"])
def test_a_new_password_or_a_deactivation_revokes_the_personal_api_tokens(harness, client, kind):
    user = harness.create_user(roles=["agent"])
    token_id, with_token = _personal_token(client, harness.as_user(user))
    assert client.get("/api/v1/me", headers=with_token).status_code == 200
    password = _end_by(kind, harness, client, user)
    assert client.get("/api/v1/me", headers=with_token).status_code == 401
    fresh = client.post("/api/v1/auth/token", json={"email": user["email"], "password": password}).json
    signed_in = {"Authorization": f"Bearer {fresh['access_token']}"}
    listed = client.get("/api/v1/api-tokens", headers=signed_in).json["items"]
    assert [t["revoked_at"] is not None for t in listed if t["id"] == token_id] == [True]
    _new_id, new_token = _personal_token(client, signed_in)
    assert client.get("/api/v1/me", headers=new_token).status_code == 200


def test_an_expired_personal_token_is_401(harness, client):
    user = harness.create_user()
    token_id, with_token = _personal_token(client, harness.as_user(user))
    with harness.context.database.transaction() as session:
        session.get(ApiToken, token_id).expires_at = utcnow() - timedelta(seconds=1)
    response = client.get("/api/v1/me", headers=with_token)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_an_admin_revokes_someone_elses_personal_token(harness, client):
    user = harness.create_user(roles=["agent"])
    token_id, with_token = _personal_token(client, harness.as_user(user))
    colleague = harness.create_user(roles=["agent"])
    assert client.delete(f"/api/v1/api-tokens/{token_id}", headers=harness.as_user(colleague)).status_code == 404
    assert client.get("/api/v1/me", headers=with_token).status_code == 200
    assert client.delete(f"/api/v1/api-tokens/{token_id}", headers=harness.admin).status_code == 204
    assert client.get("/api/v1/me", headers=with_token).status_code == 401
    [listed] = client.get("/api/v1/api-tokens", headers=harness.as_user(user)).json["items"]
    assert listed["revoked_at"] is not None


def test_a_service_key_makes_the_caller_a_service_principal(harness, client):
    response = client.post("/internal/v1/contacts", json={"email": "svc-check@example.dk"},
                           headers={"Authorization": f"Bearer {SERVICE_KEYS['tasks']}"})
    assert response.status_code in (200, 201)
    assert client.post("/internal/v1/contacts", json={"email": "svc-check@example.dk"},
                       headers={"Authorization": "Bearer not-a-known-service-key"}).status_code == 401


def test_the_first_admin_comes_from_the_environment_once(harness, client):
    admins = client.get("/api/v1/users", query_string={"role": "admin"}, headers=harness.admin).json
    assert [u["email"] for u in admins["items"]] == ["admin@servicedesk.test"]
