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
    form = component(document, upload["content"]["multipart/form-data"]["schema"])
    assert form["properties"]["file"] == {"type": "string", "format": "binary"}
    assert set(form["properties"]) == {"file", "message_id", "visibility"}
    assert form["required"] == ["file"]
    refused = document["paths"]["/api/v1/cases/{case_id}/close"]["post"]["responses"]["409"]
    problem = component(document, refused["content"]["application/problem+json"]["schema"])
    assert {"type", "title", "status", "detail", "tasks"} <= set(problem["properties"])
    task = component(document, problem["properties"]["tasks"]["items"])
    assert set(task["properties"]) == {"id", "number", "subject", "status"}
    assert "409" in document["paths"]["/api/v1/cases/{case_id}"]["patch"]["responses"]
    reply = document["paths"]["/api/v1/cases/{case_id}/messages"]["post"]["requestBody"]
    ids = component(document, reply["content"]["application/json"]["schema"])["properties"]["attachment_ids"]
    assert (ids["type"], ids["items"]["format"]) == ("array", "uuid")


def component(document, schema):
    """The schema a ``$ref`` names (or the schema itself when it is written out)."""
    if "$ref" not in schema:
        return schema
    return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


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
