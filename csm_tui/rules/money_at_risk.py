"""Money at risk today, from the bank's data (T+2): pure functions over a client's balance spans.

**The tier forecast.** The 3-month daily average (日均) is a sliding window: each day one day enters and the oldest
leaves. After the data date the balance is taken to stay as it was that day (the bank tells nothing more), so for
each day ``d`` after the data date the window's sum is the held days still in it plus the last balance for each day
after the data date. The average falls below a threshold on the first day that sum is under threshold × the
window's days (exactly, in fen: the kept average is rounded down, so it reaches a threshold exactly then).

**What keeps it.** Money coming in on ``arrives`` (the first day it can: the branch's today, after the data date) and
staying counts on every day from then on. The least sum, to the fen, that keeps the average at or above the
threshold on every day from ``arrives`` through ``through`` is the largest of each day's shortfall divided by the
days the money would have been held by then, rounded up to the fen.

**A large outflow**: the balance fell since the previous data date by at least the policy's share of the earlier
balance and its floor amount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from csm_tui.domain.values import from_fen, to_fen
from csm_tui.services.clients import average_window, daily_average

ONE_DAY = dt.timedelta(days=1)


class Held(Protocol):
    """A balance held from ``first`` to ``last`` inclusive (a balance span)."""

    @property
    def first(self) -> dt.date: ...

    @property
    def last(self) -> dt.date: ...

    @property
    def balance(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class HeldSpan:
    first: dt.date
    last: dt.date
    balance: Decimal


@dataclass(frozen=True, slots=True)
class TierForecast:
    """The 3-month average falls below ``threshold`` on ``falls_on`` (to ``average_then``) unless ``top_up`` comes in
    on ``arrives``; that sum keeps it at the threshold every day through ``through``. ``top_up`` is None when no
    money can arrive by ``through``; 0 when the days from ``arrives`` on need nothing (only days already past fall)."""

    threshold: Decimal
    falls_on: dt.date
    average_then: Decimal
    top_up: Decimal | None
    arrives: dt.date
    through: dt.date
    as_of: dt.date


def held_fen(spans: Iterable[Held], first: dt.date, last: dt.date) -> int:
    """The sum of the daily balances from ``first`` to ``last`` in fen (days not held count as 0)."""
    total = 0
    for span in spans:
        start, end = max(span.first, first), min(span.last, last)
        if start <= end:
            total += to_fen(span.balance) * ((end - start).days + 1)
    return total


def balance_on(spans: Iterable[Held], day: dt.date) -> Decimal:
    """The balance held on ``day`` (0 if none)."""
    return next((s.balance for s in spans if s.first <= day <= s.last), Decimal("0.00"))


def window_days(day: dt.date) -> int:
    first, last = average_window(day)
    return (last - first).days + 1


def most_window_days(first: dt.date, last: dt.date) -> int:
    """The longest 3-month window ending on a day from ``first`` to ``last`` (for a bound that needs no spans)."""
    return max(window_days(first + dt.timedelta(days=k)) for k in range((last - first).days + 1))


def forecast_tier(
    spans: Iterable[Held], as_of: dt.date, threshold: Decimal, through: dt.date, arrives: dt.date
) -> TierForecast | None:
    """When the 3-month average will first fall below ``threshold`` after ``as_of`` and up to ``through``, and the
    least sum that, coming in on ``arrives``, keeps it there through ``through``; None if it does not fall."""
    held = [s for s in spans if s.first <= as_of]
    last_balance = to_fen(balance_on(held, as_of))
    need_per_day = to_fen(threshold)
    arrives = max(arrives, as_of + ONE_DAY)
    falls: tuple[dt.date, Decimal] | None = None
    top_up = 0
    day = as_of + ONE_DAY
    while day <= through:
        first, _ = average_window(day)
        days = (day - first).days + 1
        future = (day - max(first, as_of + ONE_DAY)).days + 1
        total = held_fen(held, first, as_of) + last_balance * future
        shortfall = need_per_day * days - total
        if shortfall > 0 and falls is None:
            falls = (day, daily_average(total, days))
        if shortfall > 0 and day >= arrives:
            top_up = max(top_up, -(-shortfall // ((day - arrives).days + 1)))  # rounded up to the fen
        day += ONE_DAY
    if falls is None:
        return None
    return TierForecast(
        threshold=threshold,
        falls_on=falls[0],
        average_then=falls[1],
        top_up=from_fen(top_up) if arrives <= through else None,
        arrives=arrives,
        through=through,
        as_of=as_of,
    )


def large_outflow(before: Decimal, after: Decimal, share: Decimal, floor: Decimal) -> Decimal | None:
    """The money that left between two data dates, if it is at least ``share`` of ``before`` and ``floor``."""
    out = before - after
    if out <= 0 or out < floor or out < before * share:
        return None
    return out
