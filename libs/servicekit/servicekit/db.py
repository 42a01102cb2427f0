"""Engine and session set-up for one service database (PostgreSQL or SQLite)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Metadata with the naming convention every migration relies on."""
    return MetaData(naming_convention=NAMING_CONVENTION)


# Tables that every service has (outbox, inbox) live here; services add this
# metadata to their own in Alembic so their first migration creates them.
kit_metadata = new_metadata()


class UtcDateTime(TypeDecorator):
    """Timezone-aware datetimes in and out, stored as UTC (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware one (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Database:
    """One service's database: engine, session factory and the dialect's quirks."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False):
        self.url = normalise_url(url)
        self.is_postgres = make_url(self.url).get_backend_name() == "postgresql"
        self.engine = self._create_engine(pool_size, echo)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    def _create_engine(self, pool_size: int, echo: bool) -> Engine:
        if self.is_postgres:
            return create_engine(
                self.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, echo=echo
            )
        engine = create_engine(self.url, connect_args={"check_same_thread": False, "timeout": 30}, echo=echo)
        _make_sqlite_behave(engine)
        return engine

    def session(self) -> Session:
        return self.sessionmaker()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits at the end of the block or rolls back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


class NestedTransactionError(RuntimeError):
    """A thread opened a second write transaction on a SQLite database while holding one."""


def _make_sqlite_behave(engine: Engine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE so concurrent writers wait instead of failing.

    SQLite has one writer at a time, so a thread that opens a second transaction while it holds one would
    wait for itself until the busy time-out. That is refused at once with a clear error instead; on
    PostgreSQL the same code would work, so such code must end its first transaction before the second.
    """
    held = threading.local()

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        if getattr(held, "depth", 0):
            raise NestedTransactionError(
                "this thread already holds a transaction on this SQLite database; end it before opening another"
            )
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        held.depth = 1

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def on_end(conn):
        held.depth = 0
