"""Seed 001's four hand-over workflows, task side, with real events: case events come in over RabbitMQ,
task events go out through the outbox relay.  Support (Sofie, dispatcher Svend) and operations ("drift":
dispatcher Dorte, agent Anders)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from tasks_testkit import case_data, task_body

from tasks.models import CaseReplica

pytestmark = pytest.mark.usefixtures("worker")


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def numbers_in(page: dict) -> list[str]:
    return [task["number"] for task in page["items"]]


def test_support_hands_a_task_to_operations_and_closes_the_case(as_, desk, spy, world):
    """Opgave oprettes af supporten → tildeles hovedteam i drift → dispatcher i drift tildeler agent → agent
    skriver løsning og markerer løst → supporten lukker sagen."""
    case_id = str(uuid.uuid4())
    desk.deliver("case.created", case_data(case_id, team_id=world.support, actor_id=world.sofie.id))

    created = as_(world.sofie).post(f"/api/v1/cases/{case_id}/tasks", json=task_body(
        world, team_id=world.drift, approver_id=world.sofie.id, blocks_case_closure=True, deadline=in_days(3)))
    assert created.status_code == 201
    task = created.json
    event = spy.wait_for("task.created", id=task["id"])
    # What the cases service needs to refuse closing: the case, the status and the blocking flag.
    assert event.data["case_id"] == case_id and event.data["case_number"] == "SAG 2611-0042"
    assert event.data["blocks_case_closure"] is True and event.data["status"] == "registered"
    assert event.data["version"] == 1 and event.data["actor_id"] == world.sofie.id
    assert event.source == "servicedesk/tasks" and event.subject == task["id"]

    # The drift dispatcher finds it among the team's unassigned tasks; Sofie, only its approver, in "mine".
    assert task["number"] in numbers_in(as_(world.dorte).get("/api/v1/tasks?view=unassigned").json)
    assert task["number"] in numbers_in(as_(world.sofie).get("/api/v1/tasks?view=mine").json)
    assert task["number"] not in numbers_in(as_(world.anders).get("/api/v1/tasks?view=mine").json)

    assigned = as_(world.dorte).patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": world.anders.id})
    assert assigned.json["status"] == "assigned"
    event = spy.wait_for("task.assigned", id=task["id"])
    assert event.data["changes"]["assignee_id"] == {"old": None, "new": world.anders.id}
    assert event.data["changes"]["status"] == {"old": "registered", "new": "assigned"}
    assert event.data["actor_id"] == world.dorte.id and event.data["version"] == 2

    assert as_(world.anders).patch(f"/api/v1/tasks/{task['id']}", json={"status": "in_progress"}).status_code == 200
    as_(world.anders).post(f"/api/v1/tasks/{task['id']}/comments", json={"body": "Printserveren genstartes nu."})
    commented = spy.wait_for("task.commented", id=task["id"])
    # A comment is a change: a subscriber that applies only newer versions takes it.
    assert commented.data["comment"]["visibility"] == "internal" and commented.data["version"] == 4

    resolved = as_(world.anders).post(f"/api/v1/tasks/{task['id']}/resolve",
                                      json={"solution": "Printserveren er genstartet og køen tømt."})
    assert resolved.status_code == 200 and resolved.json["status"] == "resolved"
    event = spy.wait_for("task.resolved", id=task["id"])
    # The approver is named, so the notify service can tell Sofie; the task no longer blocks the case.
    assert event.data["approver_id"] == world.sofie.id
    assert event.data["solution"] == "Printserveren er genstartet og køen tømt."
    assert event.data["status"] == "resolved" and event.data["resolved_by"] == world.anders.id
    comments = as_(world.sofie).get(f"/api/v1/tasks/{task['id']}/comments").json["items"]
    assert [c["is_solution"] for c in comments] == [False, True]
    assert comments[1]["id"] == resolved.json["solution_comment_id"]

    # Solved tasks move to the "closed" tab of "mine".
    assert task["number"] not in numbers_in(as_(world.sofie).get("/api/v1/tasks?view=mine").json)
    assert task["number"] in numbers_in(as_(world.sofie).get("/api/v1/tasks?view=mine&state=closed").json)

    desk.deliver("case.closed", case_data(case_id, status="closed", team_id=world.support, version=5,
                                          actor_id=world.sofie.id))
    closed = spy.wait_for("task.closed", id=task["id"])
    assert closed.data["status"] == "closed" and closed.data["reason"] == "case_closed"
    assert closed.data["actor_id"] == world.sofie.id
    assert as_(world.sofie).get(f"/api/v1/tasks/{task['id']}").json["status"] == "closed"


def test_operations_hands_a_task_to_support_who_asks_back_before_solving(as_, desk, spy, world):
    """Opgave oprettes af driften → hovedteam i support → dispatcher i support tildeler agent → al intern
    kommunikation på opgaven (sendt retur og tilbage) → agent markerer løst → driften lukker sagen."""
    case_id = str(uuid.uuid4())
    desk.deliver("case.created", case_data(case_id, number="SAG 2611-0050", team_id=world.drift,
                                           actor_id=world.anders.id))
    task = as_(world.anders).post(f"/api/v1/cases/{case_id}/tasks", json=task_body(
        world, team_id=world.support, approver_id=world.anders.id, subject="Ring brugeren op om adgangskort",
        description="Brugeren skal have nyt adgangskort; aftal tid for udlevering i receptionen.")).json
    assert as_(world.svend).patch(f"/api/v1/tasks/{task['id']}",
                                  json={"assignee_id": world.sofie.id}).json["status"] == "assigned"

    returned = as_(world.sofie).post(f"/api/v1/tasks/{task['id']}/return",
                                     json={"comment": "Hvilken afdeling hører brugeren til?"})
    assert returned.json["assignee_id"] == world.anders.id
    assert returned.json["returned_from_id"] == world.sofie.id
    event = spy.wait_for("task.returned", id=task["id"], assignee_id=world.anders.id)
    assert event.data["comment"]["body"] == "Hvilken afdeling hører brugeren til?"

    as_(world.anders).post(f"/api/v1/tasks/{task['id']}/comments", json={"body": "Økonomi, 2. sal."})
    back = as_(world.anders).post(f"/api/v1/tasks/{task['id']}/return", json={})
    assert back.json["assignee_id"] == world.sofie.id and back.json["returned_from_id"] is None
    spy.wait_for("task.returned", id=task["id"], assignee_id=world.sofie.id)

    resolved = as_(world.sofie).post(f"/api/v1/tasks/{task['id']}/resolve",
                                     json={"solution": "Kortet udleveres torsdag kl. 10 i receptionen."})
    assert resolved.status_code == 200
    assert spy.wait_for("task.resolved", id=task["id"]).data["approver_id"] == world.anders.id

    desk.deliver("case.closed", case_data(case_id, number="SAG 2611-0050", status="closed", team_id=world.drift,
                                          version=4, actor_id=world.anders.id))
    spy.wait_for("task.closed", id=task["id"])
    bodies = [c["body"] for c in as_(world.anders).get(f"/api/v1/tasks/{task['id']}/comments").json["items"]]
    assert bodies == ["Hvilken afdeling hører brugeren til?", "Økonomi, 2. sal.",
                      "Kortet udleveres torsdag kl. 10 i receptionen."]


def test_a_case_handed_to_operations_and_back_keeps_its_tasks_until_support_closes_it(as_, context, desk, spy, world):
    """Sag oprettes i support → tildeles hovedteam i drift → drift løser sagen og tildeler den tilbage →
    sagsagenten lukker sagen.  Task side: the replica follows the case; a blocking task blocks until solved."""
    case_id = str(uuid.uuid4())
    desk.deliver("case.created", case_data(case_id, team_id=world.support, actor_id=world.sofie.id))
    task = as_(world.sofie).post(f"/api/v1/cases/{case_id}/tasks", json=task_body(
        world, team_id=world.drift, blocks_case_closure=True)).json

    desk.deliver("case.assigned", case_data(case_id, status="assigned", team_id=world.drift, version=2,
                                            changes={"team_id": {"old": world.support, "new": world.drift}}))
    with context.database.transaction() as session:
        assert session.get(CaseReplica, case_id).team_id == world.drift

    # Operations solves the blocking task: its event tells the cases service it no longer blocks.
    as_(world.anders).post(f"/api/v1/tasks/{task['id']}/resolve", json={"solution": "Netværksporten er åbnet."})
    event = spy.wait_for("task.resolved", id=task["id"])
    assert event.data["blocks_case_closure"] is True and event.data["status"] == "resolved"

    desk.deliver("case.resolved", case_data(case_id, status="resolved", team_id=world.support, version=3,
                                            assignee_id=world.sofie.id, solution_message_id=str(uuid.uuid4())))
    refused = as_(world.anders).post(f"/api/v1/cases/{case_id}/tasks", json=task_body(world))
    assert refused.status_code == 409

    desk.deliver("case.closed", case_data(case_id, status="closed", team_id=world.support, version=4))
    spy.wait_for("task.closed", id=task["id"])
    # An older event that arrives late changes nothing.
    desk.deliver("case.updated", case_data(case_id, status="assigned", team_id=world.drift, version=2))
    with context.database.transaction() as session:
        assert session.get(CaseReplica, case_id).status == "closed"
    assert as_(world.sofie).get(f"/api/v1/tasks/{task['id']}").json["status"] == "closed"


def test_a_case_handed_to_support_and_back_with_a_task_reopened_by_its_approver(as_, desk, spy, world):
    """Sag oprettes i drift → tildeles hovedteam i support → support løser og tildeler tilbage.  The drift
    agent's task to support is solved, found again by number (Ctrl O, TSK<nr>), reopened and solved."""
    case_id = str(uuid.uuid4())
    desk.deliver("case.created", case_data(case_id, number="SAG 2611-0077", team_id=world.drift,
                                           actor_id=world.anders.id))
    task = as_(world.anders).post(f"/api/v1/cases/{case_id}/tasks", json=task_body(
        world, team_id=world.support, approver_id=world.anders.id, deadline=in_days(2),
        subject="Opdater brugerens mailadresse", description="Brugeren har skiftet navn; ret mailadressen i AD.")).json
    desk.deliver("case.assigned", case_data(case_id, number="SAG 2611-0077", status="assigned",
                                            team_id=world.support, version=2))
    as_(world.svend).patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": world.sofie.id})
    as_(world.sofie).post(f"/api/v1/tasks/{task['id']}/resolve", json={"solution": "Mailadressen er rettet."})

    found = as_(world.anders).get(f"/api/v1/tasks/by-number/{task['number'].replace(' ', '').lower()}")
    assert found.status_code == 200 and found.json["status"] == "resolved"
    new_deadline = in_days(4)
    reopened = as_(world.anders).post(f"/api/v1/tasks/{task['id']}/reopen", json={
        "reason": "Den gamle adresse virker stadig ikke som alias.", "deadline": new_deadline},
        headers={"If-Match": f'"{found.json["version"]}"'})
    assert reopened.status_code == 200
    assert reopened.json["status"] == "assigned" and reopened.json["assignee_id"] == world.sofie.id
    assert reopened.json["solution"] is None
    event = spy.wait_for("task.reopened", id=task["id"])
    assert event.data["reason"] == "Den gamle adresse virker stadig ikke som alias."
    assert "deadline" in event.data["changes"]
    comments = as_(world.sofie).get(f"/api/v1/tasks/{task['id']}/comments").json["items"]
    assert [(c["kind"], c["is_solution"]) for c in comments] == [("solution", False), ("reopen", False)]

    as_(world.sofie).post(f"/api/v1/tasks/{task['id']}/resolve", json={"solution": "Alias tilføjet."})
    spy.wait_for("task.resolved", id=task["id"], solution="Alias tilføjet.")
    desk.deliver("case.resolved", case_data(case_id, number="SAG 2611-0077", status="resolved",
                                            team_id=world.drift, version=3))
    desk.deliver("case.closed", case_data(case_id, number="SAG 2611-0077", status="closed", team_id=world.drift,
                                          version=4))
    assert spy.wait_for("task.closed", id=task["id"]).data["case_number"] == "SAG 2611-0077"
    history = as_(world.anders).get(f"/api/v1/tasks/{task['id']}/history?per_page=200").json["items"]
    assert [h["event_type"] for h in history if h["field"] in (None, "status")] == [
        "task.created", "task.assigned", "task.resolved", "task.reopened", "task.resolved", "task.closed"]
