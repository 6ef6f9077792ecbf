"""China's public holidays and make-up working days (调休), from the maintained ``chinesecalendar`` package.

The State Council publishes each November the next year's holidays; ``chinesecalendar`` ships them in a release
soon after. A year the installed package does not cover yet is ``None`` here: the branch's calendar then falls back
to its working weekdays (and the policy's own days) and the admin is warned (``Calendar.uncovered_years``). The
package is read once per year asked for; nothing here raises for a year it lacks.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from chinese_calendar import constants


@dataclass(frozen=True, slots=True)
class NationalYear:
    """One year's public holidays (days off, weekends included) and make-up working days (weekend days worked)."""

    days_off: frozenset[dt.date]
    make_up_days: frozenset[dt.date]


@functools.cache
def covered_years() -> range:
    """The years the installed package carries (2004–2026 in chinesecalendar 1.11.0)."""
    years = {day.year for day in constants.holidays}
    return range(min(years), max(years) + 1)


@functools.cache
def national_year(year: int) -> NationalYear | None:
    """``year``'s holidays and make-up days, or ``None`` when the installed package does not cover it."""
    if year not in covered_years():
        return None
    return NationalYear(
        days_off=frozenset(day for day in constants.holidays if day.year == year),
        make_up_days=frozenset(day for day in constants.workdays if day.year == year),
    )


@functools.lru_cache(maxsize=64)
def working_days(
    year: int,
    public_holidays: bool,
    weekdays: tuple[int, ...],
    closures: tuple[dt.date, ...],
    extra: tuple[dt.date, ...],
) -> frozenset[dt.date]:
    """Every working day of ``year`` under a calendar's settings (``policy.Calendar``), worked out once (queue
    building asks often)."""
    national = national_year(year) if public_holidays else None
    off = national.days_off if national else frozenset()
    on = national.make_up_days if national else frozenset()
    first = dt.date(year, 1, 1)
    days = (first + dt.timedelta(days=n) for n in range((dt.date(year + 1, 1, 1) - first).days))
    working = {day for day in days if day in on or (day.weekday() in weekdays and day not in off)}
    return frozenset((working - set(closures)) | {day for day in extra if day.year == year})


YEAR_AHEAD = 366  # days a next working day is looked for


def first_working_day(day: dt.date, is_working_day: Callable[[dt.date], bool]) -> dt.date:
    """``day`` itself if it is a working day, else the next one (``ValueError`` when none comes within a year)."""
    for _ in range(YEAR_AHEAD):
        if is_working_day(day):
            return day
        day += dt.timedelta(days=1)
    raise ValueError("no working day within a year")
