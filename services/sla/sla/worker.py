"""The worker process of the sla service: ``python -m sla.worker``."""

from __future__ import annotations

from servicekit.web import ServiceContext
from servicekit.worker import Worker

from .consumers import HANDLERS


def build_worker(context: ServiceContext) -> Worker:
    return Worker(context, handlers=HANDLERS)


if __name__ == "__main__":
    from .manage import cli

    cli(["worker"])
