"""What a new installation's migrations leave in the database, read the way the service reads it."""

from datetime import date

import pytest
from sqlalchemy import select

from sla.calendar import Interval
from sla.models import Calendar
from sla.service.calendars import business_calendar

MORNING = (Interval.parse("08:00", "12:00"),)
OFFICE = (Interval.parse("08:00", "16:00"),)


@pytest.fixture
def danish_calendar(database):
    with database.transaction() as session:
        row = session.scalar(select(Calendar).where(Calendar.name == "Dansk arbejdstid"))
        return row.special_days, business_calendar(row)


def test_the_seeded_calendar_closes_christmas_eve_and_new_years_eve_and_limits_constitution_day(danish_calendar):
    special_days, _ = danish_calendar
    assert special_days == [
        {"date": "2000-06-05", "name": "Grundlovsdag", "recurring": True, "mode": "limit",
         "hours": [{"start": "08:00", "end": "12:00"}]},
        {"date": "2000-12-24", "name": "Juleaftensdag", "recurring": True, "mode": "closed", "hours": []},
        {"date": "2000-12-31", "name": "Nytårsaftensdag", "recurring": True, "mode": "closed", "hours": []},
    ]


def test_the_seeded_constitution_day_is_a_morning_only_on_a_working_day(danish_calendar):
    _, calendar = danish_calendar
    assert calendar.hours_on(date(2026, 6, 5)).hours == MORNING  # a Friday
    assert calendar.hours_on(date(2029, 6, 5)).hours == MORNING  # a Tuesday
    assert calendar.hours_on(date(2027, 6, 5)).hours == ()  # a Saturday
    assert calendar.hours_on(date(2033, 6, 5)).hours == ()  # a Sunday
    assert calendar.hours_on(date(2028, 6, 5)).hours == ()  # Anden pinsedag, a public holiday
    assert calendar.open_periods(date(2027, 6, 5)) == () and calendar.open_periods(date(2028, 6, 5)) == ()


def test_the_seeded_calendar_is_closed_on_christmas_eve_and_new_years_eve_whatever_the_weekday(danish_calendar):
    _, calendar = danish_calendar
    for day in (date(2026, 12, 24), date(2026, 12, 31), date(2027, 12, 24), date(2027, 12, 31)):
        assert calendar.hours_on(day).hours == (), day
    assert calendar.hours_on(date(2026, 12, 23)).hours == OFFICE
