"""Handlers for the events the notify service consumes: ``{pattern: handler(session, event)}``.

Each handler keeps what we need of the aggregate (by version), queues the
notices the rule table gives, and queues webhook deliveries - all in the
consumer's transaction, so a redelivered event (the inbox) changes nothing twice.  An event whose
data lacks what we rely on fails (and ends in the dead-letter queue) rather than half-apply.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from servicekit.events import Event

from .events import ConsumedCase, ConsumedUser
from .service import directory
from .service.notices import NoticeSettings, notify_about
from .webhooks.deliveries import queue_deliveries

Handler = Callable[[Session, Event], None]


def build_handlers(settings: NoticeSettings) -> dict[str, Handler]:
    def on_case_event(session: Session, event: Event) -> None:
        ConsumedCase().validate_or_raise(event.data)
        stale = _apply(session, event, directory.apply_case)
        notify_about(session, event, settings, stale=stale)
        queue_deliveries(session, event)

    def on_task_event(session: Session, event: Event) -> None:
        stale = _apply(session, event, directory.apply_task)
        notify_about(session, event, settings, stale=stale)
        queue_deliveries(session, event)

    def on_sla_event(session: Session, event: Event) -> None:
        notify_about(session, event, settings)
        queue_deliveries(session, event)

    def on_user_event(session: Session, event: Event) -> None:
        ConsumedUser().validate_or_raise(event.data)
        directory.apply_user(session, event.data)
        queue_deliveries(session, event)

    def on_team_event(session: Session, event: Event) -> None:
        directory.apply_team(session, event.data)
        queue_deliveries(session, event)

    def on_organisation_event(session: Session, event: Event) -> None:
        directory.apply_organisation(session, event.data)
        queue_deliveries(session, event)

    return {
        "case.*": on_case_event,
        "task.*": on_task_event,
        "sla.warning": on_sla_event,
        "sla.breached": on_sla_event,
        "sla.met": on_sla_event,
        "user.*": on_user_event,
        "team.*": on_team_event,
        "organisation.*": on_organisation_event,
    }


def _apply(session: Session, event: Event, apply) -> bool:
    """Keep the aggregate if the event is newer; True when we already hold a newer version (stale)."""
    if "id" not in event.data or event.data.get("version") is None:
        return False
    held = apply(session, event.data)
    return held is not None and held > int(event.data["version"])
