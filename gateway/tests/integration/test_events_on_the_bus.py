"""The identity events leave through the gateway's outbox and worker onto RabbitMQ."""

from __future__ import annotations

import json
import time

import pytest
from kombu import Queue

from gateway.worker import build_worker


@pytest.fixture
def spy(harness, rabbit_bus, request):
    """A queue bound to the identity events of this run's exchange."""
    conn = rabbit_bus.connect()
    queue = Queue(f"{rabbit_bus.queue_prefix}gwspy.{request.node.name}"[:200], exchange=rabbit_bus.exchange,
                  routing_key="#", durable=False, auto_delete=False)
    bound = queue(conn.channel())
    bound.declare()
    bound.purge()
    received: list[dict] = []

    def messages(until, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while (message := bound.get(no_ack=True)) is not None:
                received.append(json.loads(message.body))
            if until(received):
                return received
            time.sleep(0.05)
        return received

    yield messages
    bound.delete()
    conn.release()


@pytest.fixture
def worker(harness):
    worker = build_worker(harness.context)
    worker.start()
    yield worker
    worker.stop(timeout=10)


def test_user_team_and_organisation_events_reach_the_broker_with_their_versions(harness, spy, worker):
    org = harness.create_organisation(mail_domains=["bus.example.dk"])
    team = harness.create_team()
    agent = harness.create_user(roles=["agent"], organisation_id=org["id"])
    harness.add_member(team, agent, dispatcher=True)

    def complete(events):
        return {("team.member_added", team["id"]), ("user.updated", agent["id"])} <= {
            (e["type"], e["subject"]) for e in events}

    events = spy(complete)
    mine = [e for e in events if e["subject"] in {org["id"], team["id"], agent["id"]}]
    kinds = [(e["type"], e["data"]["version"]) for e in mine]
    assert ("organisation.created", 1) in kinds and ("team.created", 1) in kinds and ("user.created", 1) in kinds
    assert ("team.member_added", 2) in kinds and ("user.updated", 2) in kinds
    member_added = next(e for e in mine if e["type"] == "team.member_added")
    assert member_added["data"]["members"] == [{"user_id": agent["id"], "dispatcher": True}]
    assert member_added["specversion"] == "1.0" and member_added["source"] == "servicedesk/gateway"
    user_updated = next(e for e in mine if e["type"] == "user.updated")
    assert user_updated["data"]["team_ids"] == [team["id"]]
    assert user_updated["data"]["changes"]["team_ids"] == {"old": [], "new": [team["id"]]}


def test_organisation_and_team_changes_reach_the_broker_as_updated_events(harness, client, spy, worker):
    org = harness.create_organisation(case_visibility="own")
    team = harness.create_team()
    assert client.patch(f"/api/v1/organisations/{org['id']}", json={"case_visibility": "organisation"},
                        headers=harness.admin).status_code == 200
    assert client.patch(f"/api/v1/teams/{team['id']}", json={"name": f"{team['name']} 2"},
                        headers=harness.admin).status_code == 200
    wanted = {("organisation.updated", org["id"]), ("team.updated", team["id"])}
    events = spy(lambda received: wanted <= {(e["type"], e["subject"]) for e in received})
    updated = {e["type"]: e["data"] for e in events if (e["type"], e["subject"]) in wanted}
    assert updated["organisation.updated"]["case_visibility"] == "organisation"
    assert updated["organisation.updated"]["version"] == 2
    assert updated["organisation.updated"]["changes"] == {"case_visibility": {"old": "own", "new": "organisation"}}
    assert updated["team.updated"]["name"] == f"{team['name']} 2" and updated["team.updated"]["version"] == 2
