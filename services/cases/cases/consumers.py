"""Handlers for the events the cases service consumes: ``{pattern: handler(session, event)}``.

Each runs in the worker's transaction together with the inbox claim, so a redelivered
event changes nothing twice; records are applied by version, so an older event never
overwrites newer state.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from servicekit.events import Event

from . import events
from .service import directory, intake
from .service.common import Options

Handler = Callable[[Session, Event], None]


def make_handlers(opts: Options) -> dict[str, Handler]:
    def on_task_changed(session: Session, event: Event) -> None:
        if event.type != "task.commented":  # a comment changes nothing the cases service keeps
            intake.apply_task_event(session, opts, event)

    def on_user_changed(session: Session, event: Event) -> None:
        user = directory.apply_user(session, event)
        if user is not None:
            intake.adopt_organisation(session, opts, user)

    def on_email_received(session: Session, event: Event) -> None:
        intake.receive_email(session, opts, event)

    def on_auto_close_due(session: Session, event: Event) -> None:
        intake.auto_close(session, opts, event)

    return {
        events.TASK_EVENTS: on_task_changed,
        events.USER_EVENTS: on_user_changed,
        events.ORGANISATION_EVENTS: directory.apply_organisation,
        events.TEAM_EVENTS: directory.apply_team,
        events.SLA_AUTO_CLOSE_DUE: on_auto_close_due,
        events.EMAIL_RECEIVED: on_email_received,
    }
