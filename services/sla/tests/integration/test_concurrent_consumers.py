"""Two consumers (two workers, or one with several threads) handling events of the same new case at once."""

import threading
from datetime import UTC, datetime, timedelta

from builders import CaseStory
from sqlalchemy import select

from servicekit.config import Settings
from servicekit.db import Database
from servicekit.inbox import inbox_table
from servicekit.worker import EventDispatcher
from sla.consumers import handlers
from sla.models import CaseClock

CASES = 25


def dispatcher(url: str) -> tuple[EventDispatcher, Database]:
    database = Database(url)
    return EventDispatcher("sla", database, handlers(Settings({"auto_close_after": 604_800}))), database


def deliver_at_once(dispatchers: list[EventDispatcher], events: list) -> list[BaseException]:
    """Each dispatcher delivers its event in its own thread, all starting together; what they raised."""
    start, failures = threading.Barrier(len(events)), []

    def deliver(dispatch, event) -> None:
        start.wait()
        try:
            dispatch(event)
        except Exception as error:  # the test reports whatever a delivery raised
            failures.append(error)

    threads = [threading.Thread(target=deliver, args=pair) for pair in zip(dispatchers, events, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return failures


def test_a_case_created_and_changed_at_the_same_moment_on_two_consumers_gets_one_clock_with_both(sla_url):
    (first, first_db), (second, second_db) = dispatcher(sla_url), dispatcher(sla_url)
    created = datetime.now(UTC) - timedelta(hours=1)
    stories = [CaseStory(created_at=created, priority="low") for _ in range(CASES)]
    try:
        for story in stories:
            events = [story.created(), story.status("waiting_requester", created + timedelta(minutes=30))]
            failures = deliver_at_once([first, second], events)
            assert failures == [], failures
        with first_db.transaction() as session:
            clocks = {c.case_id: c for c in session.scalars(select(CaseClock))}
            assert {(c.version, c.status) for c in clocks.values()} == {(2, "waiting_requester")}
            assert all(m.running_since is None and m.due_at is None for c in clocks.values() for m in c.metrics)
            assert len(clocks) == CASES
            assert len(session.execute(select(inbox_table)).all()) == 2 * CASES
    finally:
        first_db.dispose()
        second_db.dispose()
