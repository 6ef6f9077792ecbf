"""The clock, injected everywhere: nothing else reads the wall clock.

Times are UTC; "today" is the branch's local date.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import arrow


class Clock(Protocol):
    def now(self) -> arrow.Arrow:
        """The current instant, in UTC."""
        ...


class SystemClock:
    def now(self) -> arrow.Arrow:
        return arrow.utcnow()


class FrozenClock:
    """A clock that stands still until moved; tests use it."""

    def __init__(self, at: arrow.Arrow | dt.datetime | str) -> None:
        self._at = arrow.get(at).to("UTC")

    def now(self) -> arrow.Arrow:
        return self._at

    def set(self, at: arrow.Arrow | dt.datetime | str) -> None:
        self._at = arrow.get(at).to("UTC")

    def advance(self, delta: dt.timedelta) -> None:
        self._at = self._at + delta


class BranchTime:
    """The clock seen from the branch's time zone: today's date and local display."""

    def __init__(self, clock: Clock, tz: str) -> None:
        self.clock = clock
        self.tz = tz

    def now(self) -> arrow.Arrow:
        return self.clock.now()

    def local_now(self) -> arrow.Arrow:
        return self.clock.now().to(self.tz)

    def today(self) -> dt.date:
        return self.local_now().date()

    def local(self, at: dt.datetime) -> arrow.Arrow:
        """A stored (UTC) instant in branch time. Naive datetimes are taken as UTC."""
        return arrow.get(at, tzinfo="UTC").to(self.tz) if at.tzinfo is None else arrow.get(at).to(self.tz)

    def day_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The UTC instants where a branch-local day starts and the next one starts."""
        start = arrow.get(day, tzinfo=self.tz)
        return start.to("UTC").datetime, start.shift(days=1).to("UTC").datetime
