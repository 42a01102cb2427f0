"""Tasks service on PostgreSQL: creating tasks, and the list pages agents keep open all day, over 20,000 tasks."""

from __future__ import annotations

import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import Stopwatch, fresh_database, rate
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services/tasks/tests"))

from tasks_testkit import Caller, EventDesk, World, case_data, task_body, team_data, user_data

from servicekit.auth import IdentitySigner, generate_keypair
from servicekit.migrations import upgrade
from tasks import config
from tasks.app import MIGRATIONS_DIR, build_context, create_app
from tasks.models import Task
from tasks.numbers import format_number, key_of

TASKS, CASES, CREATES, READS = 20_000, 500, 300, 200


def seed(context, world: World, case_ids: list[str]) -> None:
    """Bulk rows: tasks spread over the cases, both teams, open and solved, some with deadlines."""
    now = datetime.now(UTC)
    people = [world.sofie.id, world.svend.id, world.dorte.id, world.anders.id, None]
    rows = []
    for n in range(TASKS):
        status = random.choice(["registered", "assigned", "in_progress", "resolved", "closed"])
        number = format_number("TSK", "2001", n + 1)
        rows.append({
            "id": str(uuid.uuid4()), "number": number, "number_key": key_of("2001", n + 1),
            "case_id": random.choice(case_ids), "subject": f"Opgave {n}", "description": "Gør noget konkret her.",
            "team_id": random.choice([world.support, world.drift]), "assignee_id": random.choice(people),
            "approver_id": random.choice(people), "deadline": now + timedelta(hours=random.randint(-48, 480))
            if n % 3 else None, "blocks_case_closure": n % 4 == 0, "status": status,
            "created_by": random.choice(people[:4]), "created_at": now - timedelta(minutes=n),
            "updated_at": now, "version": 1,
        })
    with context.database.transaction() as session:
        for start in range(0, TASKS, 2000):
            session.execute(insert(Task), rows[start:start + 2000])


def timed(caller: Caller, paths: list[str]) -> list[float]:
    durations = []
    for path in paths:
        started = time.perf_counter()
        response = caller.get(path)
        durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.json
    return durations


def report(label: str, durations: list[float]) -> None:
    ordered = sorted(durations)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"  {label:<44} median {statistics.median(ordered):5.1f} ms, p95 {p95:5.1f} ms "
          f"({1000 / statistics.mean(ordered):,.0f}/s in one thread)")


def main() -> None:
    private, public = generate_keypair()
    signer = IdentitySigner(private)
    with fresh_database("bench_tasks") as url:
        upgrade(url, MIGRATIONS_DIR)
        context = build_context(config.load({"DATABASE_URL": url, "AMQP_URL": "memory://",
                                             "IDENTITY_PUBLIC_KEY": public, "LOG_LEVEL": "WARNING"}))
        world, desk = World(), EventDesk(context, context.bus)
        for person in world.users:
            desk.apply("user.created", user_data(person), source="gateway")
        desk.apply("team.created", team_data(world.support, "Support", [world.sofie, world.svend]), "gateway")
        desk.apply("team.created", team_data(world.drift, "Drift", [world.dorte, world.anders]), "gateway")
        case_ids = [str(uuid.uuid4()) for _ in range(CASES)]
        for n, case_id in enumerate(case_ids):
            desk.apply("case.created", case_data(case_id, number=f"SAG 2001-{n:04d}", team_id=world.support))
        with Stopwatch() as seeding:
            seed(context, world, case_ids)
        print(f"  seed rows (bulk insert):                     {rate(TASKS, seeding.seconds)}")

        client = create_app(context.settings, context).test_client()

        def caller(person):
            return Caller(client, lambda identity, audience: signer.sign(identity, audience), person)

        with Stopwatch() as creating:
            for n in range(CREATES):
                response = caller(world.sofie).post(f"/api/v1/cases/{case_ids[n % CASES]}/tasks",
                                                    json=task_body(world))
                assert response.status_code == 201, response.json
        print(f"  POST task (validate, number, row, history, outbox): {rate(CREATES, creating.seconds)}")

        report("GET mine (assignee or approver), open", timed(caller(world.anders), ["/api/v1/tasks"] * READS))
        report("GET team, open, sorted by deadline", timed(caller(world.dorte), ["/api/v1/tasks?view=team"] * READS))
        report("GET unassigned (dispatcher's queue)",
               timed(caller(world.dorte), ["/api/v1/tasks?view=unassigned"] * READS))
        report("GET mine, closed tab, page 5",
               timed(caller(world.sofie), ["/api/v1/tasks?state=closed&page=5"] * READS))
        report("GET a case's tasks (Opgaver (n))",
               timed(caller(world.sofie), [f"/api/v1/cases/{random.choice(case_ids)}/tasks" for _ in range(READS)]))
        report("GET by number (tsk2001-0xxxx)", timed(caller(world.anders), [
            f"/api/v1/tasks/by-number/tsk2001-{random.randint(1, TASKS)}" for _ in range(READS)]))
        context.database.dispose()
