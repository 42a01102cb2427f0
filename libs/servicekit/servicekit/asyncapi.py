"""AsyncAPI 3.0 description of the events a service publishes, built from the
same marshmallow schemas that document its HTTP API."""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

ENVELOPE = {
    "type": "object",
    "required": ["specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"],
    "properties": {
        "specversion": {"type": "string", "const": "1.0"},
        "id": {"type": "string", "format": "uuid"},
        "source": {"type": "string", "examples": ["servicedesk/cases"]},
        "type": {"type": "string"},
        "time": {"type": "string", "format": "date-time"},
        "subject": {"type": "string", "description": "The id of the aggregate the event is about"},
        "datacontenttype": {"type": "string", "const": "application/json"},
        "correlationid": {"type": "string"},
        "causationid": {"type": "string"},
        "traceparent": {"type": "string"},
    },
}


def _converter():
    from apispec import APISpec

    plugin = MarshmallowPlugin()
    spec = APISpec("events", "1", "3.0.3", plugins=[plugin])
    return plugin.converter, spec


def asyncapi_document(title: str, version: str, service: str, published: dict[str, Any]) -> dict[str, Any]:
    converter, spec = _converter() if published else (None, None)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type, schema in sorted(published.items()):
        key = event_type.replace(".", "_")
        data_schema = converter.schema2jsonschema(schema() if isinstance(schema, type) else schema) if isinstance(
            schema, (Schema, type)) else (schema or {"type": "object"})
        payload = {**ENVELOPE, "properties": {**ENVELOPE["properties"], "data": data_schema,
                                              "type": {"type": "string", "const": event_type},
                                              "source": {"type": "string", "const": f"servicedesk/{service}"}}}
        messages[key] = {"name": event_type, "contentType": "application/cloudevents+json", "payload": payload}
        channels[key] = {
            "address": event_type,
            "description": f"Routing key {event_type} on the topic exchange servicedesk.events",
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        }
        operations[f"publish_{key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
        }
    components: dict[str, Any] = {"messages": messages}
    # nested schemas are written once as "#/components/schemas/<Name>" references: keep their definitions
    nested = spec.to_dict().get("components", {}).get("schemas") if spec is not None else None
    if nested:
        components["schemas"] = nested
    return {
        "asyncapi": "3.0.0",
        "info": {"title": f"{title} events", "version": version},
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": components,
    }
