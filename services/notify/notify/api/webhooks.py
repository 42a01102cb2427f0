"""``/api/v1/webhooks`` (admins): subscriptions of other systems to our events, and their deliveries."""

from __future__ import annotations

from flask.views import MethodView

from servicekit.pagination import PageArgs, offset, page
from servicekit.web import ApiBlueprint, admin_only, current_identity, db_session, service

from ..schemas import (
    DeliveryPage,
    DeliveryQueryArgs,
    DeliveryRead,
    WebhookCreate,
    WebhookPage,
    WebhookPatch,
    WebhookRead,
)
from ..service import webhooks as hooks

blp = ApiBlueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="Webhooks: signed deliveries of events to other systems (admins)")


def _admin():
    identity = current_identity()
    hooks.require_admin(identity)
    return identity


@blp.route("")
class Webhooks(MethodView):
    @admin_only
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, WebhookPage)
    def get(self, args):
        """All webhooks."""
        _admin()
        rows, total = hooks.list_webhooks(db_session(), args["per_page"], offset(args))
        return page(rows, total, args)

    @admin_only
    @blp.arguments(WebhookCreate)
    @blp.response(201, WebhookRead)
    @blp.alt_response(422, description="Invalid, or an address that may not receive webhooks")
    def post(self, body):
        """Register a webhook: URL, event patterns and the secret that signs each delivery."""
        identity = _admin()
        return hooks.create_webhook(db_session(), identity, service().extras["host_policy"], body)


@blp.route("/<webhook_id>")
class OneWebhook(MethodView):
    @admin_only
    @blp.response(200, WebhookRead)
    def get(self, webhook_id):
        _admin()
        return hooks.get_webhook(db_session(), webhook_id)

    @admin_only
    @blp.arguments(WebhookPatch)
    @blp.response(200, WebhookRead)
    def patch(self, body, webhook_id):
        """Change a webhook (a new secret, other events, pause it with ``active: false``)."""
        _admin()
        return hooks.update_webhook(db_session(), service().extras["host_policy"], webhook_id, body)

    @admin_only
    @blp.response(204)
    def delete(self, webhook_id):
        """Remove a webhook and its delivery log."""
        _admin()
        hooks.delete_webhook(db_session(), webhook_id)


@blp.route("/<webhook_id>/deliveries")
class Deliveries(MethodView):
    @admin_only
    @blp.arguments(DeliveryQueryArgs, location="query")
    @blp.response(200, DeliveryPage)
    def get(self, args, webhook_id):
        """The deliveries of a webhook, newest first, with every attempt."""
        _admin()
        items, total = hooks.list_deliveries(db_session(), webhook_id, args.get("status"), args["per_page"],
                                             offset(args))
        return page(items, total, args)


@blp.route("/<webhook_id>/deliveries/<delivery_id>/redeliver")
class Redeliver(MethodView):
    @admin_only
    @blp.response(202, DeliveryRead)
    def post(self, webhook_id, delivery_id):
        """Send a delivery again."""
        _admin()
        return hooks.redeliver(db_session(), webhook_id, delivery_id)


@blp.route("/<webhook_id>/ping")
class Ping(MethodView):
    @admin_only
    @blp.response(202, DeliveryRead)
    def post(self, webhook_id):
        """Send a ``webhook.ping`` event to check the receiver."""
        return hooks.ping(db_session(), _admin(), webhook_id)
