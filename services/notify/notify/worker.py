"""The worker process of the notify service: ``notify-manage worker``.

Threads: the outbox relay and the event consumer (servicekit), the mail sender,
the webhook sender, the inbound SMTP listener (when ``INBOUND_SMTP_PORT`` is
set; run it in one replica, or give each its own port), IMAP polling (when
``IMAP_URL`` is set) and an hourly clean-up of old records.
"""

from __future__ import annotations

from email.utils import parseaddr

from servicekit.web import ServiceContext
from servicekit.worker import Worker

from .config import inbound_tls_context
from .consumers import build_handlers
from .gateway import NotifyGateway
from .housekeeping import Housekeeping
from .mail.compose import Composer
from .mail.headers import mail_domain
from .mail.imap import ImapPoller, ImapSource
from .mail.inbound import InboundSettings, MailReceiver
from .mail.listener import InboundListener
from .mail.outbound import MailSender
from .mail.smtp import SmtpTarget
from .metrics import NotifyMetrics
from .service.notices import NoticeSettings
from .webhooks.deliveries import WebhookSender
from .webhooks.urlguard import HostPolicy


def composer(settings) -> Composer:
    return Composer(mail_from=settings.mail_from, reply_to=settings.inbound_address, public_url=settings.public_url,
                    case_prefix=settings.case_number_prefix, time_zone=settings.time_zone)


def gateway_client(settings) -> NotifyGateway:
    return NotifyGateway(settings.gateway_url, settings.service_api_key, timeout=settings.gateway_timeout)


def mail_sender(context: ServiceContext, metrics: NotifyMetrics | None = None) -> MailSender:
    s = context.settings
    return MailSender(
        context.database, composer(s), SmtpTarget.from_url(s.smtp_url, timeout=s.smtp_timeout), gateway_client(s),
        mail_from=s.mail_from, retry_delays=s.mail_retry_delays, give_up_after=s.mail_give_up_after,
        poll_seconds=s.mail_poll_seconds, on_outcome=metrics and (lambda o: metrics.mails.labels(o).inc()),
        attachments_max_bytes=s.mail_attachments_max_bytes,
    )


def mail_receiver(context: ServiceContext, metrics: NotifyMetrics | None = None) -> MailReceiver:
    s = context.settings
    own = {parseaddr(s.mail_from)[1].lower(), parseaddr(s.inbound_address)[1].lower()}
    return MailReceiver(context.database, gateway_client(s), InboundSettings(
        case_prefix=s.case_number_prefix, own_domains=tuple({*s.inbound_domains, mail_domain(s.mail_from)}),
        own_addresses=tuple(own),
        rate_limit=s.inbound_rate_limit, rate_window=s.inbound_rate_window, max_bytes=s.max_inbound_mail_bytes,
        service_name=context.name,
    ), on_outcome=metrics and (lambda o: metrics.inbound.labels(o).inc()))


def build_worker(context: ServiceContext) -> Worker:
    s = context.settings
    metrics = NotifyMetrics(context.metrics, context.database)
    webhook_sender = WebhookSender(
        context.database, HostPolicy.from_setting(s.webhook_allowed_hosts), retry_delays=s.webhook_retry_delays,
        max_attempts=s.webhook_max_attempts, timeout=s.webhook_timeout, poll_seconds=s.webhook_poll_seconds,
        ca_bundle=s.webhook_ca_bundle, on_outcome=lambda o: metrics.webhooks.labels(o).inc(),
    )
    housekeeping = Housekeeping(context.database, mail_days=s.mail_retention_days,
                                notification_days=s.notification_retention_days,
                                unread_notification_days=s.notification_unread_retention_days,
                                webhook_days=s.webhook_retention_days, inbound_days=s.inbound_retention_days)
    loops = [("mail-sender", mail_sender(context, metrics).run), ("webhook-sender", webhook_sender.run),
             ("housekeeping", housekeeping.run)]
    if s.inbound_smtp_port:
        tls = inbound_tls_context(s.inbound_tls_cert, s.inbound_tls_key) if s.inbound_tls_cert else None
        listener = InboundListener(mail_receiver(context, metrics), host=s.inbound_smtp_host,
                                   port=s.inbound_smtp_port, domains=tuple(s.inbound_domains),
                                   max_bytes=s.max_inbound_mail_bytes, tls_context=tls)
        loops.append(("inbound-smtp", listener.run))
    if s.imap_url:
        poller = ImapPoller(mail_receiver(context, metrics), ImapSource.from_url(s.imap_url), s.imap_poll_seconds)
        loops.append(("imap", poller.run))
    handlers = build_handlers(NoticeSettings(mail_from=s.mail_from, auto_reply_limit=s.auto_reply_limit))
    return Worker(context, handlers=handlers, loops=loops)


if __name__ == "__main__":
    from .manage import cli

    cli(["worker"])
