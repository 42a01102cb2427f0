import json

import pytest

from servicekit.bus import topic_matches
from servicekit.events import Event, MalformedEvent


def test_envelope_is_cloudevents_structured_json_of_the_contract():
    event = Event.new("case.created", service="cases", subject="c-1", data={"id": "c-1", "version": 1})
    body = json.loads(event.to_json())
    assert body["specversion"] == "1.0"
    assert body["source"] == "servicedesk/cases"
    assert body["type"] == "case.created"
    assert body["subject"] == "c-1"
    assert body["datacontenttype"] == "application/json"
    assert body["data"] == {"id": "c-1", "version": 1}
    assert body["time"].endswith("Z")


def test_envelope_round_trips():
    event = Event.new("task.resolved", service="tasks", subject="t", data={"text": "Løst på ærø", "version": 3})
    again = Event.from_json(event.to_json())
    assert again.id == event.id
    assert again.data["text"] == "Løst på ærø"
    assert again.version == 3


@pytest.mark.parametrize(
    "body", [b"not json", b"{}", b'{"specversion":"1.0","id":"1","source":"s","type":"t","data":[1]}']
)
def test_malformed_bodies_are_refused(body):
    with pytest.raises(MalformedEvent):
        Event.from_json(body)


@pytest.mark.parametrize(
    "pattern,key,expected",
    [
        ("case.*", "case.created", True),
        ("case.*", "case.message.added", False),
        ("case.#", "case.message.added", True),
        ("#", "anything.at.all", True),
        ("*.created", "task.created", True),
        ("task.created", "task.updated", False),
        ("case.#.added", "case.added", True),
    ],
)
def test_topic_patterns_match_like_rabbitmq(pattern, key, expected):
    assert topic_matches(pattern, key) is expected
