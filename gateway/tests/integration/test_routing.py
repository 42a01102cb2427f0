"""Routing through the gateway to real service apps served over HTTP."""

from __future__ import annotations

import hashlib
import http.client
import time
from urllib.parse import urlsplit

import pytest
import requests
from gatewaykit import GatewayHarness, start_service_app
from servers import ThreadedServer, free_port
from servicekit_echo import STREAM_WAIT, create_echo_app

from gateway.routing.compose import MAX_OVERVIEW_MESSAGES
from servicekit.auth import IDENTITY_HEADER


@pytest.fixture(scope="module")
def echo_apps(postgres_databases, rabbitmq_url, identity_keys):
    return {name: create_echo_app(name, identity_keys[1], postgres_databases.create("echo"), rabbitmq_url)
            for name in ("cases", "sla")}


@pytest.fixture(scope="module")
def upstreams(postgres_databases, rabbitmq_url, bus_namespace, identity_keys, echo_apps):
    public = identity_keys[1]
    echo = ThreadedServer(echo_apps["cases"])
    tasks = ThreadedServer(start_service_app("tasks", postgres_databases.create("tasks"), rabbitmq_url,
                                             bus_namespace, public))
    sla = ThreadedServer(echo_apps["sla"])
    with echo, tasks, sla:
        yield {"cases": echo.url, "tasks": tasks.url, "sla": sla.url, "notify": f"http://127.0.0.1:{free_port()}"}


@pytest.fixture(scope="module")
def harness(postgres_databases, rabbitmq_url, bus_namespace, identity_keys, upstreams):
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                             CASES_URL=upstreams["cases"], TASKS_URL=upstreams["tasks"],
                             NOTIFY_URL=upstreams["notify"], SLA_URL=upstreams["sla"], UPSTREAM_READ_TIMEOUT="1",
                             UPSTREAM_CONNECT_TIMEOUT="1")
    yield h
    h.stop()


@pytest.fixture(scope="module")
def gateway_url(harness):
    with ThreadedServer(harness.app) as server:
        yield server.url


def test_a_call_reaches_the_owning_service_with_the_callers_identity(harness, client):
    team = harness.create_team()
    agent = harness.create_user(roles=["agent", "dispatcher"])
    harness.add_member(team, agent, dispatcher=True)
    response = client.get("/api/v1/cases/echo?view=mine&q=printer%20fejl", headers=harness.as_user(agent))
    assert response.status_code == 200
    echoed = response.json
    assert echoed["service"] == "cases" and echoed["user_id"] == agent["id"]
    assert echoed["roles"] == ["agent", "dispatcher"]
    assert echoed["team_ids"] == [team["id"]] and echoed["dispatcher_team_ids"] == [team["id"]]
    assert echoed["query"] == "view=mine&q=printer%20fejl"


def test_the_caller_cannot_smuggle_an_identity_or_credentials_upstream(harness, client, sign_identity,
                                                                       make_identity):
    requester = harness.create_user()
    forged = sign_identity(make_identity(roles=["admin"]), "cases")
    response = client.get("/api/v1/cases/echo", headers={**harness.as_user(requester), IDENTITY_HEADER: forged,
                                                         "Cookie": "session=abc"})
    echoed = response.json
    assert echoed["user_id"] == requester["id"] and echoed["roles"] == ["requester"]
    sent = {k.lower(): v for k, v in echoed["headers"].items()}
    assert sent[IDENTITY_HEADER.lower()] != forged
    assert "authorization" not in sent and "cookie" not in sent


def test_request_id_trace_language_and_conditions_are_passed_on(harness, client):
    user = harness.create_user()
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = client.patch("/api/v1/cases/echo", json={"title": "x"}, headers={
        **harness.as_user(user), "X-Request-ID": "req-42", "traceparent": trace, "Accept-Language": "en",
        "If-Match": '"3"'})
    sent = {k.lower(): v for k, v in response.json["headers"].items()}
    assert sent["x-request-id"] == "req-42" and sent["traceparent"] == trace
    assert sent["accept-language"] == "en" and sent["if-match"] == '"3"'
    assert response.headers["X-Request-ID"] == "req-42"


@pytest.mark.parametrize("path", ["/api/v1/cases/echo", "/api/v1/cases/download?size=10", "/api/v1/cases/hidden"])
def test_a_forwarded_answer_carries_the_security_headers(harness, client, path):
    headers = client.get(path, headers=harness.as_user(harness.create_user())).headers
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "sandbox" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_services_problem_passes_through_unchanged(harness, client):
    user = harness.create_user(roles=["agent"])
    response = client.post("/api/v1/cases/conflict", headers=harness.as_user(user))
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"] == "The case has an open blocking task."
    assert response.json["tasks"] == ["TSK 2611-0001"]


def test_a_real_service_answers_through_the_gateway(harness, client):
    agent = harness.create_user(roles=["agent"])
    response = client.get("/api/v1/tasks/no-such-route-yet", headers=harness.as_user(agent))
    # the tasks service accepted the gateway's identity (not 401) and answered with its own problem
    assert response.status_code != 401
    assert response.mimetype == "application/problem+json"


def test_a_service_called_directly_without_the_gateways_proof_refuses(upstreams, harness, sign_identity,
                                                                      make_identity):
    agent = harness.create_user(roles=["agent"])
    token = harness.token(agent["email"], agent["password"])
    for headers in ({}, {"Authorization": f"Bearer {token}"},
                    {IDENTITY_HEADER: sign_identity(make_identity(roles=["admin"]), "cases")}):
        response = requests.get(f"{upstreams['tasks']}/api/v1/tasks", headers=headers, timeout=5)
        assert response.status_code == 401, headers
        assert response.headers["Content-Type"].startswith("application/problem+json")


def test_unauthenticated_calls_stop_at_the_gateway(client):
    response = client.get("/api/v1/cases/echo")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_a_path_no_service_owns_is_404(harness, client):
    response = client.get("/api/v1/nowhere", headers=harness.admin)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


DOT_SEGMENT_PATHS = (
    "/api/v1/cases/%2E%2E/%2E%2E/%2E%2E/metrics",
    "/api/v1/cases/%2e%2e/%2e%2e/%2e%2e/healthz",
    "/api/v1/cases/x/%2E%2E/echo",
    "/api/v1/cases/./echo",
    "/api/v1/cases/%2E/echo",
    "/api/v1/cases/%2E%2E/sla",
    "/api/v1/cases/%2E%2E/overview",
)


def _raw_get(gateway_url: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """A GET with the path sent exactly as written (no client normalises or re-encodes it)."""
    connection = http.client.HTTPConnection(urlsplit(gateway_url).netloc, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Content-Type", "")
    finally:
        connection.close()


def test_a_path_with_dot_segments_is_refused_and_never_reaches_a_service(harness, gateway_url, echo_apps):
    user = harness.create_user(roles=["agent"])
    for app in echo_apps.values():
        app.received_paths.clear()
    answers = {path: _raw_get(gateway_url, path, harness.as_user(user)) for path in DOT_SEGMENT_PATHS}
    answers["internal"] = _raw_get(gateway_url, "/internal/v1/cases/%2E%2E/%2E%2E/metrics",
                                   harness.service_headers())
    assert {path: status for path, (status, _type) in answers.items()} == dict.fromkeys(answers, 404)
    assert all(kind.startswith("application/problem+json") for _status, kind in answers.values())
    assert echo_apps["cases"].received_paths == [] and echo_apps["sla"].received_paths == []


def test_a_stopped_service_gives_503_problem_quickly(harness, client):
    user = harness.create_user()
    started = time.monotonic()
    response = client.get("/api/v1/notifications", headers=harness.as_user(user))
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert time.monotonic() - started < 5


def test_a_slow_service_gives_504_problem_not_a_hang(harness, client):
    user = harness.create_user()
    started = time.monotonic()
    response = client.get("/api/v1/cases/slow?seconds=4", headers=harness.as_user(user))
    assert response.status_code == 504
    assert response.mimetype == "application/problem+json"
    assert time.monotonic() - started < 3


MIB = 1 << 20


@pytest.fixture(scope="module")
def patient_gateway_url(postgres_databases, rabbitmq_url, bus_namespace, identity_keys, upstreams):
    """A gateway that waits long for a service, so that a held-back stream is never cut by its time-out."""
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                             CASES_URL=upstreams["cases"], UPSTREAM_READ_TIMEOUT="60")
    with ThreadedServer(h.app) as server:
        yield server.url, h.admin
    h.stop()


def _held_back(payload: bytes, service_began, waits: list[bool]):
    """The body in parts of 1 MiB that holds back all but the first until the service has begun reading it:
    a gateway that buffered the body would pass nothing on, and the wait would run out (recorded)."""
    for start in range(0, len(payload), MIB):
        if start == MIB:
            waits.append(service_began.wait(STREAM_WAIT))
        yield payload[start:start + MIB]


class _Sized:
    """An iterable body with a length: sent with Content-Length, not chunked."""

    def __init__(self, parts, length: int):
        self.parts, self.length = parts, length

    def __len__(self) -> int:
        return self.length

    def __iter__(self):
        return self.parts


@pytest.mark.parametrize("framing", ["chunked", "content-length"])
def test_an_upload_streams_through_the_gateway_without_being_held(patient_gateway_url, echo_apps, framing):
    url, headers = patient_gateway_url
    echo = echo_apps["cases"]
    echo.upload_began.clear()
    size = 20 * MIB
    payload = bytes(range(256)) * (size // 256)
    waits: list[bool] = []
    parts = _held_back(payload, echo.upload_began, waits)
    body = parts if framing == "chunked" else _Sized(parts, size)
    uploaded = requests.post(f"{url}/api/v1/cases/upload", data=body, headers=headers, timeout=60)
    assert uploaded.status_code == 201
    assert uploaded.json() == {"size": size, "sha256": hashlib.sha256(payload).hexdigest()}
    assert waits == [True], "the service had none of the body before the client sent all of it"


def test_a_download_streams_through_the_gateway_without_being_held(patient_gateway_url, echo_apps):
    url, headers = patient_gateway_url
    echo = echo_apps["cases"]
    echo.download_first_block_received.clear()
    echo.download_waits.clear()
    size = 20 * MIB
    # the service sends its first block and waits for this client to have it before it sends the rest
    with requests.get(f"{url}/api/v1/cases/download?size={size}&hold=1", headers=headers, stream=True,
                      timeout=60) as download:
        assert download.status_code == 200
        assert download.headers["Content-Length"] == str(size)
        assert download.headers["ETag"] == '"7"'
        assert download.headers["Content-Disposition"] == 'attachment; filename="x.bin"'
        chunks = download.iter_content(1024)
        received = len(next(chunks))
        echo.download_first_block_received.set()
        received += sum(len(chunk) for chunk in chunks)
    assert received == size
    assert echo.download_waits == [True], "the client had nothing before the service had sent all of it"


def test_internal_routes_are_for_service_principals_only(harness, client):
    ok = client.get("/internal/v1/cases/ping?x=1", headers=harness.service_headers("notify"))
    assert ok.status_code == 200
    assert ok.json == {"service": "cases", "caller": "service:notify", "query": "x=1"}
    assert client.get("/internal/v1/cases/ping", headers=harness.admin).status_code == 403
    assert client.get("/internal/v1/cases/ping").status_code == 401
    assert client.get("/internal/v1/nosuch/ping", headers=harness.service_headers()).status_code == 404


def test_a_service_principal_reaches_only_the_public_routes_services_call(harness, client, echo_apps):
    service = harness.service_headers("notify")
    for app in echo_apps.values():
        app.received_paths.clear()
    for method, path in (("GET", "/api/v1/cases"), ("POST", "/api/v1/cases/conflict"),
                         ("GET", "/api/v1/cases/c-1/sla"), ("GET", "/api/v1/users"), ("GET", "/api/v1/teams"),
                         ("GET", "/api/v1/cases/c-1/overview"), ("DELETE", "/api/v1/cases/c-1/attachments/a-1")):
        response = client.open(path, method=method, headers=service)
        assert (response.status_code, response.mimetype) == (403, "application/problem+json"), (method, path)
    assert echo_apps["cases"].received_paths == [] and echo_apps["sla"].received_paths == []
    case_id = "0b6f0d52-6a8e-4c1e-9d55-2f4f4b8c1a10"
    assert client.get(f"/api/v1/cases/{case_id}", headers=service).status_code == 200
    assert client.get("/api/v1/cases/stats", headers=service).status_code == 403
    for path in ("/api/v1/cases/c-1/attachments", "/api/v1/cases/c-1/attachments/a-1"):
        assert client.get(path, headers=service).status_code == 404  # the echo service has no attachments
    assert echo_apps["cases"].received_paths == [f"/api/v1/cases/{case_id}", "/api/v1/cases/c-1/attachments",
                                                 "/api/v1/cases/c-1/attachments/a-1"]


def test_case_numbers_with_spaces_are_routed(harness, client):
    user = harness.create_user()
    response = client.get("/api/v1/cases/by-number/SAG%202611-0042", headers=harness.as_user(user))
    assert response.json["number"] == "SAG 2611-0042"
    danish = client.get("/api/v1/cases/by-number/S%C3%86R%202611-1", headers=harness.as_user(user))
    assert danish.json["number"] == "SÆR 2611-1"


def test_the_case_overview_gathers_case_messages_tasks_and_sla_in_one_call(harness, client):
    agent = harness.create_user(roles=["agent"])
    response = client.get("/api/v1/cases/c-1/overview", headers={**harness.as_user(agent), "Accept-Language": "en"})
    assert response.status_code == 200
    overview = response.json
    assert overview["case"]["id"] == "c-1" and overview["case"]["viewer"] == agent["id"]
    assert overview["case"]["language"] == "en"
    assert [m["id"] for m in overview["messages"]["items"]] == ["m1", "m2"]
    assert overview["sla"]["served_by"] == "sla"
    # the tasks service (a skeleton here) has no such route: reported, not fatal
    assert overview["tasks"] is None
    assert overview["errors"]["tasks"]["status"] == 404


def test_the_overview_carries_a_long_conversation_whole(harness, client, echo_apps):
    agent = harness.create_user(roles=["agent"])
    echo_apps["cases"].message_queries.clear()
    response = client.get("/api/v1/cases/long-450/overview", headers=harness.as_user(agent))
    assert response.status_code == 200
    messages = response.json["messages"]
    assert [m["id"] for m in messages["items"]] == [f"m{n}" for n in range(450)]
    assert (messages["total"], messages["page"], messages["per_page"]) == (450, 1, MAX_OVERVIEW_MESSAGES)
    assert response.json["errors"] == {"tasks": response.json["errors"]["tasks"]}  # tasks: a skeleton here
    assert sorted(echo_apps["cases"].message_queries) == [f"page={n}&per_page=200" for n in (1, 2, 3)]


def test_the_overview_cuts_a_very_long_conversation_and_says_so(harness, client):
    requester = harness.create_user()
    messages = client.get("/api/v1/cases/long-1234/overview", headers=harness.as_user(requester)).json["messages"]
    assert [m["id"] for m in messages["items"]] == [f"m{n}" for n in range(MAX_OVERVIEW_MESSAGES)]
    assert messages["total"] == 1234 and messages["per_page"] == MAX_OVERVIEW_MESSAGES


def test_a_page_of_the_conversation_that_fails_is_reported_with_the_pages_fetched(harness, client):
    requester = harness.create_user()
    overview = client.get("/api/v1/cases/long-999/overview", headers=harness.as_user(requester)).json
    assert [m["id"] for m in overview["messages"]["items"]] == [f"m{n}" for n in range(600)]
    assert overview["messages"]["total"] == 999
    assert overview["errors"]["messages"]["status"] == 503


def test_a_requester_gets_no_tasks_no_sla_and_no_internal_messages_in_the_overview(harness, client):
    requester = harness.create_user()
    overview = client.get("/api/v1/cases/c-2/overview", headers=harness.as_user(requester)).json
    assert [m["visibility"] for m in overview["messages"]["items"]] == ["external"]
    assert overview["tasks"] is None and overview["sla"] is None and overview["errors"] == {}


def test_an_overview_of_a_case_the_caller_may_not_see_is_404(harness, client):
    agent = harness.create_user(roles=["agent"])
    response = client.get("/api/v1/cases/hidden/overview", headers=harness.as_user(agent))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"] == "No such case."


def test_forwarded_calls_and_their_failures_are_counted_in_the_metrics(harness, client):
    user = harness.create_user()
    client.get("/api/v1/cases/echo", headers=harness.as_user(user))
    client.get("/api/v1/notifications", headers=harness.as_user(user))
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'gateway_upstream_requests_total{service="cases",status="200"}' in metrics
    assert 'gateway_upstream_requests_total{service="notify",status="503"}' in metrics
    assert 'gateway_logins_total{method="password",outcome="ok"}' in metrics


def test_a_service_that_refuses_the_gateways_identity_is_a_502_not_a_401(postgres_databases, rabbitmq_url,
                                                                          bus_namespace, identity_keys):
    from servicekit.auth import generate_keypair

    other_public_key = generate_keypair()[1]
    misconfigured = ThreadedServer(create_echo_app("cases", other_public_key, postgres_databases.create("echo"),
                                                   rabbitmq_url))
    with misconfigured:
        h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                                 CASES_URL=misconfigured.url)
        try:
            response = h.client.get("/api/v1/cases/echo", headers=h.admin)
            assert response.status_code == 502
            assert response.mimetype == "application/problem+json"
        finally:
            h.stop()
