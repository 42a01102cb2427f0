"""Handlers for the events the sla service consumes: ``{pattern: handler(session, event)}``.

``case.*`` drives the clocks, ``task.*`` the deadline timers, ``user.*`` the
directory that tells an agent's message from a requester's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from servicekit.config import Settings
from servicekit.db import utcnow
from servicekit.events import Event

from .service.clocks import on_case_event
from .service.deadlines import on_task_event
from .service.directory import on_user_changed

Handler = Callable[[Session, Event], None]


def handlers(settings: Settings, clock: Callable = utcnow) -> dict[str, Handler]:
    auto_close_after = timedelta(seconds=settings.auto_close_after)

    def on_case(session: Session, event: Event) -> None:
        on_case_event(session, event, auto_close_after=auto_close_after, now=clock())

    return {"case.*": on_case, "task.*": on_task_event, "user.*": on_user_changed}
