"""What the tasks service does with other services' events: the case replica by version, closing and
merging cases, the directory, and the SLA service's deadline watch — idempotent and order-safe."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from tasks_testkit import case_data, task_body, user_data, wait_for

from tasks.models import CaseReplica, Task


def count_tasks(context, **where) -> int:
    with context.database.transaction() as session:
        statement = select(func.count()).select_from(Task)
        for name, value in where.items():
            statement = statement.where(getattr(Task, name) == value)
        return session.scalar(statement)


def test_a_case_event_delivered_twice_closes_the_tasks_once(as_, context, desk, make_task, world, open_case):
    task = make_task()
    closed = desk.event("case.closed", case_data(open_case, status="closed", team_id=world.support, version=3))
    desk.dispatcher(closed)
    desk.dispatcher(closed)
    after = as_(world.sofie).get(f"/api/v1/tasks/{task['id']}").json
    assert after["status"] == "closed" and after["version"] == 2


def test_an_older_case_event_never_overwrites_newer_state(context, desk, world, open_case):
    desk.apply("case.updated", case_data(open_case, status="in_progress", team_id=world.drift, version=5))
    desk.apply("case.assigned", case_data(open_case, status="assigned", team_id=world.support, version=4))
    with context.database.transaction() as session:
        case = session.get(CaseReplica, open_case)
        assert (case.status, case.team_id, case.version) == ("in_progress", world.drift, 5)


def test_closing_a_case_closes_resolved_and_open_non_blocking_tasks_but_not_other_cases_tasks(
        as_, context, desk, make_task, world, open_case):
    other_case = str(uuid.uuid4())
    desk.apply("case.created", case_data(other_case, number="SAG 2611-0043", team_id=world.support))
    open_task, other = make_task(), make_task(case_id=other_case)
    solved = make_task()
    as_(world.anders).post(f"/api/v1/tasks/{solved['id']}/resolve", json={"solution": "Klaret."})
    desk.apply("case.closed", case_data(open_case, status="closed", team_id=world.support, version=2))
    statuses = {t["id"]: t["status"] for t in as_(world.sofie).get(
        f"/api/v1/cases/{open_case}/tasks").json["items"]}
    assert statuses == {open_task["id"]: "closed", solved["id"]: "closed"}
    assert as_(world.sofie).get(f"/api/v1/tasks/{other['id']}").json["status"] == "registered"


@pytest.mark.usefixtures("worker")
def test_a_blocking_task_that_slipped_past_the_close_is_closed_with_a_note_and_a_reason(
        as_, desk, make_task, spy, world, open_case):
    """The race of docs/architecture.md: the case closed before the cases service heard of the blocking task."""
    blocking, ordinary = make_task(blocks_case_closure=True), make_task()
    desk.deliver("case.closed", case_data(open_case, status="closed", team_id=world.support, version=2,
                                          actor_id=world.sofie.id))
    closed = spy.wait_for("task.closed", id=blocking["id"])
    assert closed.data["reason"] == "case_closed_while_blocking" and closed.data["status"] == "closed"
    assert spy.wait_for("task.closed", id=ordinary["id"]).data["reason"] == "case_closed"
    notes = as_(world.sofie).get(f"/api/v1/tasks/{blocking['id']}/comments").json["items"]
    assert [(n["kind"], n["author_id"], n["visibility"]) for n in notes] == [
        ("case_closed", "service:tasks", "internal")]
    assert "lukket" in notes[0]["body"]  # written in Danish, the system's language
    assert as_(world.sofie).get(f"/api/v1/tasks/{ordinary['id']}/comments").json["total"] == 0


def test_a_merged_case_hands_its_tasks_to_the_surviving_case(as_, desk, make_task, world, open_case):
    target = str(uuid.uuid4())
    desk.apply("case.created", case_data(target, number="SAG 2611-0099", team_id=world.support))
    task = make_task(blocks_case_closure=True)
    desk.apply("case.merged", case_data(open_case, status="closed", team_id=world.support, version=2,
                                        into_id=target, merged_into_id=target))
    moved = as_(world.sofie).get(f"/api/v1/tasks/{task['id']}").json
    assert moved["case_id"] == target and moved["case_number"] == "SAG 2611-0099"
    assert moved["status"] == "registered"  # the work goes on, on the surviving case
    assert as_(world.sofie).get(f"/api/v1/cases/{target}/tasks").json["total"] == 1
    assert as_(world.sofie).get(f"/api/v1/cases/{open_case}/tasks").json["total"] == 0
    refused = as_(world.sofie).post(f"/api/v1/cases/{open_case}/tasks", json=task_body(world))
    assert refused.status_code == 409 and refused.json["merged_into_id"] == target


def test_a_merge_announced_as_a_close_still_moves_the_tasks(as_, desk, make_task, world, open_case):
    target = str(uuid.uuid4())
    desk.apply("case.created", case_data(target, number="SAG 2611-0100", team_id=world.support))
    task = make_task()
    desk.apply("case.closed", case_data(open_case, status="closed", team_id=world.support, version=2,
                                        merged_into_id=target))
    desk.apply("case.merged", case_data(open_case, status="closed", team_id=world.support, version=2,
                                        into_id=target, merged_into_id=target))
    moved = as_(world.sofie).get(f"/api/v1/tasks/{task['id']}").json
    assert (moved["case_id"], moved["status"], moved["version"]) == (target, "registered", 2)


@pytest.mark.usefixtures("worker")
def test_the_sla_deadline_event_over_rabbitmq_flags_an_open_task_overdue_once(as_, desk, spy, world, open_case):
    deadline = datetime.now(UTC) + timedelta(hours=1)
    task = as_(world.sofie).post(f"/api/v1/cases/{open_case}/tasks",
                                 json=task_body(world, deadline=deadline.isoformat())).json
    assert task["overdue"] is False
    passed = {"task_id": task["id"], "deadline": deadline.isoformat()}
    desk.deliver("sla.task_deadline_passed", passed, source="sla")
    event = spy.wait_for("task.updated", id=task["id"])
    assert event.data["changes"] == {"overdue": {"old": False, "new": True}}
    assert event.data["overdue"] is True and event.data["actor_id"] is None
    desk.deliver("sla.task_deadline_passed", passed, source="sla")  # a second watch changes nothing
    assert as_(world.sofie).get(f"/api/v1/tasks/{task['id']}").json["version"] == 2
    mine = as_(world.sofie).get("/api/v1/tasks?view=mine&overdue=true").json
    assert [t["id"] for t in mine["items"]] == [task["id"]]


def test_a_deadline_event_for_a_moved_deadline_or_a_solved_task_changes_nothing(as_, desk, make_task, world):
    old = datetime.now(UTC) + timedelta(hours=1)
    task = make_task(deadline=old.isoformat())
    as_(world.sofie).patch(f"/api/v1/tasks/{task['id']}", json={"deadline": (old + timedelta(days=1)).isoformat()})
    desk.apply("sla.task_deadline_passed", {"task_id": task["id"], "deadline": old.isoformat()}, source="sla")
    assert as_(world.sofie).get(f"/api/v1/tasks/{task['id']}").json["overdue"] is False

    solved = make_task(deadline=old.isoformat())
    as_(world.anders).post(f"/api/v1/tasks/{solved['id']}/resolve", json={"solution": "Klaret i tide."})
    desk.apply("sla.task_deadline_passed", {"task_id": solved["id"], "deadline": old.isoformat()}, source="sla")
    assert as_(world.sofie).get(f"/api/v1/tasks/{solved['id']}").json["overdue"] is False
    desk.apply("sla.task_deadline_passed", {"task_id": str(uuid.uuid4()), "deadline": old.isoformat()}, "sla")


def test_a_deactivated_user_can_no_longer_be_given_a_task_and_an_old_event_does_not_revive_them(
        as_, desk, make_task, world):
    task = make_task()
    desk.apply("user.updated", user_data(world.anders, version=3, active=False), source="gateway")
    desk.apply("user.updated", user_data(world.anders, version=2, active=True), source="gateway")
    refused = as_(world.dorte).patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": world.anders.id})
    assert refused.status_code == 422 and "assignee_id" in refused.json["errors"]


def test_a_task_solved_by_someone_who_has_since_left_is_reopened_to_a_named_agent(as_, desk, make_task, world):
    task = make_task(assignee_id=world.anders.id)
    as_(world.anders).post(f"/api/v1/tasks/{task['id']}/resolve", json={"solution": "Klaret."})
    desk.apply("user.updated", user_data(world.anders, version=2, active=False), source="gateway")
    path = f"/api/v1/tasks/{task['id']}/reopen"
    refused = as_(world.sofie).post(path, json={"reason": "Virker ikke."})
    assert refused.status_code == 422 and "assignee_id" in refused.json["errors"]
    reopened = as_(world.sofie).post(path, json={"reason": "Virker ikke.", "assignee_id": world.dorte.id})
    assert reopened.status_code == 200 and reopened.json["assignee_id"] == world.dorte.id


def test_tasks_made_while_their_case_closes_end_up_closed(as_, context, desk, world, open_case):
    """The creating transaction share-locks the case: a concurrent close waits, then closes the new task
    too; a creation after the close is refused.  No open task is left on a closed case."""
    answers: list[int] = []
    start = threading.Barrier(7)

    def create():
        start.wait()
        answers.append(as_(world.sofie).post(f"/api/v1/cases/{open_case}/tasks", json=task_body(world)).status_code)

    def close():
        start.wait()
        desk.apply("case.closed", case_data(open_case, status="closed", team_id=world.support, version=2))

    threads = [threading.Thread(target=create) for _ in range(6)] + [threading.Thread(target=close)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert set(answers) <= {201, 409} and len(answers) == 6
    assert count_tasks(context, case_id=open_case) == answers.count(201)
    assert wait_for(lambda: count_tasks(context, case_id=open_case, status="closed") == answers.count(201), 5)
