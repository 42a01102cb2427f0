"""Run every benchmark and print its figures: ``make bench`` (or ``python bench/run.py outbox``).

Benchmarks need PostgreSQL and RabbitMQ: ``BENCH_DATABASE_URL`` (a server URL; default the local server)
and ``BENCH_AMQP_URL`` (default the local broker). They create and drop their own databases and queues.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

BENCHMARKS = ["outbox", "sla_timers", "notify", "cases", "gateway", "tasks"]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"bench_{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}")
        module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
