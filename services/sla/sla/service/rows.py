"""Statements both databases we run on (PostgreSQL, SQLite) understand."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_unless_present(session: Session, table: Table):
    """``INSERT ... ON CONFLICT DO NOTHING`` into ``table``: a row that is already there (or is being
    inserted by a transaction that then commits) stays as it is."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).on_conflict_do_nothing()
