"""The AsyncAPI document of a service's events, built from marshmallow schemas."""

from marshmallow import Schema, fields

from servicekit.asyncapi import asyncapi_document


class Member(Schema):
    user_id = fields.String(required=True)


class TeamData(Schema):
    id = fields.String(required=True)
    members = fields.List(fields.Nested(Member))


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_every_reference_to_a_nested_schema_resolves_within_the_document():
    document = asyncapi_document("t", "1", "teams", {"team.created": TeamData})
    for ref in _refs(document):
        node = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
    assert "Member" in document["components"]["schemas"]
