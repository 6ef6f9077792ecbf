"""The instants a working day is judged by, in the branch's time zone."""

from __future__ import annotations

import datetime as dt

import arrow

from csm_tui.rules import working_days
from csm_tui.services.rows import DayWindow
from csm_tui.services.workstation import Workstation


def day_window(ws: Workstation, day: dt.date) -> DayWindow:
    """``day`` in UTC instants; "now" is the present for today and the day's end for a past day."""
    next_day = working_days.next_after(ws.policy.calendar, day)
    return DayWindow.of(day, ws.time.now().datetime, next_day, ws.policy.calls.maturity_lead_days, ws.time.day_bounds)


def next_working_morning(ws: Workstation) -> arrow.Arrow:
    """The time suggested for a meeting or a follow-up (``working_days.next_working_morning``)."""
    return working_days.next_working_morning(ws.policy.calendar, ws.time.today(), ws.time.tz)
