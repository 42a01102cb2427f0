"""Who may call which task route: a table of routes by caller, each cell a fresh task.

Requesters get 404 on every task route (tasks do not exist for them); services read only; a task is
changed only by its team's agents and dispatchers, its creator, approver or assignee, and admins.  A
token that lacks the team, or is signed by someone other than the gateway, gets nothing done.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from tasks_testkit import Person, task_body, user_data

from servicekit.auth import IDENTITY_HEADER, Identity, IdentitySigner, generate_keypair

READ, CREATE, CHANGE = "read", "create", "change"

ROUTES = [
    ("list mine", READ, "GET", "/api/v1/tasks?view=mine", None),
    ("list all", READ, "GET", "/api/v1/tasks?view=all&state=any", None),
    ("summary", READ, "GET", "/api/v1/tasks/summary", None),
    ("one task", READ, "GET", "/api/v1/tasks/{task}", None),
    ("by number", READ, "GET", "/api/v1/tasks/by-number/{number}", None),
    ("case's tasks", READ, "GET", "/api/v1/cases/{case}/tasks", None),
    ("comments", READ, "GET", "/api/v1/tasks/{task}/comments", None),
    ("history", READ, "GET", "/api/v1/tasks/{task}/history", None),
    ("create", CREATE, "POST", "/api/v1/cases/{case}/tasks", "new task"),
    ("patch", CHANGE, "PATCH", "/api/v1/tasks/{task}", {"subject": "Nyt emne på opgaven"}),
    ("comment", CHANGE, "POST", "/api/v1/tasks/{task}/comments", {"body": "Status: venter på leverandør."}),
    ("resolve", CHANGE, "POST", "/api/v1/tasks/{task}/resolve", {"solution": "Løst ved genstart."}),
    ("return", CHANGE, "POST", "/api/v1/tasks/{task}/return", {}),
    ("reopen", CHANGE, "POST", "/api/v1/tasks/{resolved}/reopen", {"reason": "Fejlen er der stadig."}),
]

# caller -> (read, create, change)
CALLERS = {
    "requester": (404, 404, 404),
    "service": (200, 403, 403),
    "agent of the task's team": (200, 201, 200),
    "dispatcher of the task's team": (200, 201, 200),
    "creator (other team)": (200, 201, 200),
    "approver (no team)": (200, 201, 200),
    "assignee (other team)": (200, 201, 200),
    "agent of another team": (200, 201, 403),
    "team agent whose token lacks the team": (200, 201, 403),
    "admin": (200, 201, 200),
    "token not from the gateway": (401, 401, 401),
    "no token": (401, 401, 401),
}


def expected(caller: str, kind: str, method: str, name: str) -> int:
    read, create, change = CALLERS[caller]
    status = {READ: read, CREATE: create, CHANGE: change}[kind]
    return 201 if status == 200 and name == "comment" else status


@pytest.fixture
def cast(world, desk):
    ulla = Person("Ulla", Identity(user_id=str(uuid.uuid4()), roles=frozenset({"agent"})))
    bo = Person("Bo", Identity(user_id=str(uuid.uuid4()), roles=frozenset({"agent"}),
                               team_ids=frozenset({world.support})))
    for person in (ulla, bo):
        desk.apply("user.created", user_data(person), source="gateway")
    return {
        "requester": world.rikke, "service": world.notify, "agent of the task's team": world.anders,
        "dispatcher of the task's team": world.dorte, "creator (other team)": world.sofie,
        "approver (no team)": ulla, "assignee (other team)": bo, "agent of another team": world.svend,
        "team agent whose token lacks the team": world.forged(world.anders, team_ids=frozenset()),
        "admin": world.admin, "token not from the gateway": world.anders, "no token": world.anders,
    }


def task_with_parties(as_, world, cast, case_id) -> dict:
    """Created by Sofie (support) for drift, approved by Ulla, assigned to Bo."""
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    task = as_(world.sofie).post(f"/api/v1/cases/{case_id}/tasks", json=task_body(
        world, approver_id=cast["approver (no team)"].id, deadline=deadline)).json
    as_(world.admin).patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": cast["assignee (other team)"].id})
    return task


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("name, kind, method, path, body", ROUTES, ids=[r[0] for r in ROUTES])
def test_route_answers_each_caller_as_the_table_says(app, as_, sign_identity, world, open_case, cast,
                                                     caller, name, kind, method, path, body):
    task, resolved = task_with_parties(as_, world, cast, open_case), task_with_parties(as_, world, cast, open_case)
    as_(world.admin).post(f"/api/v1/tasks/{resolved['id']}/resolve", json={"solution": "Løst første gang."})
    url = path.format(task=task["id"], number=task["number"], case=open_case, resolved=resolved["id"])
    payload = task_body(world) if body == "new task" else body

    person = cast[caller]
    headers = {"Accept-Language": "da"}
    if caller == "token not from the gateway":
        headers[IDENTITY_HEADER] = IdentitySigner(generate_keypair()[0]).sign(person.identity, "tasks")
    elif caller != "no token":
        headers[IDENTITY_HEADER] = sign_identity(person.identity, "tasks")
    response = app.test_client().open(url, method=method, json=payload, headers=headers)

    assert response.status_code == expected(caller, kind, method, name), response.json
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


def test_an_assignee_outside_the_team_can_work_the_task_and_an_unrelated_agent_cannot(as_, desk, make_task, world):
    """Drift's task, made by Sofie, given by agreement to Svend of support: he works it to the end, while
    Kim, in support like him but no party to the task, may only read it."""
    kim = Person("Kim", Identity(user_id=str(uuid.uuid4()), roles=frozenset({"agent"}),
                                 team_ids=frozenset({world.support})))
    desk.apply("user.created", user_data(kim), source="gateway")
    task = make_task(approver_id=world.anders.id)
    path = f"/api/v1/tasks/{task['id']}"
    assert as_(world.dorte).patch(path, json={"assignee_id": world.svend.id}).status_code == 200

    for refused in (as_(kim).patch(path, json={"status": "in_progress"}),
                    as_(kim).post(f"{path}/comments", json={"body": "Jeg tager den."}),
                    as_(kim).post(f"{path}/resolve", json={"solution": "Klaret af Kim."}),
                    as_(kim).post(f"{path}/return", json={})):
        assert refused.status_code == 403, refused.json
    assert as_(kim).get(path).status_code == 200

    assert as_(world.svend).patch(path, json={"status": "in_progress"}).status_code == 200
    assert as_(world.svend).post(f"{path}/comments", json={"body": "Genstartet; tester nu."}).status_code == 201
    solved = as_(world.svend).post(f"{path}/resolve", json={"solution": "Printserveren kører igen."})
    assert solved.status_code == 200, solved.json
    assert (solved.json["status"], solved.json["assignee_id"]) == ("resolved", world.svend.id)


def test_a_requester_sees_no_task_even_in_lists(as_, make_task, world, open_case):
    make_task()
    for path in ("/api/v1/tasks?view=all", f"/api/v1/cases/{open_case}/tasks"):
        assert as_(world.rikke).get(path).status_code == 404


def test_a_forged_team_member_cannot_resolve_and_the_task_stays_open(app, as_, make_task, world):
    task = make_task()  # for drift
    path = f"/api/v1/tasks/{task['id']}/resolve"
    # Svend (support) mints himself a token that says he is in drift: not signed by the gateway.
    claims_drift = world.forged(world.svend, team_ids=frozenset({world.support, world.drift}))
    forged = IdentitySigner(generate_keypair()[0]).sign(claims_drift.identity, "tasks")
    refused = app.test_client().post(path, json={"solution": "Det er løst."}, headers={IDENTITY_HEADER: forged})
    assert refused.status_code == 401
    # What the gateway signs for him carries only his real team.
    refused = as_(world.svend).post(path, json={"solution": "Det er løst."})
    assert refused.status_code == 403
    assert "team" in refused.json["detail"]
    assert as_(world.anders).get(f"/api/v1/tasks/{task['id']}").json["status"] == "registered"
