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
    """Create a task as soon as the tasks service has heard of the case and the people (their events)."""

    def attempt():
        response = agent.api.post(f"/api/v1/cases/{case_id}/tasks", json=fields)
        return None if _still_arriving(response) else response

    return created(until(attempt, "the task to be created"))


def _still_arriving(response) -> bool:
    """409 case-not-known-yet, or a team or person the service has not heard of yet (the gateway's events)."""
    if response.status_code == 409:
        return response.json().get("type") == "/problems/case-not-known-yet"
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
                       approver_id=desk.sofie.id, blocks_case_closure=True,
                       description="Printserveren PRN-03 svarer ikke; genstart den og tøm printkøen.")
    assert task["status"] == "registered" and task["case_number"] == case["number"]

    until(lambda: case_of(desk.sofie, case["id"])["open_blocking_tasks"] == 1, "the case to count the task")
    refused = desk.sofie.api.post(f"/api/v1/cases/{case['id']}/close")
    assert refused.status_code == 409 and task["number"] in refused.text

    queue = desk.dorte.api.get("/api/v1/tasks", params={"view": "unassigned"}).json()["items"]
    assert task["id"] in [t["id"] for t in queue]
    mine = desk.sofie.api.get("/api/v1/tasks", params={"view": "mine"}).json()["items"]
    assert task["id"] in [t["id"] for t in mine]  # Sofie only approves it
    assert desk.dorte.api.patch(f"/api/v1/tasks/{task['id']}",
                                json={"assignee_id": desk.anders.id}).json()["status"] == "assigned"
    external = desk.anders.api.post(f"/api/v1/tasks/{task['id']}/comments",
                                    json={"body": "Hej, vi ser på det.", "visibility": "external"})
    assert external.status_code == 422 and external.headers["Content-Type"].startswith("application/problem+json")
    forged = desk.bo.api.post(f"/api/v1/tasks/{task['id']}/resolve", json={"solution": "Det er løst."})
    assert forged.status_code == 403  # support's Bo is not on the task's team
    assert desk.rikke.api.get(f"/api/v1/tasks/{task['id']}").status_code == 404

    resolved = desk.anders.api.post(f"/api/v1/tasks/{task['id']}/resolve",
                                    json={"solution": "Printserveren er genstartet og køen tømt."})
    assert resolved.status_code == 200, resolved.text
    mail = system.mailbox.wait_for(lambda m: desk.sofie.email in m["X-Test-Rcpt-To"]
                                   and task["number"] in m["Subject"], timeout=30)
    assert "Printserveren er genstartet" in mail.get_body(("plain",)).get_content()

    until(lambda: case_of(desk.sofie, case["id"])["open_blocking_tasks"] == 0, "the task to stop blocking")
    closed = desk.sofie.api.post(f"/api/v1/cases/{case['id']}/close")
    assert closed.status_code == 200, closed.text
    until(lambda: task_of(desk.sofie, task["id"])["status"] == "closed", "the task to close with its case")


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
    """Sag oprettes i support → tildeles hovedteam i drift → drift løser sagen, den går tilbage til
    agenten der oprettede den → sagsagenten lukker sagen (task side: the task follows the case)."""
    case = open_case(desk, desk.sofie, desk.support, "VPN virker ikke")
    task = create_task(desk.sofie, case["id"], subject="Forny VPN-certifikat", team_id=desk.drift,
                       description="Certifikatet på VPN-koncentratoren er udløbet; forny det.")
    moved = desk.sofie.api.patch(f"/api/v1/cases/{case['id']}", json={"team_id": desk.drift})
    assert moved.status_code == 200, moved.text
    resolved = desk.anders.api.post(f"/api/v1/cases/{case['id']}/resolve", json={"solution": "Fornyet."})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["team_id"] == desk.support  # back to the team that handed it over
    # The hand-over and the resolve leave the task alone: it is operations' work either way.
    assert task_of(desk.anders, task["id"])["status"] == "registered"
    assert desk.sofie.api.post(f"/api/v1/cases/{case['id']}/close").status_code == 200
    until(lambda: task_of(desk.sofie, task["id"])["status"] == "closed", "the task to close with its case")


def test_a_case_handed_to_support_and_back_with_a_task_reopened_by_number(system, desk):
    """Sag oprettes i drift → tildeles hovedteam i support → support løser og tildeler tilbage.  The drift
    agent's task is solved, found by number (Ctrl O, TSK<nr>), reopened, solved again."""
    case = open_case(desk, desk.anders, desk.drift, "Navneskift i AD")
    task = create_task(desk.anders, case["id"], subject="Ret mailadresse", team_id=desk.support,
                       approver_id=desk.anders.id,
                       description="Brugeren har skiftet navn; ret mailadressen i AD og behold den gamle som alias.")
    assert desk.anders.api.patch(f"/api/v1/cases/{case['id']}", json={"team_id": desk.support}).status_code == 200
    assert desk.svend.api.patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": desk.sofie.id}).ok
    assert desk.sofie.api.post(f"/api/v1/tasks/{task['id']}/resolve",
                               json={"solution": "Mailadressen er rettet."}).status_code == 200
    found = desk.anders.api.get(f"/api/v1/tasks/by-number/{task['number'].replace(' ', '').lower()}").json()
    reopened = desk.anders.api.post(f"/api/v1/tasks/{task['id']}/reopen",
                                    json={"reason": "Det gamle alias virker ikke."},
                                    headers={"If-Match": f'"{found["version"]}"'})
    assert reopened.status_code == 200 and reopened.json()["assignee_id"] == desk.sofie.id
    assert desk.sofie.api.post(f"/api/v1/tasks/{task['id']}/resolve", json={"solution": "Alias tilføjet."}).ok
    back = desk.sofie.api.post(f"/api/v1/cases/{case['id']}/resolve", json={"solution": "Klaret."})
    assert back.status_code == 200 and back.json()["team_id"] == desk.drift
    assert desk.anders.api.post(f"/api/v1/cases/{case['id']}/close").status_code == 200
    until(lambda: task_of(desk.anders, task["id"])["status"] == "closed", "the task to close with its case")
