"""The real topology comes up: every service's web and worker processes, migrated, ready."""

from pathlib import Path

import pytest
import requests

from servicekit.auth import IDENTITY_HEADER, Identity, IdentitySigner

PROBLEM = "application/problem+json"
# a real route of each service (GET, open to an admin) and a method that route does not have
REAL_ROUTES = {"cases": ("/api/v1/cases", "PUT"), "tasks": ("/api/v1/tasks", "DELETE"),
               "notify": ("/api/v1/notifications", "DELETE"), "sla": ("/api/v1/sla/policies", "DELETE")}
# whose audience a token misdirected to each service names
ANOTHER = {"cases": "tasks", "tasks": "notify", "notify": "sla", "sla": "cases"}


def test_every_service_is_ready_behind_the_gateway(system):
    for name in ("gateway", "cases", "tasks", "notify", "sla"):
        response = requests.get(f"{system.url_of(name)}/readyz", timeout=5)
        assert response.status_code == 200, (name, response.text)
        assert response.json()["checks"] == {"database": "ok", "broker": "ok"}
        metrics = requests.get(f"{system.url_of(name)}/metrics", timeout=5)
        assert "http_requests_total" in metrics.text


@pytest.fixture(scope="module")
def proof(system):
    """Identity tokens as the gateway signs them, for the system's admin, with its real key."""
    signer = IdentitySigner(Path(system.env["gateway"]["IDENTITY_PRIVATE_KEY_FILE"]).read_text())
    me = system.admin().get("/api/v1/me")
    assert me.status_code == 200, me.text
    admin = Identity(user_id=me.json()["id"], roles=frozenset({"admin"}), email=me.json()["email"])
    return lambda audience: {IDENTITY_HEADER: signer.sign(admin, audience)}


@pytest.mark.parametrize("name", list(REAL_ROUTES))
def test_a_service_called_directly_without_the_gateways_proof_refuses(system, proof, name):
    path, _method = REAL_ROUTES[name]
    url = f"{system.url_of(name)}{path}"
    access_token = system.admin().headers["Authorization"]
    refused = {
        "no proof": {},
        "a garbage header": {IDENTITY_HEADER: "forged"},
        "a JWT-shaped garbage header": {IDENTITY_HEADER: "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.AAAA"},
        f"a signed token for {ANOTHER[name]}": proof(ANOTHER[name]),
        "the gateway's access token as proof": {IDENTITY_HEADER: access_token.removeprefix("Bearer ")},
        "the gateway's access token as a bearer": {"Authorization": access_token},
    }
    answers = {what: requests.get(url, headers=headers, timeout=5) for what, headers in refused.items()}
    assert {what: (r.status_code, r.headers["Content-Type"]) for what, r in answers.items()} == dict.fromkeys(
        refused, (401, PROBLEM))
    # the same route with a token for this very service answers: the refusals were about the proof alone
    assert requests.get(url, headers=proof(name), timeout=5).status_code == 200


@pytest.mark.parametrize("name", list(REAL_ROUTES))
def test_each_service_answers_health_and_its_errors_as_problems(system, proof, name):
    base, (path, wrong_method) = system.url_of(name), REAL_ROUTES[name]
    health = requests.get(f"{base}/healthz", timeout=5)
    assert health.status_code == 200, health.text
    missing = requests.get(f"{base}/api/v1/no-such-route", headers=proof(name), timeout=5)
    assert (missing.status_code, missing.headers["Content-Type"]) == (404, PROBLEM)
    assert missing.json()["status"] == 404 and missing.json()["title"]
    not_allowed = requests.request(wrong_method, f"{base}{path}", headers=proof(name), timeout=5)
    assert (not_allowed.status_code, not_allowed.headers["Content-Type"]) == (405, PROBLEM)
    assert not_allowed.json()["status"] == 405 and "GET" in not_allowed.headers["Allow"]
