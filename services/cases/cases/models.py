"""The cases service's tables (SQLAlchemy 2.0 declarative)."""

from __future__ import annotations

from servicekit.db import new_metadata
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = new_metadata()
