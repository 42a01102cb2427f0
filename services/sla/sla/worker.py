"""The worker process of the sla service: outbox relay, event consumer and the timer scheduler."""

from __future__ import annotations

from prometheus_client import Counter

from servicekit.web import ServiceContext
from servicekit.worker import Worker

from .consumers import handlers
from .scheduler import TimerScheduler


def build_scheduler(context: ServiceContext) -> TimerScheduler:
    settings = context.settings
    fired = context.extras.get("timers_fired")
    if fired is None:
        fired = context.extras["timers_fired"] = Counter(
            "sla_timers_fired_total", "Timers fired by the scheduler", registry=context.metrics.registry)
    return TimerScheduler(context.database, batch_size=settings.timer_batch_size,
                          poll_interval=settings.timer_poll_interval, fired_counter=fired)


def build_worker(context: ServiceContext) -> Worker:
    scheduler = build_scheduler(context)
    return Worker(context, handlers=handlers(context.settings), loops=[("scheduler", scheduler.run)])


if __name__ == "__main__":
    from .manage import cli

    cli(["worker"])
