"""Use cases of the webhook API (admins only): register, change, remove, look at deliveries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity
from servicekit.db import utcnow
from servicekit.events import Event

from ..i18n import _, _l
from ..models import Webhook, WebhookAttempt, WebhookDelivery, new_id
from ..webhooks.urlguard import HostPolicy, UnsafeUrl

PING = "webhook.ping"


def require_admin(identity: Identity) -> None:
    if not identity.is_admin:
        raise errors.Forbidden(_("Only administrators manage webhooks."))


URL_REASONS = {
    "scheme": _l("Only http and https addresses can receive webhooks."),
    "no_host": _l("The address has no host."),
    "credentials": _l("Put credentials in the secret, not in the address."),
    "port": _l("The address has an invalid port."),
    "not_listed": _l("The host %(host)s is not on the list of allowed webhook hosts."),
    "unresolvable": _l("The host %(host)s cannot be found."),
    "private": _l("The host %(host)s is an internal address (%(address)s)."),
    "none_allowed": _l("The host %(host)s has no allowed address."),
}


def _check_url(policy: HostPolicy, url: str) -> None:
    try:
        policy.check_url(url)
    except UnsafeUrl as err:
        reason = str(URL_REASONS[err.reason]) % err.params if err.params else str(URL_REASONS[err.reason])
        raise errors.ValidationFailed(_("This address cannot receive webhooks."), errors={"url": [reason]}) from None


def get_webhook(session: Session, webhook_id: str) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise errors.NotFound(_("There is no such webhook."))
    return hook


def create_webhook(session: Session, identity: Identity, policy: HostPolicy, values: dict[str, Any]) -> Webhook:
    _check_url(policy, values["url"])
    hook = Webhook(id=new_id(), created_by=identity.user_id, created_at=utcnow(), updated_at=utcnow(),
                   events=list(dict.fromkeys(values.pop("events"))), **values)
    session.add(hook)
    session.commit()
    return hook


def update_webhook(session: Session, policy: HostPolicy, webhook_id: str, values: dict[str, Any]) -> Webhook:
    hook = get_webhook(session, webhook_id)
    if "url" in values:
        _check_url(policy, values["url"])
    if "events" in values:
        values["events"] = list(dict.fromkeys(values["events"]))
    for name, value in values.items():
        setattr(hook, name, value)
    hook.updated_at = utcnow()
    session.commit()
    return hook


def delete_webhook(session: Session, webhook_id: str) -> None:
    session.delete(get_webhook(session, webhook_id))
    session.commit()


def list_webhooks(session: Session, limit: int, offset: int) -> tuple[list[Webhook], int]:
    total = session.scalar(select(func.count()).select_from(Webhook)) or 0
    rows = session.scalars(select(Webhook).order_by(Webhook.created_at, Webhook.id).limit(limit).offset(offset))
    return list(rows), total


def list_deliveries(session: Session, webhook_id: str, status: str | None, limit: int,
                    offset: int) -> tuple[list[dict[str, Any]], int]:
    """A page of deliveries, newest first, each with its attempts (two queries, whatever the page size)."""
    get_webhook(session, webhook_id)
    where = [WebhookDelivery.webhook_id == webhook_id]
    if status:
        where.append(WebhookDelivery.status == status)
    total = session.scalar(select(func.count()).select_from(WebhookDelivery).where(*where)) or 0
    deliveries = session.scalars(
        select(WebhookDelivery).where(*where)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).limit(limit).offset(offset)
    ).all()
    attempts: dict[str, list[WebhookAttempt]] = {}
    if deliveries:
        for attempt in session.scalars(
                select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_([d.id for d in deliveries]))
                .order_by(WebhookAttempt.id)):
            attempts.setdefault(attempt.delivery_id, []).append(attempt)
    items = [_delivery(d, attempts.get(d.id, [])) for d in deliveries]
    return items, total


def _delivery(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    return {
        "id": delivery.id, "webhook_id": delivery.webhook_id, "event_id": delivery.event_id,
        "event_type": delivery.event_type, "status": delivery.status, "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at if delivery.status == "pending" else None,
        "last_status_code": delivery.last_status_code, "last_error": delivery.last_error,
        "created_at": delivery.created_at, "delivered_at": delivery.delivered_at,
        "attempt_log": attempts,
    }


def redeliver(session: Session, webhook_id: str, delivery_id: str) -> dict[str, Any]:
    """Send a delivery again (after the receiver was fixed), whatever became of it before."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook_id:
        raise errors.NotFound(_("There is no such delivery."))
    delivery.status, delivery.next_attempt_at = "pending", utcnow()
    session.commit()
    return _delivery(delivery, [])


def ping(session: Session, identity: Identity, webhook_id: str) -> dict[str, Any]:
    """Queue a ``webhook.ping`` delivery, so an admin can check the receiver and its signature check."""
    hook = get_webhook(session, webhook_id)
    event = Event.new(PING, service="notify", subject=hook.id,
                      data={"webhook_id": hook.id, "actor_id": identity.user_id})
    delivery = WebhookDelivery(id=new_id(), webhook_id=hook.id, event_id=event.id, event_type=PING,
                               event_json=event.to_json().decode(), status="pending", attempts=0,
                               next_attempt_at=utcnow(), created_at=utcnow())
    session.add(delivery)
    session.commit()
    return _delivery(delivery, [])
