"""The cases service's tables (SQLAlchemy 2.0 declarative).

Full-text search on PostgreSQL reads each case's stored Danish document (``Case.search_document``, a
generated column with a GIN index) and the messages through an expression GIN index; the migrations
create both on PostgreSQL only, and queries must use the very same expressions (see the bottom).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Computed,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


def new_id() -> str:
    return str(uuid.uuid4())


ID = String(36)


SEARCH_DOCUMENT = "to_tsvector('danish'::regconfig, (title || ' ') || description)"


class Case(Base):
    __tablename__ = "cases"
    # The search document is the database's to compute: never sent, never fetched back after a write.
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    number_key: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    priority: Mapped[str] = mapped_column(String(10), nullable=False)
    priority_overridden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    urgency: Mapped[str] = mapped_column(String(10), nullable=False)
    impact: Mapped[str] = mapped_column(String(10), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    category: Mapped[str | None] = mapped_column(String(120))
    product: Mapped[str | None] = mapped_column(String(120))
    origin: Mapped[str] = mapped_column(String(20), nullable=False)
    private: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    requester_id: Mapped[str | None] = mapped_column(ID)
    organisation_id: Mapped[str | None] = mapped_column(ID)
    team_id: Mapped[str] = mapped_column(ID, nullable=False)
    assignee_id: Mapped[str | None] = mapped_column(ID)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(80))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    parent_id: Mapped[str | None] = mapped_column(ID, ForeignKey("cases.id"))
    merged_into_id: Mapped[str | None] = mapped_column(ID, ForeignKey("cases.id"))
    related_case_id: Mapped[str | None] = mapped_column(ID, ForeignKey("cases.id"))
    solution_message_id: Mapped[str | None] = mapped_column(ID)
    solution_is_internal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    open_blocking_tasks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    handed_over_from_team_id: Mapped[str | None] = mapped_column(ID)
    handed_over_by_id: Mapped[str | None] = mapped_column(String(80))
    # The team that handed the case over: it alone closes the case, also after it came back (seed 001).
    owning_team_id: Mapped[str | None] = mapped_column(ID)
    source_email_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The resolution (its resolved_at) whose auto-close came due while blocking tasks were open: it closes the
    # case when the last of them is done, unless the case was reopened meanwhile.
    auto_close_due_for: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # PostgreSQL only (SQLite has no such column and searches with LIKE): the Danish document of title and
    # description, kept by the database, so a search that matches many cases need not build it again for
    # each. Never loaded; only the search reads it.
    search_document: Mapped[Any] = mapped_column(TSVECTOR, Computed(SEARCH_DOCUMENT, persisted=True), deferred=True)

    __table_args__ = (
        Index("ix_cases_search_document", "search_document", postgresql_using="gin"),
        Index("ix_cases_requester_id_created_at", "requester_id", "created_at"),
        Index("ix_cases_organisation_id_created_at", "organisation_id", "created_at"),
        Index("ix_cases_team_id_status", "team_id", "status"),
        Index("ix_cases_assignee_id_status", "assignee_id", "status"),
        Index("ix_cases_status_created_at", "status", "created_at"),
        Index("ix_cases_created_by", "created_by"),
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_updated_at", "updated_at"),
        Index("ix_cases_parent_id", "parent_id"),
    )


class CaseCounter(Base):
    """One row per number prefix and month; incremented in the transaction that creates the case."""

    __tablename__ = "case_counters"

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    period: Mapped[str] = mapped_column(String(4), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False)


class Follower(Base):
    __tablename__ = "case_followers"

    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, primary_key=True)
    added_by: Mapped[str | None] = mapped_column(String(80))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_case_followers_user_id", "user_id"),)


class Message(Base):
    __tablename__ = "case_messages"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), nullable=False)
    author_id: Mapped[str | None] = mapped_column(String(80))
    visibility: Mapped[str] = mapped_column(String(10), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    via: Mapped[str] = mapped_column(String(10), nullable=False, default="api")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    # A forward to external parties: its recipients and the case attachments it carried.
    recipients_to: Mapped[list[str] | None] = mapped_column(JSON)
    recipients_cc: Mapped[list[str] | None] = mapped_column(JSON)
    forwarded_attachment_ids: Mapped[list[str] | None] = mapped_column(JSON)
    email_message_id: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        Index("ix_case_messages_case_id_created_at", "case_id", "created_at"),
        Index("ix_case_messages_email_message_id", "email_message_id"),
    )


class Attachment(Base):
    __tablename__ = "case_attachments"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), nullable=False)
    message_id: Mapped[str | None] = mapped_column(ID, ForeignKey("case_messages.id"))
    visibility: Mapped[str] = mapped_column(String(10), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_case_attachments_case_id_created_at", "case_id", "created_at"),
        Index("ix_case_attachments_message_id", "message_id"),
    )


class HistoryEntry(Base):
    """Every change: who, when, which field, old and new value; ``internal`` rows are for staff only."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(String(80))
    field: Mapped[str] = mapped_column(String(40), nullable=False)
    old_value: Mapped[Any] = mapped_column(JSON)
    new_value: Mapped[Any] = mapped_column(JSON)
    internal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (
        Index("ix_case_history_case_id_id", "case_id", "id"),
        Index("ix_case_history_field_at", "field", "at"),
    )


class BlockingTask(Base):
    """What the cases service knows of a task (from ``task.*`` events): enough to refuse closing."""

    __tablename__ = "case_tasks"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    case_id: Mapped[str] = mapped_column(ID, nullable=False)
    number: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    blocks_case_closure: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (Index("ix_case_tasks_case_id", "case_id"),)


class RoutingRule(Base):
    __tablename__ = "routing_rules"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    category: Mapped[str | None] = mapped_column(String(120))
    product: Mapped[str | None] = mapped_column(String(120))
    type: Mapped[str | None] = mapped_column(String(20))
    origin: Mapped[str | None] = mapped_column(String(20))
    team_id: Mapped[str] = mapped_column(ID, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_routing_rules_position", "position"),)


class Setting(Base):
    """Admin settings of the service: the default team, the priority matrix."""

    __tablename__ = "case_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(80))


class ReplyTemplate(Base):
    __tablename__ = "reply_templates"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    team_id: Mapped[str | None] = mapped_column(ID)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (Index("ix_reply_templates_language_name", "language", "name"),)


# -- the local directory, kept from the gateway's user.*, organisation.* and team.* events ----------


class DirectoryUser(Base):
    __tablename__ = "directory_users"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[str | None] = mapped_column(ID)
    roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    team_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    language: Mapped[str | None] = mapped_column(String(2))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (Index("ix_directory_users_email", "email"),)


class DirectoryOrganisation(Base):
    __tablename__ = "directory_organisations"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    case_visibility: Mapped[str] = mapped_column(String(20), nullable=False, default="own")
    version: Mapped[int] = mapped_column(Integer, nullable=False)


class DirectoryTeam(Base):
    __tablename__ = "directory_teams"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    members: Mapped[list[dict]] = mapped_column(JSON, nullable=False, default=list)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


# -- full-text search (PostgreSQL): the Danish configuration, and the expression the messages' index holds --

DANISH = literal_column("'danish'::regconfig")


def message_search_vector():
    return func.to_tsvector(DANISH, Message.body)

