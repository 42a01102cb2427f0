"""The embedded mode (`make run`) runs the tasks service on SQLite with the in-process broker: the same
code paths must work there (upserts, numbering, the window count, NULLS LAST)."""

import uuid

import pytest
from tasks_testkit import Caller, EventDesk, World, case_data, task_body, team_data, user_data

from servicekit.auth import IdentitySigner, generate_keypair
from servicekit.migrations import upgrade
from tasks import config
from tasks.app import MIGRATIONS_DIR, build_context, create_app

PRIVATE, PUBLIC = generate_keypair()


@pytest.fixture
def embedded(tmp_path):
    url = f"sqlite:///{tmp_path / 'tasks.db'}"
    upgrade(url, MIGRATIONS_DIR)
    context = build_context(config.load({"DATABASE_URL": url, "AMQP_URL": "memory://", "IDENTITY_PUBLIC_KEY": PUBLIC,
                                         "LOG_FORMAT": "text"}))
    yield context, create_app(context.settings, context)
    context.database.dispose()


def test_a_task_lives_its_whole_life_on_sqlite(embedded):
    context, app = embedded
    world, desk = World(), EventDesk(context, context.bus)
    for person in world.users:
        desk.apply("user.created", user_data(person), source="gateway")
    desk.apply("team.created", team_data(world.drift, "Drift", [world.dorte, world.anders]), source="gateway")
    desk.apply("team.created", team_data(world.support, "Support", [world.sofie]), source="gateway")
    case_id = str(uuid.uuid4())
    desk.apply("case.created", case_data(case_id, team_id=world.support))
    signer = IdentitySigner(PRIVATE)
    client = app.test_client()

    def caller(person):
        return Caller(client, lambda identity, audience: signer.sign(identity, audience), person)

    first = caller(world.sofie).post(f"/api/v1/cases/{case_id}/tasks", json=task_body(world)).json
    second = caller(world.sofie).post(f"/api/v1/cases/{case_id}/tasks", json=task_body(world)).json
    assert int(second["number"][-4:]) == int(first["number"][-4:]) + 1
    assert caller(world.dorte).patch(f"/api/v1/tasks/{first['id']}",
                                     json={"assignee_id": world.anders.id}).json["status"] == "assigned"
    assert caller(world.anders).post(f"/api/v1/tasks/{first['id']}/resolve",
                                     json={"solution": "Klaret på SQLite."}).status_code == 200
    page = caller(world.sofie).get("/api/v1/tasks?view=mine&state=any&sort=-deadline").json
    assert page["total"] == 2
    assert caller(world.sofie).get("/api/v1/tasks/summary").json["mine"] == 1  # the other one is resolved
    desk.apply("case.closed", case_data(case_id, status="closed", team_id=world.support, version=2))
    statuses = [t["status"] for t in caller(world.sofie).get(f"/api/v1/cases/{case_id}/tasks").json["items"]]
    assert statuses == ["closed", "closed"]
