"""Log-in throttling kept in the gateway's database, so every worker and replica counts together.

Two counters: attempts per client address in a sliding window (a rate limit),
and failed attempts per account e-mail (a lock-out that doubles with every
further failure).  The account counter is keyed on the address typed, whether
or not such a user exists, so a lock-out tells nothing about who has an account.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from servicekit.db import Database, utcnow

from ..i18n import _
from ..models import LoginThrottle


class LoginRefused(Exception):
    """The attempt is not even checked: too many attempts or failures; ``retry_after`` in seconds.

    ``str(err)`` is the message for the person trying (in the request's language).
    """

    def __init__(self, retry_after: int, reason: str):
        super().__init__(reason)
        self.retry_after = max(1, retry_after)
        self.reason = reason

    def __str__(self) -> str:
        return _("Too many log-in attempts. Try again in %(seconds)d seconds.", seconds=self.retry_after)


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(seconds=60)
    max_lockout: timedelta = timedelta(minutes=15)
    client_limit: int = 30
    client_window: timedelta = timedelta(minutes=5)


class Throttle:
    def __init__(self, database: Database, policy: ThrottlePolicy):
        self.database = database
        self.policy = policy

    def admit(self, client: str, account: str | None) -> None:
        """Count the attempt; raise LoginRefused when the client is over its limit or the account is locked.
        Without an account only the client's attempts are counted (password links, for example)."""
        now = utcnow()
        with self.database.transaction() as session:
            attempts, window_start = session.execute(self._count_attempt(session, f"client:{client}", now)).one()
            locked_until = session.scalar(
                select(LoginThrottle.locked_until).where(LoginThrottle.key == f"account:{account}")
            ) if account is not None else None
        if attempts > self.policy.client_limit:
            window_end = window_start + self.policy.client_window
            raise LoginRefused(_seconds_until(window_end, now), "client")
        if locked_until is not None and locked_until > now:
            raise LoginRefused(_seconds_until(locked_until, now), "account")

    def failed(self, account: str) -> None:
        now = utcnow()
        with self.database.transaction() as session:
            failures = session.execute(self._count_failure(session, f"account:{account}", now)).scalar_one()
            if failures >= self.policy.max_failures:
                lock = min(self.policy.lockout * 2 ** (failures - self.policy.max_failures), self.policy.max_lockout)
                row = session.get(LoginThrottle, f"account:{account}")
                row.locked_until = now + lock

    def succeeded(self, account: str) -> None:
        with self.database.transaction() as session:
            row = session.get(LoginThrottle, f"account:{account}")
            if row is not None:
                session.delete(row)

    def _count_attempt(self, session, key: str, now: datetime):
        expired = LoginThrottle.window_started_at < now - self.policy.client_window
        return (
            _insert(session)(LoginThrottle)
            .values(key=key, window_started_at=now, attempts=1, failures=0)
            .on_conflict_do_update(index_elements=["key"], set_={
                "attempts": case((expired, 1), else_=LoginThrottle.attempts + 1),
                "window_started_at": case((expired, now), else_=LoginThrottle.window_started_at),
            })
            .returning(LoginThrottle.attempts, LoginThrottle.window_started_at)
        )

    def _count_failure(self, session, key: str, now: datetime):
        return (
            _insert(session)(LoginThrottle)
            .values(key=key, window_started_at=now, attempts=0, failures=1)
            .on_conflict_do_update(index_elements=["key"], set_={"failures": LoginThrottle.failures + 1})
            .returning(LoginThrottle.failures)
        )


def purge_expired(database: Database, older_than: timedelta) -> int:
    """Forget counters whose window and lock-out are long over (the worker calls this now and then)."""
    cutoff = utcnow() - older_than
    with database.transaction() as session:
        result = session.execute(
            delete(LoginThrottle)
            .where(LoginThrottle.window_started_at < cutoff)
            .where((LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < cutoff))
        )
        return result.rowcount or 0


def _insert(session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _seconds_until(moment: datetime, now: datetime) -> int:
    return math.ceil((moment - now).total_seconds())
