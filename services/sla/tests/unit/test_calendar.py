"""Business-time arithmetic on Danish working calendars, with time given by the test."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import (
    BusinessCalendar,
    CalendarNeverOpen,
    Interval,
    SpecialDay,
    parse_clock,
    week_as_mapping,
    week_from_mapping,
)

CPH = ZoneInfo("Europe/Copenhagen")
HOUR = 3600
OFFICE = Interval.parse("08:00", "16:00")


def office_calendar(**overrides) -> BusinessCalendar:
    """Monday to Friday 08:00-16:00 in Copenhagen, Danish public holidays."""
    week = [(OFFICE,)] * 5 + [(), ()]
    return BusinessCalendar(week=week, **overrides)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=CPH)


def test_a_case_created_friday_afternoon_with_eight_business_hours_is_due_monday_afternoon():
    due = office_calendar().add(local(2026, 11, 20, 15, 0), 8 * HOUR)
    assert due.astimezone(CPH) == local(2026, 11, 23, 15, 0)


def test_a_case_created_the_day_before_easter_skips_the_easter_holidays():
    # Wednesday 1 April 2026; Maundy Thursday, Good Friday and Easter Monday are public holidays.
    due = office_calendar().add(local(2026, 4, 1, 15, 0), 8 * HOUR)
    assert due.astimezone(CPH) == local(2026, 4, 7, 15, 0)


def test_summer_time_starting_over_the_weekend_does_not_shift_a_due_time():
    # Clocks go forward on Sunday 29 March 2026.
    due = office_calendar().add(local(2026, 3, 27, 15, 0), 8 * HOUR)
    assert due.astimezone(CPH) == local(2026, 3, 30, 15, 0)
    assert due == datetime(2026, 3, 30, 13, 0, tzinfo=UTC)


def test_summer_time_ending_over_the_weekend_does_not_shift_a_due_time():
    # Clocks go back on Sunday 25 October 2026.
    due = office_calendar().add(local(2026, 10, 23, 15, 0), 8 * HOUR)
    assert due.astimezone(CPH) == local(2026, 10, 26, 15, 0)


def test_a_day_across_the_clock_change_has_twenty_three_real_hours_on_a_round_the_clock_calendar():
    calendar = BusinessCalendar(week=[(Interval(0, 86400),)] * 7, holiday_country=None)
    assert calendar.seconds_between(local(2026, 3, 29, 0, 0), local(2026, 3, 30, 0, 0)) == 23 * HOUR
    assert calendar.seconds_between(local(2026, 10, 25, 0, 0), local(2026, 10, 26, 0, 0)) == 25 * HOUR


def test_a_due_time_exactly_at_closing_time_stays_that_day():
    due = office_calendar().add(local(2026, 11, 23, 8, 0), 8 * HOUR)
    assert due.astimezone(CPH) == local(2026, 11, 23, 16, 0)


def test_time_before_opening_counts_from_opening():
    due = office_calendar().add(local(2026, 11, 23, 6, 30), HOUR)
    assert due.astimezone(CPH) == local(2026, 11, 23, 9, 0)


def test_several_intervals_a_day_leave_the_lunch_break_out():
    week = [(Interval.parse("08:00", "12:00"), Interval.parse("12:30", "16:00"))] * 5 + [(), ()]
    calendar = BusinessCalendar(week=week)
    due = calendar.add(local(2026, 11, 23, 11, 0), 2 * HOUR)
    assert due.astimezone(CPH) == local(2026, 11, 23, 13, 30)
    assert calendar.seconds_between(local(2026, 11, 23, 8, 0), local(2026, 11, 24, 8, 0)) == 7.5 * HOUR


def test_optional_holidays_close_labour_day_constitution_day_and_christmas_eve():
    plain, optional = office_calendar(), office_calendar(include_optional_holidays=True)
    for day in (date(2026, 5, 1), date(2026, 6, 5), date(2026, 12, 24), date(2026, 12, 31)):
        assert plain.hours_on(day).hours == (OFFICE,)
        closed = optional.hours_on(day)
        assert closed.hours == () and closed.reason == "holiday"
    assert optional.hours_on(date(2026, 6, 5)).name == "Grundlovsdag"


MORNING = Interval.parse("08:00", "12:00")


def test_a_recurring_part_day_closes_the_afternoon_of_constitution_day_every_year():
    calendar = office_calendar(special_days=[SpecialDay(date(2000, 6, 5), (MORNING,), "Grundlovsdag", recurring=True)])
    for year in (2026, 2029):  # a Friday and a Tuesday
        hours = calendar.hours_on(date(year, 6, 5))
        assert hours.hours == (MORNING,) and hours.reason == "special" and hours.name == "Grundlovsdag"
    due = calendar.add(local(2026, 6, 5, 11, 0), 2 * HOUR)  # Friday: one hour left, then Monday
    assert due.astimezone(CPH) == local(2026, 6, 8, 9, 0)


def test_a_limiting_part_day_never_opens_a_weekend_or_a_public_holiday():
    calendar = office_calendar(special_days=[SpecialDay(date(2000, 6, 5), (MORNING,), "Grundlovsdag", recurring=True)])
    saturday, sunday, whit_monday = date(2027, 6, 5), date(2033, 6, 5), date(2028, 6, 5)
    assert calendar.hours_on(saturday).hours == () and calendar.hours_on(saturday).reason == "weekday"
    assert calendar.hours_on(sunday).hours == ()
    assert calendar.hours_on(whit_monday).hours == ()
    assert calendar.hours_on(whit_monday).reason == "holiday"
    assert calendar.hours_on(whit_monday).name == "Anden pinsedag"
    due = calendar.add(local(2027, 6, 4, 15, 0), 2 * HOUR)  # Friday 4 June: one hour, then Monday 7 June
    assert due.astimezone(CPH) == local(2027, 6, 7, 9, 0)


def test_a_limiting_part_day_keeps_only_what_the_weekday_has_of_its_hours():
    short_friday = [(OFFICE,)] * 4 + [(Interval.parse("10:00", "14:00"),), (), ()]
    lunch_break = (Interval.parse("07:00", "09:00"), Interval.parse("11:00", "13:00"))
    calendar = BusinessCalendar(week=short_friday, special_days=[
        SpecialDay(date(2000, 6, 5), lunch_break, "Grundlovsdag", recurring=True)])
    assert calendar.hours_on(date(2026, 6, 5)).hours == (Interval.parse("11:00", "13:00"),)  # a Friday
    assert calendar.hours_on(date(2029, 6, 5)).hours == (Interval.parse("08:00", "09:00"),
                                                         Interval.parse("11:00", "13:00"))  # a Tuesday


def test_a_special_day_mode_must_fit_its_hours():
    with pytest.raises(ValueError):
        SpecialDay(date(2026, 12, 24), (MORNING,), mode="closed")
    with pytest.raises(ValueError):
        SpecialDay(date(2026, 12, 25), (), mode="open")
    with pytest.raises(ValueError):
        SpecialDay(date(2026, 12, 25), (MORNING,), mode="sometimes")


def test_a_one_off_closed_day_wins_over_the_weekday_and_an_opening_wins_over_a_holiday():
    calendar = office_calendar(special_days=[
        SpecialDay(date(2026, 11, 24), (), "Flyttedag", mode="closed"),
        SpecialDay(date(2026, 12, 25), (Interval.parse("10:00", "12:00"),), "Juledagsvagt", mode="open"),
        SpecialDay(date(2026, 12, 26), (Interval.parse("10:00", "12:00"),), "Ingen vagt", mode="limit"),
    ])
    assert calendar.hours_on(date(2026, 12, 26)).hours == ()
    assert calendar.hours_on(date(2026, 11, 24)).hours == ()
    assert calendar.hours_on(date(2026, 12, 25)).hours == (Interval.parse("10:00", "12:00"),)
    due = calendar.add(local(2026, 11, 23, 15, 0), 2 * HOUR)
    assert due.astimezone(CPH) == local(2026, 11, 25, 9, 0)


def test_holiday_names_follow_the_language_asked_for():
    calendar = office_calendar()
    assert calendar.hours_on(date(2026, 12, 25)).name == "Juledag"
    assert calendar.hours_on(date(2026, 12, 25), language="en_US").name == "Christmas Day"


def test_business_seconds_between_two_instants_count_only_working_time():
    calendar = office_calendar()
    assert calendar.seconds_between(local(2026, 11, 20, 15, 0), local(2026, 11, 23, 10, 0)) == 3 * HOUR
    assert calendar.seconds_between(local(2026, 11, 23, 10, 0), local(2026, 11, 20, 15, 0)) == 0


def test_adding_and_measuring_agree_over_a_year_of_instants():
    calendar = office_calendar(include_optional_holidays=True)
    start = local(2026, 1, 1, 7, 13)
    for step in range(0, 365 * 24, 37):
        instant = start + timedelta(hours=step)
        for seconds in (1, 5 * 60, 3 * HOUR, 8 * HOUR, 40 * HOUR, 400 * HOUR):
            due = calendar.add(instant, seconds)
            assert calendar.seconds_between(instant, due) == pytest.approx(seconds)


def test_a_round_the_clock_calendar_counts_wall_time():
    calendar = BusinessCalendar(always_open=True)
    start = local(2026, 3, 28, 12, 0)
    assert calendar.add(start, 24 * HOUR) == start.astimezone(UTC) + timedelta(hours=24)
    # Two days later on the wall clock is 47 real hours: the clocks went forward in between.
    assert calendar.seconds_between(start, local(2026, 3, 30, 12, 0)) == 47 * HOUR


def test_a_calendar_without_any_working_hours_is_refused():
    with pytest.raises(CalendarNeverOpen):
        BusinessCalendar(week=[()] * 7)


def test_overlapping_working_hours_are_refused():
    with pytest.raises(ValueError, match="overlap"):
        week_from_mapping({"monday": [{"start": "08:00", "end": "12:00"}, {"start": "11:00", "end": "16:00"}]})


@pytest.mark.parametrize("text", ["8:00", "24:01", "12:60", "noon", ""])
def test_malformed_clock_times_are_refused(text):
    with pytest.raises(ValueError):
        parse_clock(text)


def test_working_hours_read_and_write_the_same_mapping():
    mapping = {"monday": [{"start": "08:00", "end": "12:00"}, {"start": "12:30", "end": "24:00"}]}
    week = week_from_mapping(mapping)
    assert week_as_mapping(week)["monday"] == mapping["monday"]
    assert week_as_mapping(week)["sunday"] == []


def test_a_year_of_due_times_is_computed_quickly():
    import time

    calendar = office_calendar()
    start = local(2026, 1, 1, 9, 0)
    began = time.perf_counter()
    for step in range(2_000):
        calendar.add(start + timedelta(hours=step * 4), 40 * HOUR)
    assert time.perf_counter() - began < 2.0
