"""The notify service's tables (SQLAlchemy 2.0 declarative).

Three groups: what we keep of other services' aggregates (the directory of
users, teams and organisations, and the cases and tasks we notify about, each
with the version we hold); the durable queues of outside effects (outgoing
mails, webhook deliveries) and the in-app notices; and the record of inbound
mail (duplicates, rate limits, loop protection).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime, new_metadata, utcnow

Json = JSON().with_variant(JSONB(), "postgresql")
Id = String(64)


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = new_metadata()


# -- the directory and the aggregates we notify about (kept from events, by version) ------------


class DirectoryUser(Base):
    """A person or a shared mailbox (seed 000: a user like any other)."""

    __tablename__ = "directory_users"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[list[str]] = mapped_column(Json, default=list)
    organisation_id: Mapped[str | None] = mapped_column(Id)
    language: Mapped[str] = mapped_column(String(5), default="da")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    shared_mailbox: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer)


class DirectoryTeam(Base):
    __tablename__ = "directory_teams"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    member_ids: Mapped[list[str]] = mapped_column(Json, default=list)
    version: Mapped[int] = mapped_column(Integer)


class DirectoryOrganisation(Base):
    __tablename__ = "directory_organisations"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    mail_domains: Mapped[list[str]] = mapped_column(Json, default=list)
    version: Mapped[int] = mapped_column(Integer)


class KnownCase(Base):
    __tablename__ = "known_cases"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(40))
    requester_id: Mapped[str | None] = mapped_column(Id)
    team_id: Mapped[str | None] = mapped_column(Id)
    assignee_id: Mapped[str | None] = mapped_column(Id)
    follower_ids: Mapped[list[str]] = mapped_column(Json, default=list)
    version: Mapped[int] = mapped_column(Integer)


class KnownTask(Base):
    __tablename__ = "known_tasks"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(Id)
    status: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)


# -- e-mail out -----------------------------------------------------------------------------------


class OutgoingMail(Base):
    """One mail to one recipient, written in the consumer's transaction and sent by the worker.

    ``notice_key`` + ``recipient`` is unique: an event delivered twice (or two
    events about the same change) queue one mail.  The text is rendered when it
    is sent, from ``context`` (what the event said) in the recipient's language.
    Once sent, ``sent_to`` holds the addresses the server accepted (an inbound reply
    threaded to this Message-ID from one of them is ``sender_verified``) and
    ``refused`` the ones it refused while taking the others.
    """

    __tablename__ = "outgoing_mails"
    __table_args__ = (
        UniqueConstraint("notice_key", "recipient", name="uq_outgoing_mails_notice_recipient"),
        Index("ix_outgoing_mails_due", "next_attempt_at", postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
        Index("ix_outgoing_mails_recipient_sent", "recipient", "created_at"),
        Index("ix_outgoing_mails_failed", "created_at", postgresql_where=text("status = 'failed'"),
              sqlite_where=text("status = 'failed'")),  # counted on every metrics scrape
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    notice_key: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(400))  # "user:<id>", "team:<id>" or "address:<mail>"
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(Id)
    context: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(1000))
    references: Mapped[list[str]] = mapped_column(Json, default=list)
    auto_submitted: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_to: Mapped[list[str]] = mapped_column(Json, default=list)  # lower-case addresses
    refused: Mapped[dict[str, str]] = mapped_column(Json, default=dict)  # address -> the server's answer


# -- in-app notices and preferences -----------------------------------------------------------------


class Notification(Base):
    """An in-app notice; its title is written in the reader's language when it is read."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("notice_key", "user_id", name="uq_notifications_notice_user"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index("ix_notifications_user_unread", "user_id", "created_at", postgresql_where=text("read_at IS NULL"),
              sqlite_where=text("read_at IS NULL")),
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(Id)
    notice_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(Id)
    task_id: Mapped[str | None] = mapped_column(Id)
    params: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class NotificationPreference(Base):
    """A user's choice for one optional kind on one channel (absent = on)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[str] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)


# -- webhooks -----------------------------------------------------------------------------------------


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(Json, default=list)
    secret: Mapped[str] = mapped_column(String(200))
    include_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str | None] = mapped_column(Id)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_webhook_event"),
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
        Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(120))
    event_json: Mapped[str] = mapped_column(Text)  # the event as it came; redacted for the webhook when sent
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


# -- e-mail in ----------------------------------------------------------------------------------------


class InboundMail(Base):
    """Every mail received: for duplicates, the per-sender rate limit and loop protection."""

    __tablename__ = "inbound_mails"
    __table_args__ = (Index("ix_inbound_mails_sender_received", "from_email", "received_at"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    message_id: Mapped[str] = mapped_column(String(500), unique=True)
    from_email: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(1000), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(20))  # published, ignored
    reason: Mapped[str | None] = mapped_column(String(200))
    case_number: Mapped[str | None] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(Id)
    sender_user_id: Mapped[str | None] = mapped_column(Id)
    event_id: Mapped[str | None] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
