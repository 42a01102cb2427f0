"""The OpenAPI and AsyncAPI documents the gateway merges."""

from openapi_spec_validator import validate

from cases.events import PUBLISHED_EVENTS


def test_the_openapi_document_is_valid_and_lists_every_public_route(app):
    document = app.test_client().get("/openapi.json").get_json()
    validate(document)
    paths = set(document["paths"])
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/by-number/{number}",
            "/api/v1/cases/{case_id}/messages", "/api/v1/cases/{case_id}/attachments",
            "/api/v1/cases/{case_id}/attachments/{attachment_id}", "/api/v1/cases/{case_id}/shares",
            "/api/v1/cases/{case_id}/shares/{user_id}", "/api/v1/cases/{case_id}/resolve",
            "/api/v1/cases/{case_id}/reopen", "/api/v1/cases/{case_id}/close", "/api/v1/cases/{case_id}/merge",
            "/api/v1/cases/{case_id}/forward", "/api/v1/cases/{case_id}/history", "/api/v1/cases/bulk",
            "/api/v1/cases/stats", "/api/v1/reply-templates", "/api/v1/routing-rules",
            "/api/v1/routing-rules/default-team", "/api/v1/priority-matrix"} <= paths
    upload = document["paths"]["/api/v1/cases/{case_id}/attachments"]["post"]["requestBody"]
    assert "multipart/form-data" in upload["content"]


def test_the_asyncapi_document_describes_every_published_event(app):
    document = app.test_client().get("/asyncapi.json").get_json()
    assert document["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == set(PUBLISHED_EVENTS)
    forwarded = document["components"]["messages"]["case_forwarded"]["payload"]["properties"]["data"]
    assert "message" in forwarded["properties"]


def test_a_bad_message_id_on_an_upload_is_422_naming_the_field(api, office):
    import io

    case = api.as_(office.requester).post("/api/v1/cases", {"title": "t", "description": "d"}).json
    answer = api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/attachments",
                                            data={"file": (io.BytesIO(b"x"), "x.txt"), "message_id": "nope"},
                                            content_type="multipart/form-data", headers={"Accept-Language": "da"})
    assert answer.status == 422
    assert answer.json["errors"] == {"message_id": ["Ikke et gyldigt UUID."]}
