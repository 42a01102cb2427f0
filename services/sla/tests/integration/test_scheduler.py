"""The timer scheduler on PostgreSQL: each timer fires once across replicas, and after a restart."""

import json
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from builders import CaseStory, user_event
from harness import SlaHarness
from polling import wait_for
from sqlalchemy import func, select, text

from servicekit.db import Database
from servicekit.outbox import outbox_table
from sla.models import Timer
from sla.scheduler import TimerScheduler
from sla.worker import build_worker

AGENT = "3f0c1f9e-0000-4000-8000-00000000000a"


def now() -> datetime:
    return datetime.now(UTC)


def of_type(received: list[dict], event_type: str) -> list[dict]:
    return [e for e in received if e["type"] == event_type]


def outbox_events(database: Database) -> list[dict]:
    with database.transaction() as session:
        return [json.loads(body) for body in session.scalars(select(outbox_table.c.body))]


def run_replicas(url: str, replicas: int, batch_size: int, at: datetime) -> list[int]:
    """Run ``replicas`` schedulers at the instant ``at``, each on its own connection pool, until none is due."""
    fired = [0] * replicas
    start = threading.Barrier(replicas)

    def replica(n: int) -> None:
        database = Database(url)
        scheduler = TimerScheduler(database, batch_size=batch_size, clock=lambda: at)
        start.wait()
        while (count := scheduler.fire_due()) or _any_due(database, at):
            fired[n] += count
        database.dispose()

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return fired


def _any_due(database: Database, at: datetime) -> bool:
    with database.transaction() as session:
        return bool(session.scalar(select(func.count()).select_from(Timer).where(
            Timer.fired_at.is_(None), Timer.due_at < at)))


def test_warning_breach_and_met_each_fire_once_with_two_schedulers(sla_url):
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Copenhagen
    database = Database(sla_url)
    sla = SlaHarness(database)
    sla.deliver(user_event(AGENT, ["agent"]), at=monday)
    stories = []
    for n in range(60):  # critical: 1 h to respond, 4 h to resolve, warnings at 75 %
        story = CaseStory(created_at=monday, priority="critical", number=f"SAG 2611-{n:04d}")
        sla.deliver(story.created(), at=monday)
        stories.append(story)
    rounds = [run_replicas(sla_url, 2, 7, monday + timedelta(minutes=minutes, seconds=1))
              for minutes in (45, 60, 180, 240)]
    assert [sum(r) for r in rounds] == [60, 60, 60, 60], rounds
    assert all(sum(r[n] for r in rounds) for n in (0, 1)), f"both replicas fired timers: {rounds}"
    for story in stories:
        sla.deliver(story.message(monday + timedelta(hours=5), author_id=AGENT), at=monday + timedelta(hours=5))
        sla.deliver(story.resolved(monday + timedelta(hours=5)), at=monday + timedelta(hours=5))
    events = outbox_events(database)
    for kind in ("sla.warning", "sla.breached", "sla.met"):
        seen = [(e["data"]["case_id"], e["data"]["metric"]) for e in events if e["type"] == kind]
        assert len(seen) == len(set(seen)) == 120, kind
    assert all(e["data"]["breached"] for e in events if e["type"] == "sla.met")
    database.dispose()


@contextmanager
def running_worker(context):
    """The service's worker (relay, consumer, scheduler) in threads until the block ends."""
    worker = build_worker(context)
    worker.start()
    try:
        assert worker.wait_until_consuming(30)
        yield worker
    finally:
        worker.stop(timeout=10)


def delete_queues(context) -> None:
    with context.bus.connect() as conn:
        build_worker(context).consumer.topology.delete(conn.channel())


def sla_rows(database: Database, case_id: str) -> tuple[list[str], list[tuple[str, bool]]]:
    """The case's sla.* events in the outbox, and its timers as (kind, fired)."""
    with database.transaction() as session:
        recorded = [t for t in session.scalars(select(outbox_table.c.event_type)) if t.startswith("sla.")]
        timers = [(t.kind, t.fired_at is not None) for t in session.scalars(
            select(Timer).where(Timer.subject_id == case_id).order_by(Timer.kind))]
    return recorded, timers


def test_a_breach_that_falls_due_while_the_scheduler_is_stopped_fires_once_when_a_new_one_starts(
        sla_url, context, publish, spy, call, make_identity, make_round_the_clock_policy):
    make_round_the_clock_policy(warning_percent=99)  # 60 s to respond; the warning just before the breach
    agent = make_identity(roles=("agent",))
    database = Database(sla_url)
    try:
        with running_worker(context):
            story = CaseStory(created_at=now() - timedelta(seconds=55), priority="critical", type="question")
            publish(story.created())
            clock = wait_for(lambda: (r := call("GET", f"/api/v1/cases/{story.id}/sla", agent)).status_code == 200
                             and r.get_json())
            assert clock, "the worker never made the clock"
        due_at = datetime.fromisoformat(clock["first_response"]["due_at"])
        assert now() < due_at - timedelta(seconds=0.3), "the scheduler was stopped only after the breach was due"

        time.sleep((due_at - now()).total_seconds() + 1.5)
        assert spy(timeout=0.5) == [], "something was published while no scheduler ran"
        assert sla_rows(database, story.id) == ([], [("sla_breach", False)] * 2 + [("sla_warning", False)] * 2)

        with running_worker(context):
            received = spy(until=lambda r: of_type(r, "sla.breached"), timeout=20)
            received = spy(timeout=1.5, until=lambda r: False)
        [breach] = of_type(received, "sla.breached")
        assert breach["data"]["case_id"] == story.id and breach["data"]["metric"] == "first_response"
        assert datetime.fromisoformat(breach["time"]) > due_at
        assert of_type(received, "sla.warning") == [], "no warning for a clock already overdue"
        assert sla_rows(database, story.id)[0] == ["sla.breached"]
    finally:
        database.dispose()
        delete_queues(context)


def test_timers_that_fell_due_before_any_scheduler_ran_fire_at_its_first_start(sla_url, context, spy):
    database = Database(sla_url)
    sla = SlaHarness(database)
    story = CaseStory(created_at=now() - timedelta(days=30), priority="critical")
    sla.deliver(story.created(), at=now())  # its warnings and breaches fell due long ago; no scheduler ran
    database.dispose()
    worker = build_worker(context)
    worker.start()
    try:
        received = spy(until=lambda r: len([e for e in r if e["type"] == "sla.breached"]) == 2, timeout=20)
    finally:
        worker.stop(timeout=10)
        with context.bus.connect() as conn:
            worker.consumer.topology.delete(conn.channel())
    assert sorted(e["data"]["metric"] for e in received if e["type"] == "sla.breached") == [
        "first_response", "resolution"]
    assert all(e["data"]["case_id"] == story.id for e in received)
    assert not [e for e in received if e["type"] == "sla.warning"], "no warning for a clock already overdue"


def test_the_due_timer_query_uses_the_partial_index(sla_url):
    database = Database(sla_url)
    with database.transaction() as session:
        session.execute(Timer.__table__.insert(), [
            {"kind": "task_deadline", "subject_id": f"t{n}", "metric": "", "payload": {}, "created_at": now(),
             "due_at": now() + timedelta(days=1 + n % 300), "fired_at": None if n % 5 else now()}
            for n in range(20_000)
        ])
        session.execute(text("ANALYZE timers"))
        plan = "\n".join(session.execute(text(
            "EXPLAIN SELECT id FROM timers WHERE fired_at IS NULL AND due_at <= now() "
            "ORDER BY due_at LIMIT 500 FOR UPDATE SKIP LOCKED")).scalars())
    assert "ix_timers_due" in plan, plan
    database.dispose()


def test_operators_see_pending_and_overdue_timers(sla_url, settings, identity_keys, context):
    from click.testing import CliRunner

    from sla.manage import cli

    database = Database(sla_url)
    SlaHarness(database).deliver(CaseStory(created_at=now() - timedelta(days=30), priority="low").created(),
                                 at=now())
    database.dispose()
    environment = {"DATABASE_URL": sla_url, "AMQP_URL": settings.amqp_url, "IDENTITY_PUBLIC_KEY": identity_keys[1]}
    result = CliRunner().invoke(cli, ["timers"], env=environment)
    assert result.exit_code == 0, result.output
    assert "4 timer(s) pending, 4 overdue" in result.output
    build_worker(context)  # registers the gauges without starting anything
    scraped = context.metrics.render().decode()
    assert "sla_timers_pending 4.0" in scraped and "sla_timers_overdue 4.0" in scraped
