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
from collections.abc import Iterator

from lunar_python import Lunar, LunarYear, Solar

ONE_DAY = dt.timedelta(days=1)
LUNAR_YEARS = (1901, 2099)  # the years whose birthdays are told here (lunar_python's tables reach further)


def solar_birthday(born: dt.date, year: int) -> dt.date:
    """The solar birthday in ``year``: 29 February falls on the 28th in a common year."""
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return dt.date(year, born.month, born.day)


def lunar_of(born: dt.date) -> tuple[int, int]:
    """The lunar month (a leap month as the ordinary month of its number) and day of a solar date."""
    lunar = Solar.fromYmd(born.year, born.month, born.day).getLunar()
    return abs(lunar.getMonth()), lunar.getDay()


def lunar_birthday(born: dt.date, lunar_year: int) -> dt.date:
    """The solar date of the lunar birthday in lunar year ``lunar_year`` (the 30th of a 29-day month: the 29th)."""
    month, day = lunar_of(born)
    days = next(m.getDayCount() for m in LunarYear.fromYear(lunar_year).getMonths() if m.getYear() == lunar_year
                and m.getMonth() == month)  # fmt: skip
    solar = Lunar.fromYmd(lunar_year, month, min(day, days)).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


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
