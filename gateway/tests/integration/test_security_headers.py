"""Security headers on every answer, and CORS for the configured origins."""

from __future__ import annotations

import pytest
from gatewaykit import GatewayHarness


@pytest.fixture(scope="module")
def harness(postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                             CORS_ORIGINS="https://portal.example.dk, https://intra.example.dk",
                             PUBLIC_URL="https://servicedesk.example.dk")
    yield h
    h.stop()


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/nowhere", "/healthz", "/log-ind", "/api/openapi.json"])
def test_every_answer_carries_the_security_headers(harness, client, path):
    response = client.get(path)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_api_answers_may_run_nothing(harness, client):
    policy = client.get("/api/v1/me", headers=harness.admin).headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy


def test_no_hsts_over_plain_http(postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys)
    try:
        assert "Strict-Transport-Security" not in h.client.get("/healthz").headers
    finally:
        h.stop()


def test_a_configured_origin_may_call_the_api_from_a_browser(harness, client):
    preflight = client.options("/api/v1/me", headers={
        "Origin": "https://portal.example.dk", "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "Authorization, Content-Type, If-Match"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://portal.example.dk"
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    actual = client.get("/api/v1/me", headers={**harness.admin, "Origin": "https://intra.example.dk"})
    assert actual.headers["Access-Control-Allow-Origin"] == "https://intra.example.dk"
    assert "X-Request-ID" in actual.headers["Access-Control-Expose-Headers"]


def test_another_origin_gets_no_cors_permission(harness, client):
    response = client.get("/api/v1/me", headers={**harness.admin, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options("/api/v1/me", headers={"Origin": "https://evil.example",
                                                      "Access-Control-Request-Method": "DELETE"})
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_web_pages_are_not_opened_to_other_origins(harness, client):
    response = client.get("/log-ind", headers={"Origin": "https://portal.example.dk"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_huge_body_to_a_gateway_endpoint_is_413_problem(harness, client):
    response = client.post("/api/v1/organisations", headers=harness.admin, data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                           content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_browser_may_preflight_a_forwarded_route(harness, client):
    preflight = client.options("/api/v1/cases/123/messages", headers={
        "Origin": "https://portal.example.dk", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://portal.example.dk"
