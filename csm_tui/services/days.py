"""The instants a working day is judged by, in the branch's time zone."""

from __future__ import annotations

import datetime as dt

import arrow

from csm_tui.rules.cadence import Cadence
from csm_tui.services.rows import DayWindow
from csm_tui.services.workstation import Workstation


def day_window(ws: Workstation, day: dt.date) -> DayWindow:
    """``day`` in UTC instants; "now" is the present for today and the day's end for a past day."""
    start, end = ws.time.day_bounds(day)
    next_start, next_end = ws.time.day_bounds(Cadence(ws.policy).next_working_day_after(day))
    lead = ws.policy.calls.maturity_lead_days
    return DayWindow(
        day=day,
        start=start,
        end=end,
        now=min(max(ws.time.now().datetime, start), end),
        next_start=next_start,
        next_end=next_end,
        maturing_until=day + dt.timedelta(days=lead),
        contacted_since=ws.time.day_bounds(day - dt.timedelta(days=lead))[0],
    )


SUGGESTED_HOUR = 10  # meetings and follow-ups are suggested for this hour of the next working day


def next_working_morning(ws: Workstation) -> arrow.Arrow:
    """The time suggested for a meeting or a follow-up: 10:00 on the next working day, in branch time."""
    day = Cadence(ws.policy).next_working_day_after(ws.time.today())
    return arrow.get(day, tzinfo=ws.time.tz).replace(hour=SUGGESTED_HOUR)
