"""The worker process of the sla service: outbox relay, event consumer and the timer scheduler."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import Counter, Gauge

from servicekit.db import utcnow
from servicekit.web import ServiceContext
from servicekit.worker import Worker

from .consumers import handlers
from .scheduler import TimerScheduler
from .service.recompute import ReplanFinisher
from .service.timers import timer_status


def build_scheduler(context: ServiceContext) -> TimerScheduler:
    settings = context.settings
    fired = context.metrics.own(Counter, "sla_timers_fired_total", "Timers fired by the scheduler")
    return TimerScheduler(context.database, batch_size=settings.timer_batch_size,
                          poll_interval=settings.timer_poll_interval, fired_counter=fired)


def build_replan_finisher(context: ServiceContext) -> ReplanFinisher:
    settings = context.settings
    return ReplanFinisher(context.database, auto_close_after=timedelta(seconds=settings.auto_close_after),
                          batch_size=settings.replan_batch_size)


def build_worker(context: ServiceContext) -> Worker:
    scheduler = build_scheduler(context)
    _watch_timers(context)
    loops = [("scheduler", scheduler.run), ("replanning", build_replan_finisher(context).run)]
    return Worker(context, handlers=handlers(context.settings), loops=loops)


def _watch_timers(context: ServiceContext) -> None:
    """Gauges of pending and overdue timers (a growing overdue count means no scheduler keeps up)."""
    pending = context.metrics.own(Gauge, "sla_timers_pending", "Timers waiting to fire")
    overdue = context.metrics.own(Gauge, "sla_timers_overdue", "Timers due more than a minute ago and not fired")
    pending.set_function(lambda: _status_or_minus_one(context, "pending"))
    overdue.set_function(lambda: _status_or_minus_one(context, "overdue"))


def _status_or_minus_one(context: ServiceContext, key: str) -> float:
    try:
        with context.database.transaction() as session:
            return float(timer_status(session, now=utcnow())[key])
    except Exception:  # a scrape must never fail because the database is away
        return -1.0


if __name__ == "__main__":
    from .manage import cli

    cli(["worker"])
