"""The timer scheduler on PostgreSQL: each timer fires once across replicas, and after a restart."""

import json
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from builders import CaseStory, user_event
from harness import SlaHarness
from polling import wait_for
from sqlalchemy import event, func, select

from servicekit.db import Database
from servicekit.outbox import outbox_table
from sla.models import Timer
from sla.scheduler import TimerScheduler
from sla.service.timers import fire_due_timers
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
    """Run ``replicas`` schedulers at the instant ``at``, each on its own connection pool, until none is due;
    return how many timers each fired."""
    return [sum(rounds) for rounds in run_replica_rounds(url, replicas, batch_size, at)]


def run_replica_rounds(url: str, replicas: int, batch_size: int, at: datetime) -> list[list[int]]:
    """As ``run_replicas``, and say what each round of each replica fired (rounds that fired nothing left out)."""
    fired: list[list[int]] = [[] for _ in range(replicas)]
    start = threading.Barrier(replicas)

    def replica(n: int) -> None:
        database = Database(url)
        scheduler = TimerScheduler(database, batch_size=batch_size, clock=lambda: at)
        start.wait()
        while (count := scheduler.fire_due()) or _any_due(database, at):
            if count:
                fired[n].append(count)
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


PENDING, DUE, HISTORY, BATCH = 100_000, 1_000, 20_000, 150


def copy_timers(database: Database, at: datetime) -> None:
    """100 000 pending task deadlines (the oldest 1 000 due), and 20 000 fired ones as history, by COPY."""
    rows = [("task_deadline", f"task-{n:06d}", "", at - timedelta(seconds=DUE - n) if n < DUE
             else at + timedelta(minutes=n), None, "{}", at) for n in range(PENDING)]
    rows += [("task_deadline", f"done-{n:06d}", "", at - timedelta(days=1), at - timedelta(days=1), "{}", at)
             for n in range(HISTORY)]
    connection = database.engine.raw_connection()
    try:
        with connection.cursor() as cursor, cursor.copy(
                "COPY timers (kind, subject_id, metric, due_at, fired_at, payload, created_at) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE timers")
        connection.commit()
    finally:
        connection.close()


def plan_of_the_due_query(database: Database, at: datetime) -> str:
    """EXPLAIN of the very statement a scheduler round sends, captured from a round run and rolled back."""
    sent: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE TIMERS"):
            sent.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        with database.session() as session:
            fire_due_timers(session, now=at, limit=BATCH)
            session.rollback()
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    [(statement, parameters)] = sent
    with database.engine.connect() as conn:
        return "\n".join(conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())


def test_a_hundred_thousand_pending_timers_fire_their_due_ones_in_batches_by_the_partial_index(sla_url):
    at = now()
    database = Database(sla_url)
    try:
        copy_timers(database, at)
        plan = plan_of_the_due_query(database, at)
        assert "ix_timers_due" in plan and "Seq Scan" not in plan, plan

        rounds = run_replica_rounds(sla_url, 2, BATCH, at)
        assert all(0 < n <= BATCH for replica in rounds for n in replica), rounds
        assert sum(map(sum, rounds)) == DUE and len(sum(rounds, [])) >= DUE // BATCH + 1
        told = [e["subject"] for e in outbox_events(database) if e["type"] == "sla.task_deadline_passed"]
        assert len(told) == len(set(told)) == DUE and set(told) == {f"task-{n:06d}" for n in range(DUE)}
        with database.transaction() as session:
            left = session.scalar(select(func.count()).select_from(Timer).where(Timer.fired_at.is_(None)))
        assert left == PENDING - DUE
    finally:
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


def add_task_deadline(database: Database, task_id: str, due_at: datetime) -> None:
    with database.transaction() as session:
        session.add(Timer(kind="task_deadline", subject_id=task_id, metric="", due_at=due_at,
                          payload={"task_number": "TSK 2611-0001", "case_id": None}))


def fired_at(database: Database, task_id: str) -> datetime | None:
    with database.transaction() as session:
        return session.scalar(select(Timer.fired_at).where(Timer.subject_id == task_id))


def test_a_due_timer_held_by_another_replica_is_not_polled_for_and_does_not_delay_the_next_one(sla_url):
    database, holder = Database(sla_url), Database(sla_url)
    add_task_deadline(database, "held", now() - timedelta(seconds=1))
    add_task_deadline(database, "next", now() + timedelta(seconds=0.8))
    rounds: list[float] = []

    def count_rounds(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE TIMERS"):
            rounds.append(time.monotonic())

    held = holder.session()
    held.execute(select(Timer).where(Timer.subject_id == "held").with_for_update())  # another replica firing it
    scheduler, stop = TimerScheduler(database, poll_interval=2.0), threading.Event()
    event.listen(database.engine, "before_cursor_execute", count_rounds)
    running = threading.Thread(target=scheduler.run, args=(stop,))
    running.start()
    try:
        time.sleep(1.5)
        assert 2 <= len(rounds) <= 10, f"{len(rounds)} rounds in 1.5 s while a due timer was held"
        with database.transaction() as session:
            due_next = session.scalar(select(Timer.due_at).where(Timer.subject_id == "next"))
        fired_next = fired_at(database, "next")
        assert fired_next is not None and fired_next - due_next < timedelta(seconds=0.3), (due_next, fired_next)
        held.rollback()  # the other replica gave it up (it died): this one fires it within the poll interval
        released = now()
        assert wait_for(lambda: fired_at(database, "held"), timeout=5)
        assert fired_at(database, "held") - released < timedelta(seconds=2.3)
    finally:
        stop.set()
        running.join(10)
        event.remove(database.engine, "before_cursor_execute", count_rounds)
        held.close()
        holder.dispose()
        database.dispose()
