"""The tasks service's tables (SQLAlchemy 2.0 declarative)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from servicekit.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
