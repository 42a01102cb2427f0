import io
import json
import logging
from datetime import timedelta

import pytest
from flask import request
from flask_smorest import Blueprint, abort
from ledger import add_entry_and_event, create_schema, make_context
from marshmallow import Schema, fields

from servicekit import errors
from servicekit.auth import IDENTITY_HEADER, Identity, IdentitySigner, IdentityVerifier, generate_keypair
from servicekit.logs import log_handler
from servicekit.web import ApiBlueprint, create_service_app, current_identity

PRIVATE, PUBLIC = generate_keypair()


class ThingCreate(Schema):
    title = fields.String(required=True)


def make_app(tmp_path):
    from servicekit.auth import IdentityVerifier

    blp = Blueprint("things", __name__, url_prefix="/api/v1")

    @blp.route("/things", methods=["POST"])
    @blp.arguments(ThingCreate)
    @blp.response(201, ThingCreate)
    def create(data):
        current_identity()
        return data

    @blp.route("/conflict")
    def conflict():
        raise errors.Conflict("The case has open blocking tasks.", tasks=["TSK 2611-0001"])

    @blp.route("/boom")
    def boom():
        raise RuntimeError("secret stack detail")

    @blp.route("/files", methods=["POST"])
    def upload():
        current_identity()
        return {"names": sorted(f.filename for f in request.files.values())}, 201

    @blp.route("/refused")
    def refused():
        raise errors.Forbidden()

    @blp.route("/logged")
    def logged():
        logging.getLogger("things").info("looked at")
        return {}

    @blp.route("/me")
    def me():
        identity = current_identity()
        return {"id": identity.user_id, "roles": sorted(identity.roles)}

    context = make_context(f"sqlite:///{tmp_path}/web.db", "memory://", "x", "", name="things")
    context.verifier = IdentityVerifier(PUBLIC, audience="things")
    return create_service_app(import_name=__name__, context=context, blueprints=[blp], title="things")


@pytest.fixture
def client(tmp_path):
    return make_app(tmp_path).test_client()


def token(audience="things", private=PRIVATE, ttl=60, **fields):
    identity = Identity(user_id="u-1", roles=frozenset({"agent"}), **fields)
    return IdentitySigner(private, ttl=timedelta(seconds=ttl)).sign(identity, audience)


def test_unknown_path_is_a_problem_document(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert set(response.json) >= {"type", "title", "status", "detail"}


def test_wrong_method_is_405_problem_with_allow_header(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_api_refuses_calls_without_the_gateways_identity(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "bad_token",
    [
        "not-a-jwt",
        token(audience="tasks"),
        token(ttl=-60),
        token(private=generate_keypair()[0]),
    ],
    ids=["garbage", "other-audience", "expired", "forged"],
)
def test_forged_expired_or_misdirected_identity_is_401(client, bad_token):
    response = client.get("/api/v1/me", headers={IDENTITY_HEADER: bad_token})
    assert response.status_code == 401


def test_valid_identity_reaches_the_view(client):
    response = client.get("/api/v1/me", headers={IDENTITY_HEADER: token()})
    assert response.status_code == 200
    assert response.json == {"id": "u-1", "roles": ["agent"]}


def test_validation_errors_name_the_fields(client):
    response = client.post("/api/v1/things", json={}, headers={IDENTITY_HEADER: token(), "Accept-Language": "en"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"] == {"title": ["Missing data for required field."]}


def test_titles_and_field_messages_follow_accept_language(client):
    response = client.post("/api/v1/things", json={}, headers={IDENTITY_HEADER: token(), "Accept-Language": "da"})
    assert response.json["title"] == "Indtastningen bryder en regel"
    assert response.json["errors"]["title"] == ["Feltet skal udfyldes."]
    english = client.get("/nowhere", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert english.json["title"] == "Not found"
    danish = client.get("/nowhere")
    assert danish.json["title"] == "Ikke fundet"


def test_domain_errors_carry_their_extra_members(client):
    response = client.get("/api/v1/conflict", headers={IDENTITY_HEADER: token()})
    assert response.status_code == 409
    assert response.json["tasks"] == ["TSK 2611-0001"]


def test_unexpected_errors_never_show_a_stack_trace(client):
    response = client.get("/api/v1/boom", headers={IDENTITY_HEADER: token()})
    assert response.status_code == 500
    assert "secret stack detail" not in response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"


def test_request_id_is_kept_or_made(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_health_ready_and_metrics(client):
    assert client.get("/healthz").json["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["checks"] == {"database": "ok", "broker": "ok"}
    assert b"http_requests_total" in client.get("/metrics").data


def test_the_web_process_metrics_count_the_outbox_too(tmp_path):
    app = make_app(tmp_path)
    database = app.extensions["servicekit"].database
    create_schema(database)
    with database.transaction() as session:
        for kind in ("created", "updated", "closed"):
            add_entry_and_event(session, kind)
    assert "outbox_pending_events 3.0" in app.test_client().get("/metrics").text


def test_readiness_fails_when_the_database_is_unreachable(tmp_path):
    app = make_app(tmp_path)
    from servicekit.db import Database

    app.extensions["servicekit"].database = Database(f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("failed")


def test_a_body_that_is_not_json_is_415_on_an_endpoint_that_reads_json(client):
    for headers in ({"Content-Type": "text/plain"}, {}):
        response = client.post("/api/v1/things", data="title=x", headers={IDENTITY_HEADER: token(), **headers})
        assert response.status_code == 415, headers
        assert response.mimetype == "application/problem+json"
        assert response.json["detail"]


def test_json_in_any_json_media_type_is_read(client):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = client.post("/api/v1/things", data='{"title": "x"}',
                               headers={IDENTITY_HEADER: token(), "Content-Type": content_type})
        assert response.status_code == 201, content_type


def test_an_upload_endpoint_still_takes_multipart(client):
    response = client.post("/api/v1/files", data={"file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
                           headers={IDENTITY_HEADER: token()}, content_type="multipart/form-data")
    assert response.status_code == 201
    assert response.json == {"names": ["a.pdf"]}


def test_malformed_json_is_400_and_says_so(client):
    response = client.post("/api/v1/things", data='{"title": ', headers={IDENTITY_HEADER: token(),
                           "Content-Type": "application/json", "Accept-Language": "en"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"] == "The body is not valid JSON."


def test_every_error_answer_has_a_detail(client, tmp_path):
    assert client.get("/api/v1/refused", headers={IDENTITY_HEADER: token()}).json["detail"]
    app = make_app(tmp_path)

    @app.get("/teapot")
    def teapot():
        abort(418)

    @app.get("/gone")
    def gone():
        abort(410)

    for path, status in (("/teapot", 418), ("/gone", 410)):
        response = app.test_client().get(path)
        assert response.status_code == status
        assert response.json["detail"], path


def test_json_log_records_carry_the_request_id_and_the_trace_id_of_the_traceparent(client):
    stream = io.StringIO()
    handler = log_handler("json", stream)
    logger = logging.getLogger("things")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    try:
        client.get("/api/v1/logged", headers={IDENTITY_HEADER: token(), "X-Request-ID": "req-42",
                                              "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
        client.get("/api/v1/logged", headers={IDENTITY_HEADER: token(), "traceparent": "garbage"})
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "looked at"
    assert (first["request_id"], first["trace_id"], first["service"]) == ("req-42", trace_id, "things")
    assert len(second["trace_id"]) == 32 and second["trace_id"] != trace_id
    assert len(second["request_id"]) == 32


def test_an_api_blueprint_makes_each_argument_schema_once_and_not_for_every_request(tmp_path):
    made = []

    class CountedThing(ThingCreate):
        def __init__(self, *args, **kwargs):
            made.append(self)
            super().__init__(*args, **kwargs)

    blp = ApiBlueprint("counted", __name__, url_prefix="/api/v1")

    @blp.route("/counted", methods=["POST"])
    @blp.arguments(CountedThing)
    @blp.response(201, ThingCreate)
    def create(data):
        return data

    context = make_context(f"sqlite:///{tmp_path}/web.db", "memory://", "x", "", name="things")
    context.verifier = IdentityVerifier(PUBLIC, audience="things")
    client = create_service_app(import_name=__name__, context=context, blueprints=[blp], title="things").test_client()
    made_before_requests = len(made)
    for title in ("a", "b", "c"):
        answer = client.post("/api/v1/counted", json={"title": title}, headers={IDENTITY_HEADER: token()})
        assert (answer.status_code, answer.get_json()) == (201, {"title": title})
    assert client.post("/api/v1/counted", json={}, headers={IDENTITY_HEADER: token()}).status_code == 422
    assert len(made) == made_before_requests == 1
