"""Inbox: one row per (consumer, event id), claimed in the handler's transaction.

A redelivered event finds its row already there and changes nothing twice.
"""

from __future__ import annotations

from sqlalchemy import Column, PrimaryKeyConstraint, String, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .db import UtcDateTime, kit_metadata, utcnow

inbox_table = Table(
    "inbox",
    kit_metadata,
    Column("consumer", String(80), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(120), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False, default=utcnow),
    PrimaryKeyConstraint("consumer", "event_id"),
)


def claim(session: Session, consumer: str, event_id: str, event_type: str) -> bool:
    """True the first time this consumer sees ``event_id``; False for a duplicate."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(inbox_table)
        .values(consumer=consumer, event_id=event_id, event_type=event_type)
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(inbox_table.c.event_id)
    )
    return session.execute(statement).first() is not None
