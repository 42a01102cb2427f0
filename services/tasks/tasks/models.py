"""The tasks service's tables (SQLAlchemy 2.0 declarative).

``tasks``, ``task_comments``, ``task_changes`` (history) and ``task_number_counters`` are the
service's own data.  ``case_replicas`` and the ``directory_*`` tables are small copies of other
services' aggregates kept from their events (by version), so that a task is only made on an
existing open case, for an existing team, and handed to active staff.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime, new_metadata, utcnow

ID = String(36)


class Base(DeclarativeBase):
    metadata = new_metadata()


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    number_key: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)  # YYMM-NNNN, numbers.py
    case_id: Mapped[str] = mapped_column(ID, nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    team_id: Mapped[str] = mapped_column(ID, nullable=False)
    assignee_id: Mapped[str | None] = mapped_column(ID)
    approver_id: Mapped[str | None] = mapped_column(ID)
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime())
    blocks_case_closure: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    created_by: Mapped[str] = mapped_column(ID, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_by: Mapped[str | None] = mapped_column(ID)
    solution: Mapped[str | None] = mapped_column(Text)
    solution_comment_id: Mapped[str | None] = mapped_column(ID)
    returned_from_id: Mapped[str | None] = mapped_column(ID)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    overdue_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (
        Index("ix_tasks_case_id_created_at", "case_id", "created_at"),
        Index("ix_tasks_assignee_id_status", "assignee_id", "status"),
        Index("ix_tasks_approver_id_status", "approver_id", "status"),
        Index("ix_tasks_team_id_status", "team_id", "status"),
        Index("ix_tasks_created_by_status", "created_by", "status"),
        Index("ix_tasks_status_deadline", "status", "deadline"),
    )


class TaskComment(Base):
    """An internal comment; ``kind`` says whether it was written as a solution, reopen reason or return note."""

    __tablename__ = "task_comments"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    task_id: Mapped[str] = mapped_column(ID, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[str] = mapped_column(String(80), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="comment")
    is_solution: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_task_comments_task_id_created_at", "task_id", "created_at"),)


class TaskChange(Base):
    """One changed field of one committed change: the task's history (who, when, what, old, new)."""

    __tablename__ = "task_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    task_id: Mapped[str] = mapped_column(ID, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    event_type: Mapped[str] = mapped_column(String(40), nullable=False)
    actor_id: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    field: Mapped[str | None] = mapped_column(String(40))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)

    __table_args__ = (Index("ix_task_changes_task_id_id", "task_id", "id"),)


class TaskNumberCounter(Base):
    """The last number given per month; bumped in the creating transaction (a row lock serialises)."""

    __tablename__ = "task_number_counters"

    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False)


class CaseReplica(Base):
    """What the tasks service knows of a case, from ``case.*`` events (applied by version)."""

    __tablename__ = "case_replicas"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(30), nullable=False)
    team_id: Mapped[str | None] = mapped_column(ID)
    merged_into_id: Mapped[str | None] = mapped_column(ID)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)


class DirectoryUser(Base):
    """A user as the gateway publishes them (``user.*``): enough to check who can hold a task."""

    __tablename__ = "directory_users"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(320), nullable=False, default="")
    roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


class DirectoryTeam(Base):
    """A team as the gateway publishes it (``team.*``)."""

    __tablename__ = "directory_teams"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

