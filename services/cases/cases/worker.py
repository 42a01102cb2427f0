"""The worker process of the cases service: ``python -m cases.worker``."""

from __future__ import annotations

from servicekit.web import ServiceContext
from servicekit.worker import Worker

from .api.common import OPTIONS_KEY
from .consumers import make_handlers


def build_worker(context: ServiceContext) -> Worker:
    return Worker(context, handlers=make_handlers(context.extras[OPTIONS_KEY]))


if __name__ == "__main__":
    from .manage import cli

    cli(["worker"])
