"""Shared set-up for the benchmarks: a fresh database and an isolated exchange."""

from __future__ import annotations

import os
import time
import uuid
from contextlib import contextmanager

from servicekit.bus import EventBus
from servicekit.testing.servers import LOCAL_AMQP, LOCAL_POSTGRES, DatabaseFactory

SERVER_URL = os.environ.get("BENCH_DATABASE_URL", LOCAL_POSTGRES)
AMQP_URL = os.environ.get("BENCH_AMQP_URL", LOCAL_AMQP)


@contextmanager
def fresh_database(label: str):
    factory = DatabaseFactory(SERVER_URL, "bench")
    try:
        yield factory.create(label)
    finally:
        factory.drop_all()


@contextmanager
def isolated_bus():
    run = uuid.uuid4().hex[:8]
    bus = EventBus(AMQP_URL, exchange=f"bench.{run}.events", queue_prefix=f"bench.{run}.")
    try:
        yield bus
    finally:
        with bus.connect() as conn:
            bus.exchange(conn.channel()).delete()


def rate(count: int, seconds: float) -> str:
    return f"{count} in {seconds:.2f} s = {count / seconds:,.0f}/s"


class Stopwatch:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
