"""Working-day arithmetic over the branch's calendar (China's public holidays and 调休, the branch's own days).

The calendar itself (which days are working days) is the policy's ``Calendar``; every date the rules move onto a
working day is moved here, and nowhere else.
"""

from __future__ import annotations

import datetime as dt

import arrow

from csm_tui.policy import Calendar

SUGGESTED_HOUR = 10  # meetings and follow-ups are suggested for this hour of the next working day


def on_or_after(calendar: Calendar, day: dt.date) -> dt.date:
    """``day`` itself if it is a working day, else the next working day."""
    return calendar.next_working_day(day)


def after_days(calendar: Calendar, today: dt.date, days: int) -> dt.date:
    """``days`` calendar days after ``today``, moved onto a working day."""
    return on_or_after(calendar, today + dt.timedelta(days=days))


def next_after(calendar: Calendar, day: dt.date) -> dt.date:
    """The first working day after ``day``."""
    return after_days(calendar, day, 1)


def last_on_or_before(calendar: Calendar, day: dt.date, floor: dt.date) -> dt.date:
    """The last working day on or before ``day``, looking back no further than ``floor``."""
    while day > floor and not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def next_working_morning(calendar: Calendar, today: dt.date, tz: str) -> arrow.Arrow:
    """The time suggested for a meeting or a follow-up: 10:00 on the next working day, in branch time."""
    return arrow.get(next_after(calendar, today), tzinfo=tz).replace(hour=SUGGESTED_HOUR)
