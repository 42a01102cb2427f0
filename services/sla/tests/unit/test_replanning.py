"""Re-planning the open clocks after an admin change, a chunk per transaction, with time given by the test."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from builders import CaseStory
from harness import SlaHarness
from sqlalchemy import select

from sla.models import Calendar, CaseClock, ReplanJob
from sla.service import calendars
from sla.service.recompute import calendar_scope, finish_replanning, replan_open_clocks, start_replanning

CPH = ZoneInfo("Europe/Copenhagen")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=CPH)


@pytest.fixture
def sla(database):
    return SlaHarness(database)


def office_calendar_id(database) -> str:
    with database.transaction() as session:
        return session.scalar(select(Calendar.id).where(Calendar.name == "Dansk arbejdstid"))


def test_a_calendar_change_re_plans_every_open_clock_in_chunks_and_keeps_the_time_already_counted(sla, database):
    stories = [CaseStory(created_at=MONDAY_9, priority="high") for _ in range(7)]  # 8 business hours to resolve
    for story in stories:
        sla.deliver(story.created(), at=MONDAY_9)
    closed = stories.pop()
    sla.deliver(closed.closed(MONDAY_9 + timedelta(hours=1)), at=MONDAY_9 + timedelta(hours=1))
    calendar_id = office_calendar_id(database)
    change_at = MONDAY_9 + timedelta(hours=2)

    session = database.session()
    try:
        replan_open_clocks(session, scope=calendar_scope(calendar_id), now=change_at.astimezone(UTC),
                           auto_close_after=timedelta(days=7), batch_size=2,
                           change=lambda: calendars.update_calendar(session, calendar_id, {"always_open": True}, None))
    finally:
        session.close()

    for story in stories:  # 2 h counted on office hours, 6 h left round the clock: 17:00 the same Monday
        view = sla.sla(story.id, at=change_at)
        assert view["resolution"]["due_at"].astimezone(CPH) == datetime(2026, 11, 23, 17, 0, tzinfo=CPH)
        assert ("sla_breach", "resolution", view["resolution"]["due_at"]) in sla.pending_timers(story.id)
    assert sla.sla(closed.id, at=change_at)["resolution"]["remaining_seconds"] == 7 * 3600
    with database.transaction() as session:
        [job] = session.scalars(select(ReplanJob)).all()
        assert job.replanned == 6 and job.finished_at is not None and job.scope == {"calendar_id": calendar_id}


def test_a_case_event_between_the_change_and_its_chunk_is_not_undone_by_the_re_planning(sla, database):
    story = CaseStory(created_at=MONDAY_9, priority="high")
    sla.deliver(story.created(), at=MONDAY_9)
    calendar_id = office_calendar_id(database)
    change_at = MONDAY_9 + timedelta(hours=2)
    session = database.session()
    held = session.scalars(select(CaseClock)).all()  # the request's session still holds what it loaded
    try:
        _, job_id = start_replanning(
            session, scope=calendar_scope(calendar_id), now=change_at.astimezone(UTC), batch_size=2,
            change=lambda: calendars.update_calendar(session, calendar_id, {"always_open": True}, None))
        session.commit()
        waiting_at = change_at + timedelta(minutes=30)
        sla.deliver(story.status("waiting_requester", waiting_at), at=waiting_at)  # uses the new calendar already
        finish_replanning(session, job_id, auto_close_after=timedelta(days=7), batch_size=2)
    finally:
        session.close()
    assert held
    view = sla.sla(story.id, at=waiting_at + timedelta(hours=5))
    assert view["paused"] is True and view["resolution"]["due_at"] is None
    assert view["resolution"]["remaining_seconds"] == int(5.5 * 3600)  # 2 h of office time, 30 min round the clock
    assert sla.pending_timers(story.id) == []
