"""The merged API documentation, from real service apps over HTTP."""

from __future__ import annotations

import contextlib
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import urllib3
from gatewaykit import GatewayHarness, start_service_app
from node_tools import asyncapi_errors
from openapi_spec_validator import validate
from servers import ThreadedServer

from gateway.apidocs.files import render, repository_documents
from gateway.apidocs.sources import fetch_from_services
from gateway.routing.upstream import Upstreams

SERVICES = ("cases", "tasks", "notify", "sla")
REPOSITORY = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def system(postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    apps = {name: start_service_app(name, postgres_databases.create(name), rabbitmq_url, bus_namespace,
                                    identity_keys[1]) for name in SERVICES}
    servers = {name: ThreadedServer(app) for name, app in apps.items()}
    for server in servers.values():
        server.__enter__()
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                             **{f"{name.upper()}_URL": server.url for name, server in servers.items()})
    yield h, apps
    h.stop()
    for server in servers.values():
        server.stop()


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _public_rules(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith(("routing.", "apidocs.")):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((_openapi_path(rule.rule), method.lower()))
    return routes


def test_the_merged_openapi_document_validates_and_lists_every_public_route_of_every_service(system):
    h, apps = system
    response = h.client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json
    validate(document)
    assert "x-unavailable-services" not in document["info"]
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    for name, app in {**apps, "gateway": h.app}.items():
        missing = _public_rules(app) - documented
        assert not missing, f"{name} routes missing from /api/openapi.json: {sorted(missing)}"


def test_only_the_routes_that_answer_without_credentials_are_documented_without_a_bearer_token(system):
    h, _apps = system
    document = h.client.get("/api/openapi.json").json
    assert document["security"] == [{"bearerAuth": []}]
    open_routes = {(path, method) for path, item in document["paths"].items() for method, operation in item.items()
                   if method != "parameters" and operation.get("security") == []}
    assert open_routes == {("/api/v1/auth/token", "post"), ("/api/v1/auth/password-reset", "post"),
                           ("/api/v1/auth/password-reset/confirm", "post"), ("/api/v1/auth/register", "post")}


def _document_after(seconds: float):
    """A service whose ``/openapi.json`` answers after ``seconds``."""
    def app(environ, start_response):
        time.sleep(seconds)
        body = json.dumps({"openapi": "3.0.3", "slept": seconds}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def test_the_services_documents_are_fetched_in_parallel_and_a_slow_one_is_left_out():
    delays = {"cases": 1.0, "tasks": 1.0, "notify": 1.0, "sla": 4.0}
    servers = {name: ThreadedServer(_document_after(seconds)) for name, seconds in delays.items()}
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(4) as pool:
        for server in servers.values():
            stack.enter_context(server)
        upstreams = Upstreams({name: server.url for name, server in servers.items()}, connect_timeout=1,
                              read_timeout=30)
        started = time.monotonic()
        documents, missing = fetch_from_services(upstreams, "/openapi.json", pool,
                                                 timeout=urllib3.Timeout(connect=1, read=2))
        took = time.monotonic() - started
    assert missing == ["sla"] and sorted(documents) == ["cases", "notify", "tasks"]
    assert 1.0 <= took < 3.0  # one second each at the same time (not three), and not the four of the slow one


def test_the_merged_asyncapi_document_lists_the_identity_events(system):
    h, _apps = system
    document = h.client.get("/api/asyncapi.json").json
    assert document["asyncapi"] == "3.0.0"
    assert {"user.created", "user.updated", "organisation.created", "team.member_added"} <= {
        channel["address"] for channel in document["channels"].values()}


def test_the_merged_asyncapi_document_passes_the_asyncapi_parser(system, tmp_path):
    h, _apps = system
    assert asyncapi_errors(h.client.get("/api/asyncapi.json").json, tmp_path) == []
    committed = json.loads((REPOSITORY / "docs" / "asyncapi.json").read_text(encoding="utf-8"))
    assert asyncapi_errors(committed, tmp_path) == []


def test_an_unreachable_service_is_named_in_the_document(postgres_databases, rabbitmq_url, bus_namespace,
                                                         identity_keys):
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                             CASES_URL="http://127.0.0.1:9", UPSTREAM_CONNECT_TIMEOUT="0.5")
    try:
        document = h.client.get("/api/openapi.json").json
        assert "cases" in document["info"]["x-unavailable-services"]
        validate(document)
    finally:
        h.stop()


def test_the_browsable_documentation_is_served_locally(system):
    h, _apps = system
    page = h.client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "http" not in html.replace('lang="da"', "")  # no CDN: every asset from this server
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert h.client.get(asset).status_code == 200, asset
    assert h.client.get("/api/docs/static/../app.py").status_code == 404


def test_the_committed_documents_are_current():
    for name, document in repository_documents().items():
        committed = (REPOSITORY / "docs" / name).read_text(encoding="utf-8")
        assert json.loads(committed) == json.loads(render(document)), (
            f"docs/{name} is out of date: run `.venv/bin/gateway-manage write-docs`")
