"""Business time on a working calendar: pure rules, no I/O.

A calendar says, for every local day, when the organisation is open: working
hours per weekday (several intervals a day allowed), public holidays from the
``holidays`` package, and the calendar's own special days (closed, limited to
part of the day, or opened on purpose).  Hours are wall-clock times in the calendar's time
zone, so 08:00-16:00 is eight hours on a summer-time day and on a winter day,
and the night the clocks change never shifts a due time.

The arithmetic works a day at a time on pre-computed open periods (UTC
instants), never minute by minute.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SECONDS_PER_DAY = 86_400
DEFAULT_TIME_ZONE = "Europe/Copenhagen"
DEFAULT_HOLIDAY_COUNTRY = "DK"
MAX_DAYS_AHEAD = 3_660  # ten years: a calendar that never opens in that span is broken
_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")

Period = tuple[datetime, datetime]


class CalendarNeverOpen(ValueError):
    """The calendar has no working time within the horizon the arithmetic looks at."""


def parse_clock(text: str) -> int:
    """``"08:30"`` as seconds after midnight; ``"24:00"`` is the end of the day."""
    match = _CLOCK.match(text or "")
    if not match:
        raise ValueError(f"not a time of day (HH:MM): {text!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"not a time of day (HH:MM): {text!r}")
    return hours * 3600 + minutes * 60


def format_clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


@dataclass(frozen=True, order=True)
class Interval:
    """Local working time within one day, in seconds after midnight (end exclusive)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= SECONDS_PER_DAY:
            raise ValueError("an interval must start before it ends, within one day")

    @classmethod
    def parse(cls, start: str, end: str) -> Interval:
        return cls(parse_clock(start), parse_clock(end))

    def as_dict(self) -> dict[str, str]:
        return {"start": format_clock(self.start), "end": format_clock(self.end)}


def normalise_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted and checked: intervals of one day may touch but never overlap."""
    ordered = tuple(sorted(intervals))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start < before.end:
            raise ValueError(
                f"working hours overlap: {format_clock(before.start)}-{format_clock(before.end)} and "
                f"{format_clock(after.start)}-{format_clock(after.end)}"
            )
    return ordered


CLOSED_DAY, LIMITED_DAY, OPENING = "closed", "limit", "open"
SPECIAL_DAY_MODES = (CLOSED_DAY, LIMITED_DAY, OPENING)


def default_mode(hours: Sequence[object]) -> str:
    """A special day without hours closes the day; one with hours limits the day to them."""
    return LIMITED_DAY if hours else CLOSED_DAY


@dataclass(frozen=True)
class SpecialDay:
    """A day the calendar treats on its own.

    ``closed``: no working time at all.  ``limit``: only the given hours of what the day would
    otherwise have (a recurring half day must not open the Saturday or the public holiday it
    falls on in some years).  ``open``: exactly the given hours, also on a weekend or holiday
    (a deliberate opening, such as a Christmas Day on duty).
    """

    day: date
    hours: tuple[Interval, ...] = ()
    name: str = ""
    recurring: bool = False  # every year on the same month and day
    mode: str = LIMITED_DAY

    def __post_init__(self) -> None:
        if self.mode not in SPECIAL_DAY_MODES:
            raise ValueError(f"unknown special day mode: {self.mode!r}")
        if self.mode == CLOSED_DAY and self.hours:
            raise ValueError("a closed day has no hours")
        if self.mode == OPENING and not self.hours:
            raise ValueError("an opening needs its hours")

    @property
    def key(self) -> tuple[int, int, int]:
        return (0 if self.recurring else self.day.year, self.day.month, self.day.day)


def intersect_intervals(first: Sequence[Interval], second: Sequence[Interval]) -> tuple[Interval, ...]:
    """The time of day that lies in both sets of intervals."""
    common = (
        (max(a.start, b.start), min(a.end, b.end)) for a in first for b in second
    )
    return tuple(sorted(Interval(start, end) for start, end in common if start < end))


@dataclass(frozen=True)
class DayHours:
    """What a calendar says about one local day, and why."""

    day: date
    hours: tuple[Interval, ...]
    reason: str  # "weekday", "holiday", "special", "always_open"
    name: str = ""


@lru_cache(maxsize=256)
def holiday_names(country: str, year: int, include_optional: bool, language: str = "da") -> Mapping[date, str]:
    """The public (and optionally the optional) holidays of a country and year, by date."""
    categories = ("public", "optional") if include_optional else ("public",)
    found = holidays.country_holidays(country, years=year, categories=categories, language=language)
    return dict(found.items())


def supported_holiday_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


@dataclass
class BusinessCalendar:
    """Working time of one calendar; answers in UTC instants, thinks in local days."""

    time_zone: str = DEFAULT_TIME_ZONE
    week: Sequence[Sequence[Interval]] = field(default_factory=lambda: [()] * 7)  # Monday first
    holiday_country: str | None = DEFAULT_HOLIDAY_COUNTRY
    include_optional_holidays: bool = False
    special_days: Sequence[SpecialDay] = ()
    always_open: bool = False

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.time_zone)
        if len(self.week) != 7:
            raise ValueError("working hours need all seven weekdays")
        self.week = tuple(normalise_intervals(day) for day in self.week)
        self._special = {special.key: special for special in self.special_days}
        self._periods: dict[date, tuple[Period, ...]] = {}
        if not self.always_open and not any(self.week):
            raise CalendarNeverOpen("a calendar needs working hours on at least one weekday")

    # -- what a day looks like -------------------------------------------------------------

    def hours_on(self, day: date, language: str = "da") -> DayHours:
        """The local working hours of ``day``.

        An opening special day gives its own hours; otherwise the day has its holiday's or weekday's
        hours, which a closing or limiting special day cuts down.  When the special day takes nothing
        away (a limit on a Saturday), the answer names the holiday or weekday that decided it.
        """
        if self.always_open:
            return DayHours(day, (Interval(0, SECONDS_PER_DAY),), "always_open")
        special = self._special.get((day.year, day.month, day.day)) or self._special.get((0, day.month, day.day))
        if special is not None and special.mode == OPENING:
            return DayHours(day, special.hours, "special", special.name)
        usual = self._usual_hours(day, language)
        if special is None:
            return usual
        limited = intersect_intervals(usual.hours, special.hours)
        if limited == usual.hours:
            return usual
        return DayHours(day, limited, "special", special.name)

    def _usual_hours(self, day: date, language: str) -> DayHours:
        """The day's hours without the calendar's special days: none on a holiday, else the weekday's."""
        if self.holiday_country:
            name = holiday_names(self.holiday_country, day.year, self.include_optional_holidays, language).get(day)
            if name is not None:
                return DayHours(day, (), "holiday", name)
        return DayHours(day, self.week[day.weekday()], "weekday")

    def open_periods(self, day: date) -> tuple[Period, ...]:
        """The day's working time as UTC instants (computed once per day and kept)."""
        periods = self._periods.get(day)
        if periods is None:
            if len(self._periods) > 4_000:
                self._periods.clear()
            periods = tuple(p for p in (self._period(day, i) for i in self.hours_on(day).hours) if p[0] < p[1])
            self._periods[day] = periods
        return periods

    def _period(self, day: date, interval: Interval) -> Period:
        return self._instant(day, interval.start), self._instant(day, interval.end)

    def _instant(self, day: date, seconds: int) -> datetime:
        if seconds >= SECONDS_PER_DAY:
            day, seconds = day + timedelta(days=1), seconds - SECONDS_PER_DAY
        local = datetime.combine(day, time(seconds // 3600, seconds % 3600 // 60), tzinfo=self.zone)
        return local.astimezone(UTC)

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    # -- arithmetic ------------------------------------------------------------------------

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant when ``seconds`` of working time have passed since ``start``."""
        start = _aware(start)
        if seconds <= 0:
            return start
        if self.always_open:
            return start + timedelta(seconds=seconds)
        remaining = float(seconds)
        day = self.local_day(start)
        for _ in range(MAX_DAYS_AHEAD):
            for opens, closes in self.open_periods(day):
                if closes <= start:
                    continue
                begin = max(opens, start)
                span = (closes - begin).total_seconds()
                if remaining <= span:
                    return begin + timedelta(seconds=remaining)
                remaining -= span
            day += timedelta(days=1)
        raise CalendarNeverOpen("no working time found within ten years")

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Working seconds in ``[start, end)``; zero when ``end`` is not after ``start``."""
        start, end = _aware(start), _aware(end)
        if end <= start:
            return 0.0
        if self.always_open:
            return (end - start).total_seconds()
        total = 0.0
        day, last = self.local_day(start), self.local_day(end)
        while day <= last:
            for opens, closes in self.open_periods(day):
                overlap = (min(closes, end) - max(opens, start)).total_seconds()
                if overlap > 0:
                    total += overlap
            day += timedelta(days=1)
        return total

    def days(self, first: date, count: int, language: str = "da") -> list[DayHours]:
        """The working hours of ``count`` days from ``first``: for checking a calendar by eye."""
        return [self.hours_on(first + timedelta(days=n), language) for n in range(count)]


def _aware(instant: datetime) -> datetime:
    """In UTC, so that adding a timedelta adds real time (aware local datetimes add wall-clock time)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime given; use an aware one")
    return instant.astimezone(UTC)


def week_from_mapping(hours: Mapping[str, Iterable[Mapping[str, str]]]) -> list[tuple[Interval, ...]]:
    """``{"monday": [{"start": "08:00", "end": "16:00"}], ...}`` as seven tuples, Monday first."""
    unknown = set(hours) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"unknown weekday(s): {', '.join(sorted(unknown))}")
    return [
        normalise_intervals(Interval.parse(i["start"], i["end"]) for i in hours.get(name) or ())
        for name in WEEKDAYS
    ]


def week_as_mapping(week: Sequence[Sequence[Interval]]) -> dict[str, list[dict[str, str]]]:
    return {name: [i.as_dict() for i in week[n]] for n, name in enumerate(WEEKDAYS)}
