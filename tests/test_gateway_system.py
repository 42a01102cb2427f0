"""The gateway in the real topology: gunicorn (gthread) processes, PostgreSQL, RabbitMQ."""

from __future__ import annotations

import time
import uuid

import requests
from openapi_spec_validator import validate
from system import ADMIN_EMAIL, ADMIN_PASSWORD, wait_for


def _unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.dk"


def test_log_in_works_and_a_wrong_password_gets_401_without_a_hint(system):
    ok = requests.post(f"{system.gateway_url}/api/v1/auth/token",
                       json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, timeout=10)
    assert ok.status_code == 200 and ok.json()["token_type"] == "Bearer"
    wrong = requests.post(f"{system.gateway_url}/api/v1/auth/token",
                          json={"email": ADMIN_EMAIL, "password": "not the password"}, timeout=10)
    unknown = requests.post(f"{system.gateway_url}/api/v1/auth/token",
                            json={"email": "nobody@example.dk", "password": "not the password"}, timeout=10)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    me = requests.get(f"{system.gateway_url}/api/v1/me", timeout=10,
                      headers={"Authorization": f"Bearer {ok.json()['access_token']}"})
    assert me.json()["email"] == ADMIN_EMAIL and "admin" in me.json()["roles"]


def test_the_notify_service_finds_or_creates_contacts_through_the_gateway(system):
    admin = system.admin()
    domain = f"kommune-{uuid.uuid4().hex[:6]}.dk"
    org = admin.post(f"{system.gateway_url}/api/v1/organisations", timeout=10,
                     json={"name": f"Kommune {domain}", "mail_domains": [domain]}).json()
    notify_key = system.env["notify"]["SERVICE_API_KEY"]
    headers = {"Authorization": f"Bearer {notify_key}"}
    created = requests.post(f"{system.gateway_url}/internal/v1/contacts", headers=headers, timeout=10,
                            json={"email": f"borger@{domain}", "name": "En Borger"})
    assert created.status_code == 201 and created.json()["organisation_id"] == org["id"]
    found = requests.post(f"{system.gateway_url}/internal/v1/contacts", headers=headers, timeout=10,
                          json={"email": f"BORGER@{domain}"})
    assert found.status_code == 200 and found.json()["id"] == created.json()["id"]


def test_calls_reach_every_service_through_the_gateway_with_a_verified_identity(system):
    admin = system.admin()
    for path in ("/api/v1/cases", "/api/v1/tasks", "/api/v1/notifications", "/api/v1/sla/policies"):
        response = admin.get(f"{system.gateway_url}{path}", timeout=10)
        # each service answers itself (its own result or problem); none refuses the gateway's identity
        assert response.status_code not in (401, 502, 503, 504), (path, response.status_code, response.text)


def test_the_merged_openapi_document_of_the_running_system_validates(system):
    document = requests.get(f"{system.gateway_url}/api/openapi.json", timeout=20).json()
    validate(document)
    assert "x-unavailable-services" not in document["info"]
    assert "/api/v1/auth/token" in document["paths"]


def test_a_stopped_service_gives_503_problem_not_a_hang_and_recovers(system):
    admin = system.admin()
    web = system.process("sla-web")
    web.stop()
    try:
        started = time.monotonic()
        response = admin.get(f"{system.gateway_url}/api/v1/sla/policies", timeout=30)
        assert response.status_code == 503
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert time.monotonic() - started < 10
    finally:
        web.start()
        wait_for(lambda: system._ready("sla"), 60, message="sla to come back")
    assert admin.get(f"{system.gateway_url}/api/v1/sla/policies", timeout=10).status_code != 503


def test_personal_api_tokens_work_across_the_gateways_workers(system):
    admin = system.admin()
    email = _unique_email("integrator")
    admin.post(f"{system.gateway_url}/api/v1/users", timeout=10,
               json={"email": email, "name": "Integrator", "password": "a long password 1", "roles": ["agent"]})
    agent = system.session_for(email, "a long password 1")
    token = agent.post(f"{system.gateway_url}/api/v1/api-tokens", json={"name": "script"}, timeout=10).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    statuses = {requests.get(f"{system.gateway_url}/api/v1/me", headers=headers, timeout=10).status_code
                for _ in range(6)}
    assert statuses == {200}
    agent.delete(f"{system.gateway_url}/api/v1/api-tokens/{token['id']}", timeout=10)
    assert requests.get(f"{system.gateway_url}/api/v1/me", headers=headers, timeout=10).status_code == 401


def test_a_forgotten_password_is_replaced_through_the_mail_the_gateways_worker_sends(system):
    import re

    admin = system.admin()
    email = _unique_email("glemsom")
    admin.post(f"{system.gateway_url}/api/v1/users", timeout=10,
               json={"email": email, "name": "Glemsom", "password": "an old long password", "roles": ["requester"]})
    response = requests.post(f"{system.gateway_url}/api/v1/auth/password-reset", json={"email": email}, timeout=10)
    assert response.status_code == 202
    mail = system.mailbox.wait_for(lambda m: email in m["X-Test-Rcpt-To"], timeout=30)
    token = re.search(r"/nulstil-adgangskode\?token=([\w-]+)", mail.get_content()).group(1)
    confirmed = requests.post(f"{system.gateway_url}/api/v1/auth/password-reset/confirm", timeout=10,
                              json={"token": token, "password": "a new long password"})
    assert confirmed.status_code == 204
    assert system.session_for(email, "a new long password").get(f"{system.gateway_url}/api/v1/me").ok


def _until(attempt, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while (answer := attempt()) is None:
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
    return answer


def test_the_case_overview_gathers_the_real_services_parts_as_each_caller_may_see_them(world):
    case = world.open_case("anne", title="Skærmen flimrer", description="Skærmen på mit skrivebord flimrer.")
    agent = world.as_("sofie")
    internal = agent.post(f"/api/v1/cases/{case['id']}/messages",
                          json={"body": "Intern note: skærmen skal nok skiftes.", "visibility": "internal"})
    assert internal.status_code == 201, internal.text
    reply = agent.post(f"/api/v1/cases/{case['id']}/messages", json={"body": "Vi skifter skærmen i morgen."})
    assert reply.status_code == 201, reply.text

    def new_task():
        response = agent.post(f"/api/v1/cases/{case['id']}/tasks", json={
            "subject": "Skift skærm", "description": "Anne skal have en ny skærm på sit skrivebord.",
            "team_id": world.ids["support"]})
        return None if response.status_code == 409 else response

    task = _until(new_task, "the tasks service to learn of the case").json()
    _until(lambda: agent.get(f"/api/v1/cases/{case['id']}/sla").ok or None, "the SLA service to start the clocks")

    staff_view = agent.get(f"/api/v1/cases/{case['id']}/overview")
    assert staff_view.status_code == 200, staff_view.text
    overview = staff_view.json()
    assert overview["errors"] == {}
    assert overview["case"]["id"] == case["id"] and overview["case"]["number"] == case["number"]
    assert {internal.json()["id"], reply.json()["id"]} <= {m["id"] for m in overview["messages"]["items"]}
    assert [t["id"] for t in overview["tasks"]["items"]] == [task["id"]]
    assert overview["sla"]["case_id"] == case["id"]

    requester_view = world.as_("anne").get(f"/api/v1/cases/{case['id']}/overview").json()
    assert requester_view["case"]["id"] == case["id"] and requester_view["errors"] == {}
    assert [m["id"] for m in requester_view["messages"]["items"]] == [reply.json()["id"]]
    assert requester_view["tasks"] is None and requester_view["sla"] is None
