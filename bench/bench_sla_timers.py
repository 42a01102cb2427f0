"""SLA timer scheduler on PostgreSQL with 100,000 pending timers: firing throughput, one and two replicas."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from common import Stopwatch, fresh_database, rate
from sqlalchemy import func, insert, select, update

from servicekit.db import Database
from servicekit.migrations import upgrade
from sla.app import MIGRATIONS_DIR
from sla.models import Timer
from sla.scheduler import TimerScheduler
from sla.service.timers import next_due

PENDING = 100_000
DUE_NOW = 20_000
BATCH = 500


def main() -> None:
    with fresh_database("bench_sla") as url:
        upgrade(url, MIGRATIONS_DIR)
        database = Database(url)
        with Stopwatch() as load:
            _add_timers(database, PENDING)
        print(f"  insert pending timers (10,000 per transaction): {rate(PENDING, load.seconds)}")
        _make_due(database, DUE_NOW)
        _measure_next_due(database)
        for replicas in (1, 2):
            _make_due(database, DUE_NOW)
            fired, seconds = _fire_all(url, replicas)
            print(f"  fire {DUE_NOW:,} due of {PENDING:,} pending, {replicas} replica(s), batch {BATCH}: "
                  f"{rate(fired, seconds)}")
        database.dispose()


def _add_timers(database: Database, count: int) -> None:
    later = datetime.now(UTC) + timedelta(days=30)
    for start in range(0, count, 10_000):
        rows = [{"kind": "task_deadline", "subject_id": f"task-{n}", "metric": "", "payload": {"case_id": None},
                 "due_at": later + timedelta(seconds=n), "created_at": datetime.now(UTC)}
                for n in range(start, min(count, start + 10_000))]
        with database.transaction() as session:
            session.execute(insert(Timer), rows)


def _make_due(database: Database, count: int) -> None:
    """Re-arm ``count`` timers as due now, the rest stay pending in the future."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    with database.transaction() as session:
        session.execute(update(Timer).where(Timer.id <= count).values(fired_at=None, due_at=past))
        session.execute(update(Timer).where(Timer.id > count).values(fired_at=None))
    with database.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE timers")


def _measure_next_due(database: Database) -> None:
    with Stopwatch() as watch:
        for _ in range(1_000):
            with database.transaction() as session:
                next_due(session)
    print(f"  next due time with {PENDING:,} pending: {watch.seconds:.2f} ms per look-up (1,000 look-ups)")


def _fire_all(url: str, replicas: int) -> tuple[int, float]:
    counts = [0] * replicas

    def run(n: int) -> None:
        database = Database(url)
        scheduler = TimerScheduler(database, batch_size=BATCH)
        while fired := scheduler.fire_due():
            counts[n] += fired
        database.dispose()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(replicas)]
    with Stopwatch() as watch:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    database = Database(url)
    with database.transaction() as session:
        twice = session.scalar(select(func.count()).select_from(Timer).where(Timer.fired_at.is_not(None)))
    database.dispose()
    assert sum(counts) == DUE_NOW == twice, (counts, twice)
    return sum(counts), watch.seconds
