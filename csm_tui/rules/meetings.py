"""When a meeting may be: on a working day, within the outlet's opening hours, clear of the staff member's and the
client's other meetings; and the next slot that is.

Times are aware datetimes (any zone); the rules read them in the branch's time zone ``tz``. A meeting is the
half-open interval ``[starts_at, starts_at + minutes)``: one ending at 10:30 does not overlap one starting at 10:30.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from csm_tui.policy import Calendar

SLOT_MINUTES = 30  # the grid a suggested meeting starts on, from the opening time
_DAYS_AHEAD = 366  # how far a free slot is looked for


@dataclass(frozen=True, slots=True)
class Busy:
    """A meeting already in the way: when, for how long, and whose (the staff member's own or the client's)."""

    starts_at: dt.datetime
    minutes: int
    id: int = 0


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a meeting may not be at that time: an ``error.<code>`` of the catalogs, with its parameters."""

    code: str
    params: dict[str, str]


def _local(at: dt.datetime, tz: str) -> dt.datetime:
    return at.astimezone(zoneinfo.ZoneInfo(tz))


def refusal(calendar: Calendar, starts_at: dt.datetime, minutes: int) -> Refusal | None:
    """Why a meeting of ``minutes`` from ``starts_at`` may not be held at the outlet, or None when it may."""
    start = _local(starts_at, calendar.tz)
    end = start + dt.timedelta(minutes=minutes)
    if not calendar.is_working_day(start.date()):
        return Refusal("meeting_closed_day", {"day": start.date().isoformat()})
    if start.time() < calendar.opens or end.date() != start.date() or end.time() > calendar.closes:
        return Refusal(
            "meeting_outside_hours",
            {"opens": calendar.opens.strftime("%H:%M"), "closes": calendar.closes.strftime("%H:%M")},
        )
    return None


def overlaps(starts_at: dt.datetime, minutes: int, other: Busy) -> bool:
    """Whether ``[starts_at, +minutes)`` and the other meeting share any instant."""
    end = starts_at + dt.timedelta(minutes=minutes)
    return starts_at < other.starts_at + dt.timedelta(minutes=other.minutes) and other.starts_at < end


def first_overlap(starts_at: dt.datetime, minutes: int, busy: Iterable[Busy]) -> Busy | None:
    return next((b for b in busy if overlaps(starts_at, minutes, b)), None)


def next_free_slot(
    calendar: Calendar, now: dt.datetime, busy: Iterable[Busy], minutes: int, step: int = SLOT_MINUTES
) -> dt.datetime | None:
    """The earliest start after ``now``, on the ``step``-minute grid from the opening time, that ``refusal`` accepts
    and that overlaps nothing in ``busy``; None if there is none within a year. Returned in the branch's zone."""
    zone = zoneinfo.ZoneInfo(calendar.tz)
    taken = sorted(busy, key=lambda b: b.starts_at)
    day = _local(now, calendar.tz).date()
    for _ in range(_DAYS_AHEAD):
        if calendar.is_working_day(day):
            slot = dt.datetime.combine(day, calendar.opens, zone)
            closes = dt.datetime.combine(day, calendar.closes, zone)
            while slot + dt.timedelta(minutes=minutes) <= closes:
                if slot > now and first_overlap(slot, minutes, taken) is None:
                    return slot
                slot += dt.timedelta(minutes=step)
        day += dt.timedelta(days=1)
    return None
