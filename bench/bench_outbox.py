"""Outbox and inbox on PostgreSQL + RabbitMQ: write, relay and consume throughput."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from common import Stopwatch, fresh_database, isolated_bus, rate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "libs/servicekit/tests"))

from ledger import add_entry_and_event, create_schema, ledger, make_handlers
from sqlalchemy import func, select, text

from servicekit.bus import ConsumerTopology, EventConsumer
from servicekit.db import Database
from servicekit.outbox import OutboxRelay
from servicekit.worker import EventDispatcher

EVENTS = 5000


def entry_count(database: Database) -> int:
    """Counted in the database: loading every entry each poll would compete with the consumer it times."""
    with database.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(ledger))


def main() -> None:
    with fresh_database("bench_outbox") as url, isolated_bus() as bus:
        database = Database(url)
        create_schema(database)
        topology = ConsumerTopology(bus, "ledger", ("ledger.#",), retry_delays=(1.0,))
        with bus.connect() as conn:
            topology.declare(conn.channel())

        with Stopwatch() as write:
            for _ in range(EVENTS // 100):
                with database.transaction() as session:
                    for _ in range(100):
                        add_entry_and_event(session, "bench")
        print(f"  write change + outbox row (100 per transaction): {rate(EVENTS, write.seconds)}")

        relay = OutboxRelay(database, bus, batch_size=500)
        with Stopwatch() as publish, bus.connect() as conn:
            while relay.publish_pending(conn):
                pass
        print(f"  relay publish with confirms (batches of 500):     {rate(EVENTS, publish.seconds)}")

        with database.transaction() as session:
            session.execute(text("TRUNCATE ledger"))
        consumer = EventConsumer(topology, EventDispatcher("ledger", database, make_handlers()), prefetch=64)
        thread = threading.Thread(target=consumer.run, daemon=True)
        with Stopwatch() as consume:
            thread.start()
            while entry_count(database) < EVENTS:
                time.sleep(0.05)
        consumer.stop()
        thread.join(10)
        consumer.close()
        print(f"  consume with inbox dedupe (one transaction each): {rate(EVENTS, consume.seconds)}")
        with bus.connect() as conn:
            topology.delete(conn.channel())
        database.dispose()
