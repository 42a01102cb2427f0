"""The sla service's tables (SQLAlchemy 2.0 declarative)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from servicekit.db import UtcDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


def new_id() -> str:
    return str(uuid.uuid4())


class Calendar(Base):
    """Working time: time zone, hours per weekday, holidays and the organisation's special days."""

    __tablename__ = "calendars"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    always_open: Mapped[bool] = mapped_column(Boolean, default=False)
    working_hours: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"monday": [{"start","end"}], ...}
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    include_optional_holidays: Mapped[bool] = mapped_column(Boolean, default=False)
    special_days: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Policy(Base):
    """Targets per priority for first response and resolution, and when the clock pauses."""

    __tablename__ = "policies"
    __table_args__ = (
        # Two active policies may not match exactly the same cases.
        Index("uq_policies_active_match_key", "match_key", unique=True,
              postgresql_where=text("active"), sqlite_where=text("active")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    organisation_id: Mapped[str | None] = mapped_column(String(36))
    category: Mapped[str | None] = mapped_column(String(200))
    case_type: Mapped[str | None] = mapped_column(String(40))
    match_key: Mapped[str] = mapped_column(String(500))
    targets: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"critical": {"first_response": s, "resolution": s}}
    calendar_id: Mapped[str] = mapped_column(ForeignKey("calendars.id"))
    pause_statuses: Mapped[list[str]] = mapped_column(JSON)
    warning_percent: Mapped[int] = mapped_column(Integer, default=75)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    calendar: Mapped[Calendar] = relationship(lazy="joined")


class CaseClock(Base):
    """Our replica of a case (from ``case.*`` events, by version) and the policy its clocks run on."""

    __tablename__ = "case_clocks"
    __table_args__ = (
        Index("ix_case_clocks_policy_open", "policy_id", postgresql_where=text("status <> 'closed'"),
              sqlite_where=text("status <> 'closed'")),
    )

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), default="")
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[str | None] = mapped_column(String(36))
    category: Mapped[str | None] = mapped_column(String(200))
    case_type: Mapped[str | None] = mapped_column(String(40))
    team_id: Mapped[str | None] = mapped_column(String(36), index=True)
    assignee_id: Mapped[str | None] = mapped_column(String(36))
    requester_id: Mapped[str | None] = mapped_column(String(36))
    follower_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    merged_into_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_version: Mapped[int | None] = mapped_column(Integer)  # the version that resolved it (auto-close)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    policy_id: Mapped[str | None] = mapped_column(ForeignKey("policies.id"))

    policy: Mapped[Policy | None] = relationship(lazy="joined")
    metrics: Mapped[list[ClockMetric]] = relationship(
        back_populates="clock", lazy="selectin", cascade="all, delete-orphan", order_by="ClockMetric.metric"
    )

    def metric(self, name: str) -> ClockMetric | None:
        return next((m for m in self.metrics if m.metric == name), None)


class ClockMetric(Base):
    """One clock of a case (first response or resolution): business seconds used, and when it is due."""

    __tablename__ = "clock_metrics"
    __table_args__ = (
        Index("ix_clock_metrics_met_at", "met_at", postgresql_where=text("met_at IS NOT NULL"),
              sqlite_where=text("met_at IS NOT NULL")),
    )

    case_id: Mapped[str] = mapped_column(ForeignKey("case_clocks.case_id", ondelete="CASCADE"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    target_seconds: Mapped[int] = mapped_column(Integer)
    consumed_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # before running_since
    running_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    warning_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    met_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    met_late: Mapped[bool | None] = mapped_column(Boolean)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    clock: Mapped[CaseClock] = relationship(back_populates="metrics")


class CaseTransition(Base):
    """The status a case has from one version on, since ``at``: one row per version we heard of.

    Events arrive in any order; these rows, in version order, say which status the case was in
    when, so a late (older) event still counts its time while the newer state stays as it is.
    """

    __tablename__ = "case_transitions"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_clocks.case_id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Timer(Base):
    """Something that must happen at ``due_at``; fired exactly once by the scheduler (``fired_at``).

    A pending timer is unique per (kind, subject, metric); fired rows stay as history
    (the SLA statistics count breaches from them).
    """

    __tablename__ = "timers"
    __table_args__ = (
        Index("ix_timers_due", "due_at", postgresql_where=text("fired_at IS NULL"),
              sqlite_where=text("fired_at IS NULL")),
        Index("uq_timers_pending", "kind", "subject_id", "metric", unique=True,
              postgresql_where=text("fired_at IS NULL"), sqlite_where=text("fired_at IS NULL")),
        Index("ix_timers_subject_id", "subject_id"),
        Index("ix_timers_kind_fired_at", "kind", "fired_at", postgresql_where=text("fired_at IS NOT NULL"),
              sqlite_where=text("fired_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(36))
    metric: Mapped[str] = mapped_column(String(40), default="")
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class DirectoryUser(Base):
    """Who is staff, from ``user.*`` events: decides whether a message is an agent's response."""

    __tablename__ = "directory_users"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer)


class TaskDeadline(Base):
    """Our replica of a task's deadline and state (from ``task.*`` events, by version)."""

    __tablename__ = "task_deadlines"

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36))
    number: Mapped[str] = mapped_column(String(40), default="")
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(40))
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime())
    open_since: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReplanJob(Base):
    """Re-planning the open clocks after an admin changed a calendar or a policy, a chunk at a time.

    The change commits together with its job; each chunk of clocks (in ``case_id`` order, after
    ``cursor``) is re-planned in its own transaction that also advances the cursor, so no
    transaction locks every open case, and a job its request left unfinished is finished by the worker.
    """

    __tablename__ = "replan_jobs"
    __table_args__ = (
        Index("ix_replan_jobs_unfinished", "id", postgresql_where=text("finished_at IS NULL"),
              sqlite_where=text("finished_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"calendar_id"} or {"policy_id", "criteria"}
    effective_at: Mapped[datetime] = mapped_column(UtcDateTime())  # the clocks were checkpointed here
    cursor: Mapped[str] = mapped_column(String(36), default="")  # the last case_id re-planned
    replanned: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
