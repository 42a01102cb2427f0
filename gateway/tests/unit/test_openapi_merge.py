"""Merging the services' OpenAPI documents: prefixed components, rewritten references, owned paths only."""

from __future__ import annotations

from openapi_spec_validator import validate

from gateway.apidocs.merge import merge_asyncapi, merge_openapi


def _document(paths: dict, schema_name: str = "Error") -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "x", "version": "1"},
        "paths": paths,
        "components": {"schemas": {schema_name: {"type": "object", "properties": {"detail": {"type": "string"}}}},
                       "responses": {"DEFAULT_ERROR": {"description": "err", "content": {"application/json": {
                           "schema": {"$ref": f"#/components/schemas/{schema_name}"}}}}}},
        "tags": [{"name": "things"}],
    }


def _get(ref_kind: str = "responses") -> dict:
    return {"get": {"responses": {"default": {"$ref": "#/components/responses/DEFAULT_ERROR"},
                                  "200": {"description": "ok"}}}}


def test_colliding_component_names_are_prefixed_per_service_and_references_follow():
    merged = merge_openapi({
        "cases": _document({"/api/v1/cases": _get()}),
        "tasks": _document({"/api/v1/tasks": _get()}),
    }, title="t", version="1", description="d")
    validate(merged)
    assert set(merged["components"]["schemas"]) == {"CasesError", "TasksError"}
    cases_default = merged["paths"]["/api/v1/cases"]["get"]["responses"]["default"]["$ref"]
    assert cases_default == "#/components/responses/CasesDEFAULT_ERROR"
    tasks_error = merged["components"]["responses"]["TasksDEFAULT_ERROR"]
    assert tasks_error["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/TasksError"


def test_only_public_paths_the_service_owns_are_kept():
    merged = merge_openapi({
        "cases": _document({"/api/v1/cases": _get(), "/api/v1/tasks": _get(), "/internal/v1/x": _get()}),
        "tasks": _document({"/api/v1/cases/{case_id}/tasks": _get()}),
        "gateway": _document({"/api/v1/users": _get(), "/api/v1/cases/{case_id}/overview": _get()}),
    }, title="t", version="1", description="d")
    assert set(merged["paths"]) == {"/api/v1/cases", "/api/v1/cases/{case_id}/tasks", "/api/v1/users",
                                    "/api/v1/cases/{case_id}/overview"}


def test_asyncapi_documents_are_merged_by_event_type():
    cases = {"channels": {"case_created": {"address": "case.created"}},
             "operations": {"publish_case_created": {"action": "send"}},
             "components": {"messages": {"case_created": {"name": "case.created"}}}}
    gateway = {"channels": {"user_created": {"address": "user.created"}}, "operations": {},
               "components": {"messages": {"user_created": {"name": "user.created"}}}}
    merged = merge_asyncapi({"cases": cases, "gateway": gateway}, title="events", version="1")
    assert list(merged["channels"]) == ["case_created", "user_created"]
    assert merged["asyncapi"] == "3.0.0" and set(merged["components"]["messages"]) == {"case_created", "user_created"}
