"""Merging the services' OpenAPI and AsyncAPI documents into one each (pure functions, no I/O).

Component names collide across services (``Error``, ``PaginationMetadata``): every service's
components are prefixed with its name (``CasesError``) and every ``$ref`` rewritten to match.
Only public paths (``/api/...``) owned by the service (the routing table) are kept.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from ..routing.table import service_for

COMPONENT_KINDS = ("schemas", "responses", "parameters", "examples", "requestBodies", "headers", "links",
                   "callbacks")
SHARED_SECURITY = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}


def prefix_for(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace("-", "_").split("_"))


def _rewrite_refs(node: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(node, dict):
        return {key: (rename(value) if key == "$ref" and isinstance(value, str) else _rewrite_refs(value, rename))
                for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(item, rename) for item in node]
    return node


def prefixed_openapi(service: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """The service's document with its components renamed ``<Service><Name>``."""
    prefix = prefix_for(service)

    def rename(ref: str) -> str:
        parts = ref.split("/")
        if len(parts) == 4 and parts[:2] == ["#", "components"] and parts[2] in COMPONENT_KINDS:
            return f"#/components/{parts[2]}/{prefix}{parts[3]}"
        return ref

    document = _rewrite_refs(copy.deepcopy(dict(document)), rename)
    components = document.get("components") or {}
    for kind in COMPONENT_KINDS:
        if kind in components:
            components[kind] = {f"{prefix}{name}": value for name, value in components[kind].items()}
    return document


def _owned_paths(service: str, paths: Mapping[str, Any]) -> dict[str, Any]:
    owned = {}
    for path, item in paths.items():
        if not path.startswith("/api/"):
            continue
        if service == "gateway" or service_for(path) == service:  # the gateway's own routes come first
            owned[path] = item
    return owned


def merge_openapi(documents: Mapping[str, Mapping[str, Any]], *, title: str, version: str, description: str,
                  server_url: str | None = None) -> dict[str, Any]:
    """``documents`` maps a service name (``gateway``, ``cases``, ...) to its own OpenAPI document."""
    merged: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": title, "version": version, "description": description},
        "paths": {},
        "components": {"securitySchemes": dict(SHARED_SECURITY)},
        "security": [{"bearerAuth": []}],
        "tags": [],
    }
    if server_url:
        merged["servers"] = [{"url": server_url.rstrip("/")}]
    seen_tags: set[str] = set()
    for service in sorted(documents, key=lambda s: (s != "gateway", s)):
        document = prefixed_openapi(service, documents[service])
        for path, item in sorted(_owned_paths(service, document.get("paths") or {}).items()):
            existing = merged["paths"].setdefault(path, {})
            existing.update({method: op for method, op in item.items() if method not in existing})
        for kind, entries in (document.get("components") or {}).items():
            if kind == "securitySchemes":
                continue
            merged["components"].setdefault(kind, {}).update(entries)
        for tag in document.get("tags") or []:
            if tag["name"] not in seen_tags:
                seen_tags.add(tag["name"])
                merged["tags"].append({**tag, "x-service": service})
    merged["paths"] = dict(sorted(merged["paths"].items()))
    return merged


def merge_asyncapi(documents: Mapping[str, Mapping[str, Any]], *, title: str, version: str) -> dict[str, Any]:
    """One AsyncAPI 3.0 document: every service's channels, operations and messages (event types are
    unique to their publisher, so their keys do not collide)."""
    merged: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": version,
                 "description": "Events on the topic exchange servicedesk.events: CloudEvents 1.0 in structured "
                                "JSON mode, routing key = event type, published through each service's outbox."},
        "defaultContentType": "application/cloudevents+json",
        "channels": {},
        "operations": {},
        "components": {"messages": {}},
    }
    for service in sorted(documents):
        document = _prefixed_schemas(service, documents[service])
        merged["channels"].update(document.get("channels") or {})
        merged["operations"].update(document.get("operations") or {})
        components = document.get("components") or {}
        merged["components"]["messages"].update(components.get("messages") or {})
        if components.get("schemas"):
            merged["components"].setdefault("schemas", {}).update(components["schemas"])
    for key in ("channels", "operations"):
        merged[key] = dict(sorted(merged[key].items()))
    for kind in ("messages", "schemas"):
        if kind in merged["components"]:
            merged["components"][kind] = dict(sorted(merged["components"][kind].items()))
    return merged


def _prefixed_schemas(service: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """An AsyncAPI document with its shared schemas renamed ``<Service><Name>`` (messages keep their keys)."""
    prefix = prefix_for(service)

    def rename(ref: str) -> str:
        head = "#/components/schemas/"
        return f"{head}{prefix}{ref[len(head):]}" if ref.startswith(head) else ref

    document = _rewrite_refs(copy.deepcopy(dict(document)), rename)
    components = document.get("components") or {}
    if "schemas" in components:
        components["schemas"] = {f"{prefix}{name}": value for name, value in components["schemas"].items()}
    return document
