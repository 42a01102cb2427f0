"""Seed 000: a case that stood as resolved ('Udført') for AUTO_CLOSE_AFTER closes by itself, unless reopened.

A system of its own, with AUTO_CLOSE_AFTER set to a few seconds; time is real.
"""

import time
from datetime import datetime, timedelta

import pytest
from system import System, wait_for
from world import ARTIFACTS, World

AUTO_CLOSE_AFTER = 4


@pytest.fixture(scope="module")
def quick_world(postgres_databases, rabbitmq_url, bus_namespace, test_run_id):
    namespace = {**bus_namespace, "QUEUE_PREFIX": f"{bus_namespace['QUEUE_PREFIX']}ac.",
                 "EVENTS_EXCHANGE": f"{bus_namespace['EVENTS_EXCHANGE']}.ac"}
    running = System.start(postgres_databases, rabbitmq_url, namespace, ARTIFACTS / "system" / f"{test_run_id}-ac",
                           overrides={"sla": {"AUTO_CLOSE_AFTER": str(AUTO_CLOSE_AFTER)}})
    yield World(running)
    running.stop()


def status_of(world, case):
    return world.as_("sofie").get(f"/api/v1/cases/{case['id']}").json()["status"]


def test_a_resolved_case_closes_by_itself_and_a_reopened_one_does_not(quick_world):
    world = quick_world
    stays, closes = world.open_case("anne", title="Genåbnes"), world.open_case("anne", title="Lukkes")
    for case in (stays, closes):
        response = world.as_("sofie").post(f"/api/v1/cases/{case['id']}/resolve", json={"solution": "Løst."})
        assert response.status_code == 200, response.text
    reopened = world.as_("anne").post(f"/api/v1/cases/{stays['id']}/reopen", json={"reason": "Virker ikke endnu"})
    assert reopened.status_code == 200, reopened.text

    wait_for(lambda: status_of(world, closes) == "closed", timeout=AUTO_CLOSE_AFTER + 30,
             message="the resolved case to close by itself")
    closed = world.as_("sofie").get(f"/api/v1/cases/{closes['id']}").json()
    stood = datetime.fromisoformat(closed["closed_at"]) - datetime.fromisoformat(closed["resolved_at"])
    assert stood >= timedelta(seconds=AUTO_CLOSE_AFTER), f"closed after {stood}, not after AUTO_CLOSE_AFTER"
    time.sleep(AUTO_CLOSE_AFTER + 2)
    assert status_of(world, stays) == "in_progress"
    refused = world.as_("anne").post(f"/api/v1/cases/{closes['id']}/reopen", json={"reason": "for sent"})
    assert refused.status_code == 409


def test_a_resolved_case_held_open_by_a_blocking_task_closes_by_itself_once_the_task_is_solved(quick_world):
    world = quick_world
    case = world.open_case("anne", title="Venter på opgave")
    sofie = world.as_("sofie")
    task = sofie.post(f"/api/v1/cases/{case['id']}/tasks", json={
        "subject": "Bestil ny licens", "team_id": world.ids["support"], "assignee_id": world.ids["sofie"],
        "blocks_case_closure": True, "description": "Bestil en ny licens til Annes lønmodul hos leverandøren."})
    assert task.status_code == 201, task.text
    wait_for(lambda: sofie.get(f"/api/v1/cases/{case['id']}").json()["open_blocking_tasks"] == 1,
             message="the case to count its blocking task")
    resolved = sofie.post(f"/api/v1/cases/{case['id']}/resolve", json={"solution": "Licensen er bestilt."})
    assert resolved.status_code == 200, resolved.text

    time.sleep(AUTO_CLOSE_AFTER + 3)
    assert status_of(world, case) == "resolved"
    solved = sofie.post(f"/api/v1/tasks/{task.json()['id']}/resolve", json={"solution": "Licensen er aktiv."})
    assert solved.status_code == 200, solved.text
    wait_for(lambda: status_of(world, case) == "closed", timeout=30,
             message="the held-back auto-close once the task is solved")
