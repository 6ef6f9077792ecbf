"""Birthdays: the day a client's birthday falls on in a year, solar or lunar (农历), and who to greet today.

A solar birthday on 29 February falls on 28 February in a common year. A lunar birthday keeps the lunar month and
day of birth (the lunar calendar from ``lunar_python``, a maintained MIT library): born in a leap month (闰月), it is
kept in the ordinary month of that number; born on the 30th, in a month of 29 days it falls on the 29th.

The greeting call is due on the working day before the birthday: on a working day ``today`` the clients whose
birthday falls after today and up to the next working day (a Friday greets Saturday's, Sunday's and Monday's).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass

from lunar_python import LunarYear

ONE_DAY = dt.timedelta(days=1)
LUNAR_YEARS = (1901, 2099)  # the years whose birthdays are told here (lunar_python's tables reach further)


def solar_birthday(born: dt.date, year: int) -> dt.date:
    """The solar birthday in ``year``: 29 February falls on the 28th in a common year."""
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return dt.date(year, born.month, born.day)


JULIAN_DAY_OF_ORDINAL = 1_721_425  # a date's Julian day number (at noon) less its proleptic ordinal


def lunar_of(born: dt.date) -> tuple[int, int]:
    """The lunar month (a leap month as the ordinary month of its number) and day of a solar date."""
    ordinal = born.toordinal()
    for year in (born.year, born.year - 1):
        for month, first, days in _months(year):
            if first <= ordinal < first + days:
                return abs(month), ordinal - first + 1
    raise ValueError(born)  # pragma: no cover (every day lies in a month of its lunar year or the one before)


def lunar_md(born: dt.date) -> int:
    """The lunar month and day of a birth date as kept with the client: ``month × 100 + day`` (1021: 十月廿一)."""
    month, day = lunar_of(born)
    return month * 100 + day


def lunar_birthday(born: dt.date, lunar_year: int) -> dt.date:
    """The solar date of the lunar birthday in lunar year ``lunar_year`` (the 30th of a 29-day month: the 29th)."""
    return lunar_day(lunar_year, lunar_md(born))


def lunar_day(lunar_year: int, md: int) -> dt.date:
    """The solar date of lunar month and day ``md`` (``month × 100 + day``) of a lunar year, in its ordinary month;
    the 30th of a 29-day month on the 29th."""
    month, day = divmod(md, 100)
    first, days = next((f, n) for m, f, n in _months(lunar_year) if m == month)
    return dt.date.fromordinal(first + min(day, days) - 1)


def lunar_mds_on(first: dt.date, last: dt.date) -> frozenset[int]:
    """The lunar birthdays (``month × 100 + day``) that fall from ``first`` to ``last``: each day's own, and the 30th
    too on the 29th of a 29-day month."""
    found: set[int] = set()
    day = first
    while day <= last:
        ordinal = day.toordinal()
        for year in (day.year, day.year - 1):
            for month, start, days in _months(year):
                if month > 0 and start <= ordinal < start + days:
                    found.add(month * 100 + ordinal - start + 1)
                    if days == 29 and ordinal - start + 1 == 29:
                        found.add(month * 100 + 30)
        day += ONE_DAY
    return frozenset(found)


@functools.lru_cache(maxsize=256)
def _months(lunar_year: int) -> tuple[tuple[int, int, int], ...]:
    """A lunar year's months: the month (negative: a leap month), its first day's ordinal and its days. Kept: the
    library works a year out from its solar terms, which takes milliseconds."""
    return tuple(
        (m.getMonth(), m.getFirstJulianDay() - JULIAN_DAY_OF_ORDINAL, m.getDayCount())
        for m in LunarYear.fromYear(lunar_year).getMonths()
        if m.getYear() == lunar_year
    )


def birthdays(born: dt.date, lunar: bool, first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """The client's birthdays from ``first`` to ``last`` (inclusive), in order."""
    for year in range(first.year - 1, last.year + 1):
        if lunar and not LUNAR_YEARS[0] <= year <= LUNAR_YEARS[1]:
            continue
        day = lunar_birthday(born, year) if lunar else solar_birthday(born, year)
        if first <= day <= last and day > born:
            yield day


def next_birthday(born: dt.date, lunar: bool, on_or_after: dt.date) -> dt.date | None:
    """The client's first birthday on or after ``on_or_after`` (None past the lunar tables' years)."""
    return next(birthdays(born, lunar, on_or_after, on_or_after + dt.timedelta(days=400)), None)


def greeting_days(today: dt.date, next_working_day: dt.date) -> tuple[dt.date, dt.date]:
    """The birthdays greeted on working day ``today``: after today, up to the next working day (inclusive)."""
    return today + ONE_DAY, next_working_day


def solar_month_days(first: dt.date, last: dt.date) -> frozenset[str]:
    """The birth dates (``MMDD``, as in a resident ID) whose solar birthday falls from ``first`` to ``last``."""
    found: set[str] = set()
    day = first
    while day <= last:
        found.add(f"{day.month:02d}{day.day:02d}")
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            found.add("0229")
        day += ONE_DAY
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Birthday:
    next_on: dt.date | None  # the next birthday from today (today's included)
    lunar: bool


def birthday(born: dt.date, lunar: bool, today: dt.date) -> Birthday:
    return Birthday(next_birthday(born, lunar, today), lunar)
