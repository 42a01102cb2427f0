"""webauth.api() sends files and streams downloads through the routing, like an outside caller."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from flask import Blueprint, Response, jsonify, request
from gatewaykit import GatewayHarness
from servers import ThreadedServer
from servicekit_echo import create_echo_app

from gateway import webauth

PAGES = Blueprint("file_pages", __name__)


@PAGES.route("/log-ind", methods=["GET", "POST"])
def log_in():
    if request.method == "POST":
        webauth.sign_in(webauth.authenticate_password(request.form["email"], request.form["password"]))
        return "", 204
    return webauth.csrf_token()


@PAGES.route("/upload", methods=["POST"])
@webauth.login_required
def upload():
    answer = webauth.api().post("/api/v1/cases/upload", files={"file": request.files["file"]})
    return jsonify(status=answer.status, body=answer.body)


@PAGES.route("/download")
@webauth.login_required
def download():
    answer = webauth.api().get("/api/v1/cases/download", params={"size": request.args["size"]}, stream=True)
    return Response(answer.stream, status=answer.status, headers={
        "Content-Type": answer.headers["Content-Type"], "Content-Disposition": answer.headers["Content-Disposition"]})


@pytest.fixture(scope="module")
def harness(postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    echo = ThreadedServer(create_echo_app("cases", identity_keys[1], postgres_databases.create("echo"),
                                          rabbitmq_url))
    with echo:
        h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys,
                                 CASES_URL=echo.url)
        h.app.register_blueprint(PAGES)
        yield h
        h.stop()


def _signed_in_client(harness):
    user = harness.create_user()
    client = harness.app.test_client()
    token = client.get("/log-ind").get_data(as_text=True)
    assert client.post("/log-ind", data={"email": user["email"], "password": user["password"],
                                         "csrf_token": token}).status_code == 204
    return client, client.get("/log-ind").get_data(as_text=True)  # a new session has a new CSRF token


def test_a_page_uploads_a_file_through_the_public_api(harness):
    client, token = _signed_in_client(harness)
    payload = b"%PDF-1.7 " + bytes(range(256)) * 1000
    response = client.post("/upload", data={"file": (io.BytesIO(payload), "faktura.pdf", "application/pdf"),
                                            "csrf_token": token}, content_type="multipart/form-data")
    answer = response.json
    assert answer["status"] == 201, answer
    # the echo service hashes the raw multipart body it received: the file is inside it, whole
    assert answer["body"]["size"] > len(payload)
    assert re.fullmatch(r"[0-9a-f]{64}", answer["body"]["sha256"])


def test_a_page_streams_a_download_from_the_public_api(harness):
    client, _token = _signed_in_client(harness)
    size = 3 * 1024 * 1024 + 17
    response = client.get(f"/download?size={size}")
    assert response.status_code == 200
    body = response.get_data()
    assert len(body) == size
    expected = (bytes(range(256)) * 256 * ((size // 65536) + 1))[:size]
    assert hashlib.sha256(body).digest() == hashlib.sha256(expected).digest()
    assert response.headers["Content-Disposition"] == 'attachment; filename="x.bin"'
