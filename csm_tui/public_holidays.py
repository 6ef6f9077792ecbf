"""China's public holidays and make-up working days (调休), from the maintained ``chinesecalendar`` package.

The State Council publishes each November the next year's holidays; ``chinesecalendar`` ships them in a release
soon after. A year the installed package does not cover yet is ``None`` here: the branch's calendar then falls back
to its working weekdays (and the policy's own days) and the admin is warned (``Calendar.uncovered_years``). The
package is read once per year asked for; nothing here raises for a year it lacks.
"""

from __future__ import annotations

import datetime as dt
import functools
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
