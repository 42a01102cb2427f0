"""The worker process of the gateway: outbox relay (identity events) and housekeeping."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from servicekit.web import ServiceContext
from servicekit.worker import Worker

from .auth.throttle import purge_expired
from .consumers import HANDLERS
from .mail import SmtpSender, sender_loop

log = logging.getLogger(__name__)

PURGE_EVERY = 3600.0


def build_worker(context: ServiceContext) -> Worker:
    loops = [("throttle-purge", _purge_loop(context))]
    settings = context.settings
    if settings.smtp_url:
        loops.append(("mail-sender", sender_loop(context.database, SmtpSender(settings.smtp_url, settings.mail_from))))
    return Worker(context, handlers=HANDLERS, loops=loops)


def _purge_loop(context: ServiceContext):
    keep = timedelta(seconds=max(context.settings.login_rate_window, context.settings.login_lockout_max_seconds) * 2)

    def loop(stop: threading.Event) -> None:
        while not stop.wait(PURGE_EVERY):
            try:
                removed = purge_expired(context.database, keep)
                log.debug("purged %d old log-in counters", removed)
            except Exception:  # the database may be away for a while; try again next time
                log.exception("purging log-in counters failed")

    return loop


if __name__ == "__main__":
    from .manage import cli

    cli(["worker"])
