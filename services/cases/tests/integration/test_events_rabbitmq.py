"""Events in and out through a real RabbitMQ: the worker's outbox relay and its consumer."""

import json
import time
import uuid

import pytest
from helpers import Api, World, event, make_settings, truncate_all
from kombu import Queue
from sqlalchemy import func, select

from cases.app import build_context, create_app
from cases.models import Message
from cases.worker import build_worker
from servicekit.bus import OutgoingMessage
from servicekit.inbox import inbox_table


def wait_for(condition, timeout=15.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Live:
    def __init__(self, app, sign, bus, spy):
        self.app = app
        self.api = Api(app, sign)
        self.world = World(app)
        self.bus = bus
        self.spy = spy
        self.seen = []

    @property
    def database(self):
        return self.app.extensions["servicekit"].database

    def publish(self, event_):
        self.bus.publish_many([OutgoingMessage(event_.type, event_.to_json(), event_.id)])

    def published(self, event_type, subject=None, predicate=lambda data: True, timeout=15.0):
        """The first case event of ``event_type`` (about ``subject``, if given) whose data passes ``predicate``."""
        def find():
            while (message := self.spy.get(no_ack=True)) is not None:
                self.seen.append(json.loads(message.body))
            return next((e for e in self.seen if e["type"] == event_type and subject in (None, e["subject"])
                         and predicate(e["data"])), None)

        return wait_for(find, timeout, f"{event_type} about {subject or 'a case'}")


@pytest.fixture
def live(cases_database_url, tmp_path, identity_keys, sign_identity, rabbitmq_url, bus_namespace, rabbit_bus):
    settings = make_settings(cases_database_url, str(tmp_path / "data"), identity_keys[1], amqp_url=rabbitmq_url,
                             RETRY_DELAYS="0.2,0.5", **bus_namespace)
    context = build_context(settings)
    truncate_all(context.database.engine)
    app = create_app(settings, context)
    worker = build_worker(context)
    conn = rabbit_bus.connect()
    channel = conn.channel()
    worker.consumer.topology.declare(channel)
    Queue(worker.consumer.topology.queue_name)(channel).purge()
    spy = Queue(f"{rabbit_bus.queue_prefix}spy.cases.{uuid.uuid4().hex[:6]}", exchange=rabbit_bus.exchange,
                routing_key="case.#", durable=False, auto_delete=False)(channel)
    spy.declare()
    worker.start()
    assert worker.wait_until_consuming(30)
    yield Live(app, sign_identity, rabbit_bus, spy)
    worker.stop(timeout=10)
    spy.delete()
    conn.release()
    context.database.dispose()


@pytest.fixture
def people(live):
    world = live.world

    class People:
        org = world.organisation()
        support = world.team("Support")
        agent = world.user(("agent",), teams=[support])
        requester = world.user(("requester",), organisation_id=org)

    return People


def test_the_outbox_publishes_every_change_with_the_full_case_and_its_version(live, people):
    created = live.api.as_(people.requester).post("/api/v1/cases", {"title": "Net", "description": "Nede"}).json
    envelope = live.published("case.created", created["id"])
    assert envelope["specversion"] == "1.0"
    assert envelope["source"] == "servicedesk/cases"
    data = envelope["data"]
    assert (data["number"], data["version"], data["status"], data["actor_id"], data["changes"]) == (
        created["number"], 1, "registered", people.requester.user_id, {})
    live.api.as_(people.agent).patch(f"/api/v1/cases/{created['id']}", {"assignee_id": people.agent.user_id})
    assigned = live.published("case.assigned", created["id"])["data"]
    status = live.published("case.status_changed", created["id"])["data"]
    assert assigned["version"] == status["version"] == 2
    assert assigned["changes"]["assignee_id"] == {"old": None, "new": people.agent.user_id}
    assert status["changes"]["status"] == {"old": "registered", "new": "assigned"}
    message = live.api.as_(people.agent).post(f"/api/v1/cases/{created['id']}/messages",
                                              {"body": "Intern", "visibility": "internal"}).json
    added = live.published("case.message_added", created["id"])["data"]
    assert (added["version"], added["message"]["id"], added["message"]["visibility"]) == (2, message["id"],
                                                                                          "internal")
    forward = live.api.as_(people.agent).post(f"/api/v1/cases/{created['id']}/forward", {
        "to": ["leverandoer@example.com"], "cc": ["chef@example.com"], "body": "Kan I se på netværket?"}).json
    forwarded = live.published("case.forwarded", created["id"])["data"]["message"]
    assert (forwarded["id"], forwarded["visibility"], forwarded["via"]) == (forward["id"], "internal", "forward")
    assert (forwarded["to"], forwarded["cc"], forwarded["attachment_ids"]) == (
        ["leverandoer@example.com"], ["chef@example.com"], [])


def test_resolving_and_merging_reach_the_broker_as_case_resolved_and_case_merged(live, people):
    requester, agent = live.api.as_(people.requester), live.api.as_(people.agent)
    source = requester.post("/api/v1/cases", {"title": "Skærm", "description": "Sort"}).json
    target = requester.post("/api/v1/cases", {"title": "Skærm igen", "description": "Sort"}).json
    resolved = agent.post(f"/api/v1/cases/{target['id']}/resolve", {"solution": "Kablet skiftet"}).json
    event_ = live.published("case.resolved", target["id"])["data"]
    assert (event_["version"], event_["solution_message_id"]) == (resolved["version"], resolved["solution_message_id"])
    assert event_["changes"]["status"] == {"old": "registered", "new": "resolved"}
    agent.post(f"/api/v1/cases/{target['id']}/reopen", {})
    assert agent.post(f"/api/v1/cases/{source['id']}/merge", {"into_id": target["id"]}).status == 200
    merged = live.published("case.merged", source["id"])["data"]
    assert (merged["into_id"], merged["status"], merged["merged_into_id"], merged["version"]) == (
        target["id"], "closed", target["id"], 2)
    updated = live.published("case.updated", target["id"], lambda data: "merged_from" in data)["data"]
    assert updated["merged_from"]["number"] == source["number"]


def test_closing_with_an_open_blocking_task_is_409_until_the_task_events_say_it_is_resolved(live, people):
    case = live.api.as_(people.requester).post("/api/v1/cases", {"title": "Ny PC", "description": "Bestil"}).json
    url = f"/api/v1/cases/{case['id']}"
    task = {"id": str(uuid.uuid4()), "number": "TSK 2611-0042", "case_id": case["id"], "case_number": case["number"],
            "subject": "Bestil hardware", "description": "Bestil en bærbar til Rikke", "team_id": people.support,
            "assignee_id": None, "approver_id": None, "deadline": None, "blocks_case_closure": True,
            "status": "registered", "created_by": people.agent.user_id, "version": 1, "actor_id": None,
            "changes": {}}
    live.publish(event("task.created", task, source="servicedesk/tasks"))
    wait_for(lambda: live.api.as_(people.agent).get(url).json["open_blocking_tasks"] == 1, what="blocking task")
    refused = live.api.as_(people.agent).post(f"{url}/close")
    assert refused.status == 409
    assert "TSK 2611-0042" in refused.json["detail"]
    live.publish(event("task.resolved", {**task, "status": "resolved", "version": 2}, source="servicedesk/tasks"))
    wait_for(lambda: live.api.as_(people.agent).get(url).json["open_blocking_tasks"] == 0, what="task resolved")
    assert live.api.as_(people.agent).post(f"{url}/close").status == 200
    assert live.published("case.closed", case["id"])["data"]["status"] == "closed"


def reply_mail(people, case, message_id="<svar-1@example.dk>"):
    return event("email.received", {
        "id": str(uuid.uuid4()), "message_id": message_id, "in_reply_to": None, "references": [],
        "from_email": people.requester.email, "from_name": "Rikke", "sender_user_id": people.requester.user_id,
        "to": ["support@example.dk"], "cc": [], "subject": f"SV: [{case['number']}]", "body": "Tak for svaret",
        "case_number": case["number"], "case_id": None, "matched_by": "subject", "attachments": [],
        "received_at": "2026-11-25T10:00:00Z"}, source="servicedesk/notify")


def publish_then_wait_for_a_marker(live, people, *events):
    """Publish the events and then a marker; the one consumer handles them in order, so when the marker is
    handled every event before it has been too."""
    marker = event("organisation.updated", {"id": people.org, "name": "Styrelsen", "case_visibility": "own",
                                            "mail_domains": [], "version": 1000})
    live.bus.publish_many([OutgoingMessage(e.type, e.to_json(), e.id) for e in (*events, marker)])

    def handled():
        with live.database.transaction() as session:
            return session.scalar(select(func.count()).select_from(inbox_table)
                                  .where(inbox_table.c.event_id == marker.id))

    wait_for(handled, what="the marker after the events")


def message_count(live, case):
    with live.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(Message).where(Message.case_id == case["id"]))


def test_an_email_received_event_delivered_twice_adds_one_message(live, people):
    case = live.api.as_(people.requester).post("/api/v1/cases", {"title": "Mail", "description": "Test"}).json
    inbound = reply_mail(people, case)
    publish_then_wait_for_a_marker(live, people, inbound, inbound)
    assert message_count(live, case) == 1


def test_the_same_mail_in_two_email_received_events_adds_one_message(live, people):
    case = live.api.as_(people.requester).post("/api/v1/cases", {"title": "Mail", "description": "Test"}).json
    first, second = reply_mail(people, case, "<samme@example.dk>"), reply_mail(people, case, "<samme@example.dk>")
    assert first.id != second.id
    publish_then_wait_for_a_marker(live, people, first, second)
    assert message_count(live, case) == 1


def test_a_case_opened_by_a_machine_made_mail_names_that_mail_as_its_cause(live, people):
    named = live.api.as_(people.requester).post("/api/v1/cases", {"title": "Mail", "description": "Test"}).json
    stranger = live.world.user(("requester",), organisation_id=people.org)
    bounce = event("email.received", {
        "id": str(uuid.uuid4()), "message_id": f"<{uuid.uuid4()}@bounce.example.dk>", "from_email": stranger.email,
        "from_name": "Mail Delivery System", "sender_user_id": stranger.user_id, "subject": f"[{named['number']}]",
        "body": "Delivery failed", "case_number": named["number"], "case_id": None, "auto_submitted": True,
        "attachments": []}, source="servicedesk/notify")
    live.publish(bounce)
    created = live.published("case.created", predicate=lambda data: data["related_case_id"] == named["id"])
    assert created["causationid"] == bounce.id, "notify finds the machine-made mail behind it: no receipt"
    assert created["data"]["requester_id"] == stranger.user_id


def test_auto_close_closes_a_case_still_resolved_at_the_timed_version_and_only_once(live, people):
    case = live.api.as_(people.requester).post("/api/v1/cases", {"title": "Luk", "description": "mig"}).json
    url = f"/api/v1/cases/{case['id']}"
    resolved = live.api.as_(people.agent).post(f"{url}/resolve", {}).json
    stale = event("sla.case_auto_close_due", {"case_id": case["id"], "case_version": resolved["version"] - 1},
                  source="servicedesk/sla")
    due = event("sla.case_auto_close_due", {"case_id": case["id"], "case_version": resolved["version"]},
                source="servicedesk/sla")
    live.publish(stale)
    live.publish(due)
    closed = live.published("case.closed", case["id"])["data"]
    assert (closed["actor_id"], closed["version"]) == (None, resolved["version"] + 1)
    publish_then_wait_for_a_marker(live, people, event("sla.case_auto_close_due", {
        "case_id": case["id"], "case_version": resolved["version"]}, source="servicedesk/sla"))
    final = live.api.as_(people.agent).get(url).json
    assert (final["status"], final["version"]) == ("closed", resolved["version"] + 1)


def test_auto_close_still_closes_a_resolved_case_that_was_edited_after_its_resolution(live, people):
    case = live.api.as_(people.requester).post("/api/v1/cases", {"title": "Rettet", "description": "efter"}).json
    url = f"/api/v1/cases/{case['id']}"
    resolved = live.api.as_(people.agent).post(f"{url}/resolve", {}).json
    edited = live.api.as_(people.agent).patch(url, {"priority": "high"}).json
    assert edited["version"] > resolved["version"]
    live.publish(event("sla.case_auto_close_due", {"case_id": case["id"], "case_version": resolved["version"],
                                                   "resolved_at": resolved["resolved_at"]}, source="servicedesk/sla"))
    assert live.published("case.closed", case["id"])["data"]["status"] == "closed"


def test_a_reopened_case_is_not_auto_closed_by_an_old_timer(live, people):
    case = live.api.as_(people.requester).post("/api/v1/cases", {"title": "Genåbn", "description": "x"}).json
    url = f"/api/v1/cases/{case['id']}"
    resolved = live.api.as_(people.agent).post(f"{url}/resolve", {}).json
    live.api.as_(people.requester).post(f"{url}/reopen", {})
    due = event("sla.case_auto_close_due", {"case_id": case["id"], "case_version": resolved["version"]},
                source="servicedesk/sla")
    live.publish(due)

    def handled():
        with live.database.transaction() as session:
            return session.scalar(select(func.count()).select_from(inbox_table)
                                  .where(inbox_table.c.event_id == due.id))

    wait_for(handled, what="the timer event")
    assert live.api.as_(people.agent).get(url).json["status"] == "in_progress"
