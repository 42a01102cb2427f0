"""What the tasks service learns from and asks of the other services, across the real processes.

* A case the tasks service has not heard of (its events are late, or there is no such case) is asked of
  the cases service through the gateway: the task is made at once, 404 for no such case, 503 while the
  cases service is away.  These tests stop processes, so they run on a system of their own.
* A deadline: the SLA service's timer fires ``sla.task_deadline_passed``, the tasks service flags the task
  overdue, and everyone sees it through the gateway; a new deadline on reopening clears it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from system import System, wait_for
from world import ARTIFACTS, World

DIRECTORY_FIELDS = {"team_id", "assignee_id", "approver_id"}


@pytest.fixture(scope="module")
def own_world(postgres_databases, rabbitmq_url, bus_namespace, test_run_id):
    namespace = {**bus_namespace, "QUEUE_PREFIX": f"{bus_namespace['QUEUE_PREFIX']}tx.",
                 "EVENTS_EXCHANGE": f"{bus_namespace['EVENTS_EXCHANGE']}.tx"}
    running = System.start(postgres_databases, rabbitmq_url, namespace, ARTIFACTS / "system" / f"{test_run_id}-tx")
    yield World(running)
    running.stop()


def task_body(world: World, **fields) -> dict:
    body = {"subject": "Ny skærm til receptionen", "team_id": world.ids["drift"], "approver_id": world.ids["sofie"],
            "description": "Skærmen i receptionen er død; sæt en ny op og tag den gamle med retur."}
    return {**body, **fields}


def create_task(world: World, case_id: str, **fields) -> dict:
    """Create as Sofie once the tasks service has heard of the team and the people (the gateway's events)."""

    def attempt():
        response = world.as_("sofie").post(f"/api/v1/cases/{case_id}/tasks", json=task_body(world, **fields))
        arriving = response.status_code == 422 and DIRECTORY_FIELDS & set(response.json().get("errors", {}))
        return None if arriving else response

    response = wait_for(attempt, 30, interval=0.3, message="the tasks service to know the team and people")
    assert response.status_code == 201, response.text
    return response.json()


def task_of(world: World, task_id: str) -> dict:
    response = world.as_("sofie").get(f"/api/v1/tasks/{task_id}")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_case_whose_events_have_not_arrived_is_asked_of_the_cases_service(own_world):
    world, system = own_world, own_world.system
    create_task(world, world.open_case("anne")["id"])  # the directory has arrived
    worker = system.process("tasks-worker")
    worker.stop()  # from here the tasks service hears nothing: the case's events wait in its queue
    try:
        case = world.open_case("anne", title="Skærmen i receptionen er død")
        made = world.as_("sofie").post(f"/api/v1/cases/{case['id']}/tasks", json=task_body(world))
        assert made.status_code == 201, made.text
        assert (made.json()["case_number"], made.json()["case_title"]) == (case["number"], case["title"])
        nowhere = str(uuid.uuid4())
        missing = world.as_("sofie").post(f"/api/v1/cases/{nowhere}/tasks", json=task_body(world))
        assert missing.status_code == 404, missing.text
        assert missing.json()["case_id"] == nowhere  # the tasks service's answer, not the gateway's
    finally:
        worker.start()
    # The case's own events arrive late, change nothing, and the case's close still reaches the task.
    closed = world.as_("sofie").post(f"/api/v1/cases/{case['id']}/close")
    assert closed.status_code == 200, closed.text
    wait_for(lambda: task_of(world, made.json()["id"])["status"] == "closed", 30,
             message="the task to close with its case")
    assert task_of(world, made.json()["id"])["case_number"] == case["number"]


def test_while_the_cases_service_is_away_a_known_case_takes_tasks_and_an_unknown_one_is_503(own_world):
    world, system = own_world, own_world.system
    known = world.open_case("anne", title="Tastaturet mangler taster")
    create_task(world, known["id"])
    cases_web = system.process("cases-web")
    cases_web.stop()
    try:
        assert world.as_("sofie").post(f"/api/v1/cases/{known['id']}/tasks",
                                       json=task_body(world)).status_code == 201
        refused = world.as_("sofie").post(f"/api/v1/cases/{uuid.uuid4()}/tasks", json=task_body(world))
        assert refused.status_code == 503, refused.text
        assert refused.json()["type"] == "/problems/cases-unreachable"
        assert refused.headers["Retry-After"] == "5"
    finally:
        cases_web.start()
        system.wait_until_ready()


def overdue_changes(world: World, task_id: str) -> list[tuple[str, object, object]]:
    history = world.as_("sofie").get(f"/api/v1/tasks/{task_id}/history", params={"per_page": 100})
    assert history.status_code == 200, history.text
    return [(h["event_type"], h["old"], h["new"]) for h in history.json()["items"] if h["field"] == "overdue"]


def test_a_passed_deadline_flags_the_task_overdue_through_the_sla_service_and_a_new_one_clears_it(world):
    case = world.open_case("anne", title="Printeren skal flyttes")
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    task = create_task(world, case["id"], deadline=deadline.isoformat())
    assert task["overdue"] is False

    # The SLA service's timer fires at the deadline (it polls every second): the flag comes from its event.
    wait_for(lambda: overdue_changes(world, task["id"]), 40, interval=0.5,
             message="sla.task_deadline_passed to flag the task")
    assert overdue_changes(world, task["id"]) == [("task.updated", False, True)]
    assert task_of(world, task["id"])["overdue"] is True
    overdue_mine = world.as_("sofie").get("/api/v1/tasks", params={"view": "mine", "overdue": "true"}).json()
    assert task["id"] in [t["id"] for t in overdue_mine["items"]]
    assert world.as_("sofie").get("/api/v1/tasks/summary").json()["overdue"] >= 1

    solved = world.as_("dorte").post(f"/api/v1/tasks/{task['id']}/resolve", json={"solution": "Flyttet."})
    assert solved.status_code == 200, solved.text
    later = datetime.now(UTC) + timedelta(days=2)
    reopened = world.as_("sofie").post(f"/api/v1/tasks/{task['id']}/reopen",
                                       json={"reason": "Den står stadig i kopirummet.", "deadline": later.isoformat()})
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["overdue"] is False and reopened.json()["status"] == "assigned"
    assert overdue_changes(world, task["id"])[-1] == ("task.reopened", True, False)
