from datetime import timedelta

import pytest
from flask_smorest import Blueprint
from ledger import make_context
from marshmallow import Schema, fields

from servicekit import errors
from servicekit.auth import IDENTITY_HEADER, Identity, IdentitySigner, generate_keypair
from servicekit.web import create_service_app, current_identity

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


def test_readiness_fails_when_the_database_is_unreachable(tmp_path):
    app = make_app(tmp_path)
    from servicekit.db import Database

    app.extensions["servicekit"].database = Database(f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("failed")
