"""Seed 001's four hand-over workflows across the real system: the gateway in front, the cases, tasks,
notify and SLA services as processes on PostgreSQL and RabbitMQ, a real SMTP server catching the mail.

Support (Sofie, dispatcher Svend) and operations, "drift" (dispatcher Dorte, agent Anders); Rikke is a
requester.  Every call goes through the gateway with the person's own Bearer token.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import requests
from system import wait_for

from servicekit.auth import IDENTITY_HEADER, Identity, IdentitySigner, generate_keypair

PASSWORD = "Opgave-Kodeord-2026!"


@dataclass
class Person:
    id: str
    email: str
    api: requests.Session


@dataclass
class Desk:
    support: str
    drift: str
    sofie: Person
    svend: Person
    dorte: Person
    anders: Person
    bo: Person
    rikke: Person


def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def desk(system) -> Desk:
    """Two teams and their people, made through the gateway's admin API (unique to this module)."""
    admin, run = system.admin(), uuid.uuid4().hex[:6]
    organisation = created(admin.post("/api/v1/organisations", json={"name": f"Kommune {run}",
                                                                        "case_visibility": "own"}))
    support = created(admin.post("/api/v1/teams", json={"name": f"Support {run}"}))["id"]
    drift = created(admin.post("/api/v1/teams", json={"name": f"Drift {run}"}))["id"]

    def person(name, roles, team=None, dispatcher=False, organisation_id=None) -> Person:
        email = f"{name.lower()}.{run}@servicedesk.test"
        body = {"email": email, "name": name, "password": PASSWORD, "roles": roles}
        if organisation_id:
            body["organisation_id"] = organisation_id
        user = created(admin.post("/api/v1/users", json=body))
        if team:
            created(admin.post(f"/api/v1/teams/{team}/members", json={"user_id": user["id"],
                                                                     "dispatcher": dispatcher}))
        return Person(user["id"], email, system.session_for(email, PASSWORD))

    return Desk(
        support=support, drift=drift,
        sofie=person("Sofie", ["agent"], support), svend=person("Svend", ["agent", "dispatcher"], support, True),
        dorte=person("Dorte", ["agent", "dispatcher"], drift, True), anders=person("Anders", ["agent"], drift),
        bo=person("Bo", ["agent"], support), rikke=person("Rikke", ["requester"], organisation_id=organisation["id"]),
    )


def open_case(desk: Desk, agent: Person, team: str, title: str) -> dict:
    """An agent registers a case for Rikke, once the cases service has heard of her and the team."""
    body = {"title": title, "description": "Brugeren kan ikke printe fra sin bærbare siden i morges.",
            "requester_id": desk.rikke.id, "team_id": team, "origin": "phone"}

    def attempt():
        response = agent.api.post("/api/v1/cases", json=body)
        return None if _still_arriving(response) else response

    return created(until(attempt, "the case to be created"))


def create_task(agent: Person, case_id: str, **fields) -> dict:
    """Create a task as soon as the tasks service has heard of the team and the people (the gateway's events;
    a case it has not heard of yet it asks the cases service about)."""

    def attempt():
        response = agent.api.post(f"/api/v1/cases/{case_id}/tasks", json=fields)
        return None if _still_arriving(response) else response

    return created(until(attempt, "the task to be created"))


def _still_arriving(response) -> bool:
    """A team or person the service has not heard of yet (the gateway's events)."""
    return response.status_code == 422 and bool({"team_id", "assignee_id", "approver_id", "requester_id"}
                                                & set(response.json().get("errors", {})))


def case_of(person: Person, case_id: str) -> dict:
    response = person.api.get(f"/api/v1/cases/{case_id}")
    assert response.status_code == 200, response.text
    return response.json()


def task_of(person: Person, task_id: str) -> dict:
    response = person.api.get(f"/api/v1/tasks/{task_id}")
    assert response.status_code == 200, response.text
    return response.json()


def until(predicate, message: str, timeout: float = 30.0):
    return wait_for(predicate, timeout, interval=0.2, message=message)


def test_support_gives_operations_a_blocking_task_and_closes_the_case_once_it_is_solved(system, desk):
    """Opgave oprettes af supporten → hovedteam i drift → dispatcher i drift tildeler agent → agent skriver
    løsningen og markerer opgaven løst (godkenderen får besked) → supporten lukker sagen."""
    case = open_case(desk, desk.sofie, desk.support, "Printer på 3. sal")
    task = create_task(desk.sofie, case["id"], subject="Genstart printserveren", team_id=desk.drift,
                       approver_id=desk.svend.id, blocks_case_closure=True,
                       description="Printserveren PRN-03 svarer ikke; genstart den og tøm printkøen.")
    assert task["status"] == "registered" and task["case_number"] == case["number"]
    assert_a_thin_description_is_refused(desk, case["id"])
    assert_found_by_its_number_with_the_space(desk.dorte, task)
    nowhere = desk.sofie.api.get(f"/api/v1/cases/{uuid.uuid4()}/tasks")
    assert nowhere.status_code == 404, nowhere.text  # no such case: not an empty list of its tasks

    until(lambda: case_of(desk.sofie, case["id"])["open_blocking_tasks"] == 1, "the case to count the task")
    refused = desk.sofie.api.post(f"/api/v1/cases/{case['id']}/close")
    assert refused.status_code == 409 and task["number"] in refused.text

    queue = desk.dorte.api.get("/api/v1/tasks", params={"view": "unassigned"}).json()["items"]
    assert task["id"] in [t["id"] for t in queue]
    # Svend neither made it, nor is he on drift or assigned: he only approves it.
    assert task["id"] in ids_of(desk.svend.api.get("/api/v1/tasks", params={"view": "mine"}))
    assert task["id"] not in ids_of(desk.sofie.api.get("/api/v1/tasks", params={"view": "mine"}))
    assert desk.dorte.api.patch(f"/api/v1/tasks/{task['id']}",
                                json={"assignee_id": desk.anders.id}).json()["status"] == "assigned"
    external = desk.anders.api.post(f"/api/v1/tasks/{task['id']}/comments",
                                    json={"body": "Hej, vi ser på det.", "visibility": "external"})
    assert external.status_code == 422 and external.headers["Content-Type"].startswith("application/problem+json")
    assert external.json()["case_id"] == case["id"]
    assert external.json()["case_messages"] == f"/api/v1/cases/{case['id']}/messages"
    assert_a_forged_team_member_cannot_resolve(system, desk, task["id"])
    assert desk.rikke.api.get(f"/api/v1/tasks/{task['id']}").status_code == 404

    resolved = desk.anders.api.post(f"/api/v1/tasks/{task['id']}/resolve",
                                    json={"solution": "Printserveren er genstartet og køen tømt."})
    assert resolved.status_code == 200, resolved.text
    mail = system.mailbox.wait_for(lambda m: desk.svend.email in m["X-Test-Rcpt-To"]
                                   and task["number"] in m["Subject"], timeout=30)
    assert "Printserveren er genstartet" in mail.get_body(("plain",)).get_content()
    notice = until(lambda: resolution_notice(desk.svend, task["id"]), "the approver's in-app notice")
    assert (notice["task_number"], notice["case_id"], notice["read"]) == (task["number"], case["id"], False)

    until(lambda: case_of(desk.sofie, case["id"])["open_blocking_tasks"] == 0, "the task to stop blocking")
    closed = desk.sofie.api.post(f"/api/v1/cases/{case['id']}/close")
    assert closed.status_code == 200, closed.text
    until(lambda: task_of(desk.sofie, task["id"])["status"] == "closed", "the task to close with its case")


def assert_a_thin_description_is_refused(desk: Desk, case_id: str) -> None:
    """Seed 001: "se sag" is not a description; nothing is made."""
    before = desk.sofie.api.get(f"/api/v1/cases/{case_id}/tasks", params={"state": "any"}).json()["total"]
    thin = desk.sofie.api.post(f"/api/v1/cases/{case_id}/tasks", json={
        "subject": "Printer", "team_id": desk.drift, "description": "se sag"})
    assert thin.status_code == 422 and thin.headers["Content-Type"].startswith("application/problem+json")
    assert "description" in thin.json()["errors"] and "kollega" in thin.json()["detail"]
    assert desk.sofie.api.get(f"/api/v1/cases/{case_id}/tasks", params={"state": "any"}).json()["total"] == before


def assert_found_by_its_number_with_the_space(person: Person, task: dict) -> None:
    """Ctrl O, TSK<nr>: typed as shown (``TSK 2611-0007``, the space sent as %20) or as its month and counter."""
    for typed in (task["number"], task["number"].split(" ", 1)[1]):
        found = person.api.get(f"/api/v1/tasks/by-number/{typed}")
        assert found.status_code == 200 and found.json()["id"] == task["id"], (typed, found.text)


def resolution_notice(person: Person, task_id: str) -> dict | None:
    """The "task resolved" notice among ``person``'s unread in-app notifications."""
    response = person.api.get("/api/v1/notifications", params={"unread": "true", "per_page": 200})
    assert response.status_code == 200, response.text
    return next((n for n in response.json()["items"] if n["kind"] == "task_resolved" and n["task_id"] == task_id),
                None)


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def forged_identity(person: Person, team_id: str) -> str:
    """An identity token that says ``person`` is an agent and dispatcher of ``team_id``, signed with a key
    of the forger's own (only the gateway holds the real one)."""
    forger_key, _ = generate_keypair()
    claims = Identity(user_id=person.id, roles=frozenset({"agent", "dispatcher"}), email=person.email,
                      team_ids=frozenset({team_id}), dispatcher_team_ids=frozenset({team_id}))
    return IdentitySigner(forger_key).sign(claims, audience="tasks")


def assert_a_forged_team_member_cannot_resolve(system, desk: Desk, task_id: str) -> None:
    """Support's Bo claims to be in drift: through the gateway his own token decides (403), and straight at
    the tasks service the forged token is refused (401); the task is not touched."""
    before = task_of(desk.dorte, task_id)
    forged = {IDENTITY_HEADER: forged_identity(desk.bo, desk.drift)}
    solution = {"solution": "Det er løst."}
    through_gateway = desk.bo.api.post(f"/api/v1/tasks/{task_id}/resolve", json=solution, headers=forged)
    assert through_gateway.status_code == 403, through_gateway.text
    direct = requests.post(f"{system.url_of('tasks')}/api/v1/tasks/{task_id}/resolve", json=solution,
                           headers=forged, timeout=10)
    assert direct.status_code == 401, direct.text
    after = task_of(desk.dorte, task_id)
    assert (after["status"], after["version"], after["solution"]) == (before["status"], before["version"], None)


def test_operations_gives_support_a_task_that_goes_back_and_forth_before_it_is_solved(system, desk):
    """Opgave oprettes af driften → hovedteam i support → dispatcher i support tildeler agent → al intern
    kommunikation på opgaven (sendt retur og tilbage) → agenten løser → driften lukker sagen."""
    case = open_case(desk, desk.anders, desk.drift, "Nyt adgangskort")
    task = create_task(desk.anders, case["id"], subject="Aftal udlevering af adgangskort", team_id=desk.support,
                       approver_id=desk.anders.id,
                       description="Brugeren skal have nyt adgangskort; aftal tid for udlevering i receptionen.")
    assert desk.svend.api.patch(f"/api/v1/tasks/{task['id']}",
                                json={"assignee_id": desk.sofie.id}).json()["status"] == "assigned"
    back = desk.sofie.api.post(f"/api/v1/tasks/{task['id']}/return",
                               json={"comment": "Hvilken afdeling hører brugeren til?"}).json()
    assert back["assignee_id"] == desk.anders.id
    assert desk.anders.api.post(f"/api/v1/tasks/{task['id']}/comments",
                                json={"body": "Økonomi, 2. sal."}).status_code == 201
    again = desk.anders.api.post(f"/api/v1/tasks/{task['id']}/return", json={}).json()
    assert again["assignee_id"] == desk.sofie.id
    assert desk.sofie.api.post(f"/api/v1/tasks/{task['id']}/resolve",
                               json={"solution": "Udleveres torsdag kl. 10."}).status_code == 200
    system.mailbox.wait_for(lambda m: desk.anders.email in m["X-Test-Rcpt-To"]
                            and task["number"] in m["Subject"] and "løst" in m["Subject"], timeout=30)
    assert desk.anders.api.post(f"/api/v1/cases/{case['id']}/close").status_code == 200
    until(lambda: task_of(desk.anders, task["id"])["status"] == "closed", "the task to close with its case")


def test_a_case_handed_to_operations_and_back_keeps_its_task_until_support_closes_it(system, desk):
    """Sag oprettes i support → tildeles hovedteam i drift → dispatcher i drift tildeler til agent → agent i
    drift løser sagen og den går tilbage til agenten der oprettede den → sagsagenten lukker sagen."""
    case = open_case(desk, desk.sofie, desk.support, "VPN virker ikke")
    task = create_task(desk.sofie, case["id"], subject="Forny VPN-certifikat", team_id=desk.drift,
                       description="Certifikatet på VPN-koncentratoren er udløbet; forny det.")
    hand_over(desk.sofie, case["id"], desk.drift)
    assign_case(desk.dorte, case["id"], desk.anders)
    assert_receiving_team_cannot_close(desk.anders, case["id"])

    resolved = desk.anders.api.post(f"/api/v1/cases/{case['id']}/resolve", json={"solution": "Fornyet."})
    assert resolved.status_code == 200, resolved.text
    # back to the agent who created the case, in the team that owns it
    assert (resolved.json()["team_id"], resolved.json()["assignee_id"]) == (desk.support, desk.sofie.id)
    # The hand-over and the resolve leave the task alone: it is operations' work either way.
    assert task_of(desk.anders, task["id"])["status"] == "registered"
    assert_receiving_team_cannot_close(desk.anders, case["id"])  # needs the cases fix: the return keeps the owner
    assert desk.sofie.api.post(f"/api/v1/cases/{case['id']}/close").status_code == 200
    until(lambda: task_of(desk.sofie, task["id"])["status"] == "closed", "the task to close with its case")


def test_a_case_handed_to_support_and_back_with_a_task_reopened_by_number(system, desk):
    """Sag oprettes i drift → tildeles hovedteam i support → support løser og tildeler tilbage til agenten
    der oprettede den i drift, som lukker.  The drift agent's task is solved, found by number (Ctrl O,
    TSK<nr>), reopened, solved again."""
    case = open_case(desk, desk.anders, desk.drift, "Navneskift i AD")
    task = create_task(desk.anders, case["id"], subject="Ret mailadresse", team_id=desk.support,
                       approver_id=desk.anders.id,
                       description="Brugeren har skiftet navn; ret mailadressen i AD og behold den gamle som alias.")
    hand_over(desk.anders, case["id"], desk.support)
    assign_case(desk.svend, case["id"], desk.sofie)
    assigned = desk.svend.api.patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": desk.sofie.id})
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["id"], assigned.json()["assignee_id"]) == (task["id"], desk.sofie.id)
    assert desk.sofie.api.post(f"/api/v1/tasks/{task['id']}/resolve",
                               json={"solution": "Mailadressen er rettet."}).status_code == 200
    by_number = desk.anders.api.get(f"/api/v1/tasks/by-number/{task['number'].replace(' ', '').lower()}")
    assert by_number.status_code == 200 and by_number.json()["id"] == task["id"]
    reopened = desk.anders.api.post(f"/api/v1/tasks/{task['id']}/reopen",
                                    json={"reason": "Det gamle alias virker ikke."},
                                    headers={"If-Match": f'"{by_number.json()["version"]}"'})
    assert reopened.status_code == 200 and reopened.json()["assignee_id"] == desk.sofie.id
    assert desk.sofie.api.post(f"/api/v1/tasks/{task['id']}/resolve", json={"solution": "Alias tilføjet."}).ok
    assert_receiving_team_cannot_close(desk.sofie, case["id"])

    back = desk.sofie.api.post(f"/api/v1/cases/{case['id']}/resolve", json={"solution": "Klaret."})
    assert back.status_code == 200, back.text
    assert (back.json()["team_id"], back.json()["assignee_id"]) == (desk.drift, desk.anders.id)
    assert_receiving_team_cannot_close(desk.sofie, case["id"])  # needs the cases fix: the return keeps the owner
    assert desk.anders.api.post(f"/api/v1/cases/{case['id']}/close").status_code == 200
    until(lambda: task_of(desk.anders, task["id"])["status"] == "closed", "the task to close with its case")


def hand_over(agent: Person, case_id: str, team_id: str) -> None:
    moved = agent.api.patch(f"/api/v1/cases/{case_id}", json={"team_id": team_id})
    assert moved.status_code == 200, moved.text
    assert moved.json()["team_id"] == team_id


def assign_case(dispatcher: Person, case_id: str, agent: Person) -> None:
    """The receiving team's dispatcher gives the case to one of the team's agents."""
    assigned = dispatcher.api.patch(f"/api/v1/cases/{case_id}", json={"assignee_id": agent.id})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["assignee_id"] == agent.id


def assert_receiving_team_cannot_close(agent: Person, case_id: str) -> None:
    """Seed 001: a case handed over from another team is never closed by the team that received it."""
    before = case_of(agent, case_id)
    refused = agent.api.post(f"/api/v1/cases/{case_id}/close")
    assert refused.status_code in (403, 409), refused.text
    assert case_of(agent, case_id)["status"] == before["status"] != "closed"
