"""The views of seed 001 ("mine" = agent or approver, team, approver, created by me; open and closed tabs),
a case's "Opgaver (n)", filters, sorting and pagination — one query per page."""

import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from tasks_testkit import Caller, case_data, task_body

from tasks import config
from tasks.app import build_context, create_app
from tasks.models import Task


@contextmanager
def statements_on(engine):
    """The SQL statements sent while the block runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [task["id"] for task in response.json["items"]]


@pytest.fixture
def tasks(as_, make_task, world):
    """Three tasks from Sofie: one to drift for Anders, one to drift unassigned, one to support she approves
    not; and one from Anders that Sofie only approves."""
    for_anders = make_task(assignee_id=world.anders.id, approver_id=None)
    unassigned = make_task(approver_id=None)
    to_support = make_task(team_id=world.support, approver_id=world.svend.id)
    approved_by_sofie = make_task(by=world.anders, team_id=world.support, approver_id=world.sofie.id)
    return {"for_anders": for_anders, "unassigned": unassigned, "to_support": to_support,
            "approved_by_sofie": approved_by_sofie}


def test_mine_holds_what_i_am_assignee_or_approver_of(as_, world, tasks):
    assert set(ids(as_(world.anders).get("/api/v1/tasks"))) == {tasks["for_anders"]["id"]}
    assert set(ids(as_(world.sofie).get("/api/v1/tasks?view=mine"))) == {tasks["approved_by_sofie"]["id"]}


def test_team_unassigned_approver_and_created_by_me(as_, world, tasks):
    drift = {tasks["for_anders"]["id"], tasks["unassigned"]["id"]}
    assert set(ids(as_(world.dorte).get("/api/v1/tasks?view=team"))) == drift
    assert ids(as_(world.dorte).get("/api/v1/tasks?view=unassigned")) == [tasks["unassigned"]["id"]]
    assert ids(as_(world.svend).get("/api/v1/tasks?view=approver")) == [tasks["to_support"]["id"]]
    assert set(ids(as_(world.sofie).get("/api/v1/tasks?view=created_by_me"))) == {
        tasks["for_anders"]["id"], tasks["unassigned"]["id"], tasks["to_support"]["id"]}
    assert ids(as_(world.admin).get("/api/v1/tasks?view=team")) == []


def test_the_summary_counts_each_view_in_one_query(as_, context, world, tasks):
    with statements_on(context.database.engine) as statements:
        summary = as_(world.sofie).get("/api/v1/tasks/summary").json
    assert len(statements) == 1
    assert summary == {"mine": 1, "team": 2, "unassigned": 2, "approver": 1, "created_by_me": 3, "overdue": 0}
    assert as_(world.dorte).get("/api/v1/tasks/summary").json["unassigned"] == 1
    assert as_(world.rikke).get("/api/v1/tasks/summary").status_code == 404


def test_solved_tasks_leave_the_open_tab_for_the_closed_tab(as_, world, tasks):
    as_(world.anders).post(f"/api/v1/tasks/{tasks['for_anders']['id']}/resolve", json={"solution": "Klaret."})
    assert ids(as_(world.anders).get("/api/v1/tasks?view=mine&state=open")) == []
    assert ids(as_(world.anders).get("/api/v1/tasks?view=mine&state=closed")) == [tasks["for_anders"]["id"]]
    assert ids(as_(world.anders).get("/api/v1/tasks?view=mine&state=any")) == [tasks["for_anders"]["id"]]


def test_a_cases_tasks_and_their_count_for_opgaver_n(as_, world, tasks, open_case):
    page = as_(world.sofie).get(f"/api/v1/cases/{open_case}/tasks").json
    assert page["total"] == 4 and page["page"] == 1 and page["per_page"] == 50
    assert [t["case_number"] for t in page["items"]] == ["SAG 2611-0042"] * 4


def test_a_known_case_without_tasks_lists_none(as_, desk, world):
    case_id = str(uuid.uuid4())
    desk.apply("case.created", case_data(case_id, team_id=world.support, actor_id=world.sofie.id))
    page = as_(world.sofie).get(f"/api/v1/cases/{case_id}/tasks").json
    assert (page["items"], page["total"]) == ([], 0)


def test_the_tasks_of_a_case_unknown_here_are_not_an_empty_list_but_asked_of_the_cases_service(as_, world):
    """No such case is 404 (tests/test_task_workflows.py, across the gateway); here the gateway is away."""
    response = as_(world.sofie).get(f"/api/v1/cases/{uuid.uuid4()}/tasks")
    assert response.status_code == 503, response.json
    assert response.json["type"] == "/problems/cases-unreachable" and response.headers["Retry-After"] == "5"


def test_pages_and_a_page_past_the_end_still_tell_the_total(as_, world, tasks, open_case):
    first = as_(world.sofie).get(f"/api/v1/cases/{open_case}/tasks?per_page=3&page=1").json
    second = as_(world.sofie).get(f"/api/v1/cases/{open_case}/tasks?per_page=3&page=2").json
    beyond = as_(world.sofie).get(f"/api/v1/cases/{open_case}/tasks?per_page=3&page=9").json
    assert (len(first["items"]), len(second["items"]), len(beyond["items"])) == (3, 1, 0)
    assert first["total"] == second["total"] == beyond["total"] == 4
    assert as_(world.sofie).get("/api/v1/tasks?per_page=201").status_code == 422
    assert as_(world.sofie).get("/api/v1/tasks?view=everything").status_code == 422


def test_sorting_by_deadline_puts_tasks_without_one_last(as_, make_task, world):
    soon, later = (datetime.now(UTC) + timedelta(days=d) for d in (1, 5))
    late = make_task(assignee_id=world.anders.id, deadline=later.isoformat())
    none = make_task(assignee_id=world.anders.id)
    early = make_task(assignee_id=world.anders.id, deadline=soon.isoformat())
    assert ids(as_(world.anders).get("/api/v1/tasks?sort=deadline")) == [early["id"], late["id"], none["id"]]
    assert ids(as_(world.anders).get("/api/v1/tasks?sort=-deadline")) == [late["id"], early["id"], none["id"]]


def test_the_overdue_filter_splits_tasks_past_their_deadline_from_the_rest(as_, context, make_task, world):
    late = make_task(assignee_id=world.anders.id, deadline=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    on_time = make_task(assignee_id=world.anders.id)
    with context.database.transaction() as session:  # an hour later
        session.get(Task, late["id"]).deadline = datetime.now(UTC) - timedelta(minutes=1)
    assert ids(as_(world.anders).get("/api/v1/tasks?overdue=true")) == [late["id"]]
    assert ids(as_(world.anders).get("/api/v1/tasks?overdue=false")) == [on_time["id"]]
    assert as_(world.anders).get(f"/api/v1/tasks/{late['id']}").json["overdue"] is True


def test_search_by_words_or_by_number(as_, make_task, world):
    vpn = make_task(subject="VPN-certifikat udløbet", description="Forny VPN-certifikatet for brugeren i dag.")
    make_task()
    assert ids(as_(world.sofie).get("/api/v1/tasks?view=all&q=vpn")) == [vpn["id"]]
    number = vpn["number"].replace(" ", "").lower()
    assert ids(as_(world.sofie).get(f"/api/v1/tasks?view=all&q={number}")) == [vpn["id"]]
    assert ids(as_(world.sofie).get("/api/v1/tasks?view=all&q=100%25")) == []


def test_every_list_page_is_one_query(context, as_, world, tasks, open_case):
    for path in ("/api/v1/tasks?view=all&state=any&per_page=2", f"/api/v1/cases/{open_case}/tasks",
                 "/api/v1/tasks?view=mine&overdue=false"):
        with statements_on(context.database.engine) as statements:
            assert as_(world.sofie).get(path).status_code == 200
        assert len(statements) == 1, statements


def test_numbers_stay_unique_when_two_replicas_create_at_once(tasks_environ, sign_identity, desk, world, open_case):
    """Two app instances (own engines, like two replicas) and eight threads create 40 tasks at once."""
    contexts = [build_context(config.load(tasks_environ)) for _ in range(2)]
    clients = [create_app(ctx.settings, ctx).test_client() for ctx in contexts]
    numbers: list[str] = []
    lock = threading.Lock()

    def create(client):
        caller = Caller(client, sign_identity, world.sofie)
        for _ in range(5):
            response = caller.post(f"/api/v1/cases/{open_case}/tasks", json=task_body(world))
            assert response.status_code == 201, response.json
            with lock:
                numbers.append(response.json["number"])

    threads = [threading.Thread(target=create, args=(clients[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for ctx in contexts:
        ctx.database.dispose()
    assert len(numbers) == 40 and len(set(numbers)) == 40
    sequences = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + 40))
