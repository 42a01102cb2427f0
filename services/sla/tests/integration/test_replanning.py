"""An admin change re-plans every open clock it touches without locking them all in one transaction (PostgreSQL)."""

from datetime import UTC, datetime, timedelta

import pytest
from builders import CaseStory
from harness import SlaHarness
from sqlalchemy import event, select

from servicekit.db import Database
from sla.models import ClockMetric, ReplanJob
from sla.service import calendars
from sla.service.recompute import calendar_scope, start_replanning
from sla.worker import build_replan_finisher

OPEN_CASES, BATCH = 10, 3  # the settings fixture sets REPLAN_BATCH_SIZE=3


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def admin(make_identity):
    return make_identity(roles=("admin",))


@pytest.fixture
def office(call, admin) -> dict:
    return next(c for c in call("GET", "/api/v1/sla/calendars", admin).get_json()["items"]
                if c["name"] == "Dansk arbejdstid")


@pytest.fixture
def cases(sla_url):
    """Ten open cases on the default policy (office hours) and a closed one, made an hour ago."""
    database = Database(sla_url)
    sla = SlaHarness(database)
    created = now() - timedelta(hours=1)
    stories = [CaseStory(created_at=created, priority="low") for _ in range(OPEN_CASES + 1)]
    for story in stories:
        sla.deliver(story.created(), at=now())
    sla.deliver(stories[-1].closed(now()), at=now())
    yield stories[:-1], stories[-1], database
    database.dispose()


def metrics_of(database: Database, case_id: str) -> list[tuple]:
    with database.transaction() as session:
        return [(m.metric, m.consumed_seconds, m.running_since, m.due_at, m.stopped_at) for m in session.scalars(
            select(ClockMetric).where(ClockMetric.case_id == case_id).order_by(ClockMetric.metric))]


def assert_round_the_clock(call, admin, story) -> None:
    """Planned on the 24/7 calendar: due as many wall-clock seconds from now as it has left."""
    view = call("GET", f"/api/v1/cases/{story.id}/sla", admin).get_json()["resolution"]
    left = (datetime.fromisoformat(view["due_at"]) - now()).total_seconds()
    assert abs(left - view["remaining_seconds"]) < 5, (story.id, view)


def test_a_calendar_change_re_plans_every_open_clock_a_few_per_transaction(call, admin, office, cases, context):
    open_cases, closed, database = cases
    closed_before = metrics_of(database, closed.id)
    locking: list[str] = []

    def watch(conn, cursor, statement, parameters, context_, executemany):
        if "FOR UPDATE OF case_clocks" in statement:
            locking.append(statement)

    event.listen(context.database.engine, "before_cursor_execute", watch)
    try:
        response = call("PATCH", f"/api/v1/sla/calendars/{office['id']}", admin, json={"always_open": True})
    finally:
        event.remove(context.database.engine, "before_cursor_execute", watch)
    assert response.status_code == 200 and response.get_json()["version"] == 2

    for story in open_cases:
        assert_round_the_clock(call, admin, story)
    assert metrics_of(database, closed.id) == closed_before
    chunks = -(-OPEN_CASES // BATCH)
    assert len(locking) >= 2 * chunks and all("LIMIT" in statement for statement in locking), locking
    with database.transaction() as session:
        [job] = session.scalars(select(ReplanJob)).all()
        assert (job.replanned, job.finished_at is not None) == (OPEN_CASES, True)


def test_a_refused_change_re_plans_nothing(call, admin, office, cases):
    open_cases, _, database = cases
    before = [metrics_of(database, story.id) for story in open_cases]
    response = call("PATCH", f"/api/v1/sla/calendars/{office['id']}", admin, json={"always_open": True},
                    headers={"If-Match": "7"})
    assert response.status_code == 412
    assert [metrics_of(database, story.id) for story in open_cases] == before
    with database.transaction() as session:
        assert session.scalars(select(ReplanJob)).all() == []


def test_the_worker_finishes_a_re_planning_its_request_left_unfinished(call, admin, office, cases, context):
    open_cases, _, database = cases
    session = context.database.session()
    try:  # the request commits the change and its job, then dies before re-planning a single chunk
        start_replanning(session, scope=calendar_scope(office["id"]), now=now(), batch_size=BATCH,
                         change=lambda: calendars.update_calendar(session, office["id"], {"always_open": True}, None))
    finally:
        session.close()
    view = call("GET", f"/api/v1/cases/{open_cases[0].id}/sla", admin).get_json()["resolution"]
    assert (datetime.fromisoformat(view["due_at"]) - now()).total_seconds() > view["remaining_seconds"] + 3600

    finisher = build_replan_finisher(context)
    assert finisher.finish_unfinished() == 1
    for story in open_cases:
        assert_round_the_clock(call, admin, story)
    assert finisher.finish_unfinished() == 0
