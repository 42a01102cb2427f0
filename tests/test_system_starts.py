"""The real topology comes up: every service's web and worker processes, migrated, ready."""

import requests


def test_every_service_is_ready_behind_the_gateway(system):
    for name in ("gateway", "cases", "tasks", "notify", "sla"):
        response = requests.get(f"{system.url_of(name)}/readyz", timeout=5)
        assert response.status_code == 200, (name, response.text)
        assert response.json()["checks"] == {"database": "ok", "broker": "ok"}
        metrics = requests.get(f"{system.url_of(name)}/metrics", timeout=5)
        assert "http_requests_total" in metrics.text


def test_a_service_called_directly_without_the_gateways_proof_refuses(system):
    for name in ("cases", "tasks", "notify", "sla"):
        response = requests.get(f"{system.url_of(name)}/api/v1/anything", timeout=5,
                                headers={"X-Servicedesk-Identity": "forged"})
        assert response.status_code == 401, name
        assert response.headers["Content-Type"].startswith("application/problem+json")
