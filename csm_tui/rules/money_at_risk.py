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
import functools
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from csm_tui.domain.values import from_fen, to_fen
from csm_tui.rules.tiers import average_window, daily_average

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


@functools.lru_cache(maxsize=64)
def _horizon(as_of: dt.date, through: dt.date) -> tuple[tuple[dt.date, dt.date, int], ...]:
    """Each day after ``as_of`` up to ``through`` with its window's first day and length (worked out once)."""
    days = []
    day = as_of + ONE_DAY
    while day <= through:
        first, _ = average_window(day)
        days.append((day, first, (day - first).days + 1))
        day += ONE_DAY
    return tuple(days)


LOOKAHEAD_DAYS = 31  # the lowest forecast average kept with the figures looks this far past the data date


def _forecast_totals(spans: Iterable[Held], as_of: dt.date, through: dt.date) -> Iterator[tuple[dt.date, int, int]]:
    """Each day after ``as_of`` up to ``through``: the forecast sum of its window's daily balances in fen (held days
    as held, later days at the data date's balance) and the window's length."""
    horizon = _horizon(as_of, through)
    if not horizon:
        return
    held = [(s.first, s.last, to_fen(s.balance)) for s in spans if s.first <= as_of]
    last_balance = next((fen for first, last, fen in held if first <= as_of <= last), 0)
    # The held days' sum from each window's first day to the data date: from the earliest first day on, less the days
    # that have left the window by then (the firsts only move forward, a few days over the horizon).
    earliest, latest = horizon[0][1], horizon[-1][1]
    leaving = [0] * max(0, (min(latest, as_of + ONE_DAY) - earliest).days)
    for start, end, fen in held:
        for k in range(max(0, (start - earliest).days), min(len(leaving), (end - earliest).days + 1)):
            leaving[k] = fen
    left = [0, *itertools.accumulate(leaving)]  # left[k]: the fen-days of the first k days from ``earliest``
    everything = _held(held, earliest, as_of)
    for day, first, days in horizon:
        kept = everything - left[min((first - earliest).days, len(leaving))] if first <= as_of else 0
        future = (day - max(first, as_of + ONE_DAY)).days + 1
        yield day, kept + last_balance * future, days


def lowest_average(spans: Iterable[Held], as_of: dt.date, days: int = LOOKAHEAD_DAYS) -> Decimal:
    """The lowest forecast 3-month average over the ``days`` after ``as_of`` (each rounded down to the fen, as kept):
    an average falls below a threshold within those days exactly when this is below it."""
    return min(
        daily_average(total, n) for _day, total, n in _forecast_totals(spans, as_of, as_of + dt.timedelta(days=days))
    )


def forecast_tier(
    spans: Iterable[Held], as_of: dt.date, threshold: Decimal, through: dt.date, arrives: dt.date
) -> TierForecast | None:
    """When the 3-month average will first fall below ``threshold`` after ``as_of`` and up to ``through``, and the
    least sum that, coming in on ``arrives``, keeps it there through ``through``; None if it does not fall."""
    need_per_day = to_fen(threshold)
    arrives = max(arrives, as_of + ONE_DAY)
    falls: tuple[dt.date, Decimal] | None = None
    top_up = 0
    for day, total, days in _forecast_totals(spans, as_of, through):
        shortfall = need_per_day * days - total
        if shortfall > 0 and falls is None:
            falls = (day, daily_average(total, days))
        if shortfall > 0 and day >= arrives:
            top_up = max(top_up, -(-shortfall // ((day - arrives).days + 1)))  # rounded up to the fen
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


def _held(held: list[tuple[dt.date, dt.date, int]], first: dt.date, last: dt.date) -> int:
    """The fen-days held from ``first`` to ``last`` (spans as (first, last, fen))."""
    total = 0
    for start, end, fen in held:
        a, b = max(start, first), min(end, last)
        if a <= b:
            total += fen * ((b - a).days + 1)
    return total


def large_outflow(before: Decimal, after: Decimal, share: Decimal, floor: Decimal) -> Decimal | None:
    """The money that left between two data dates, if it is at least ``share`` of ``before`` and ``floor``."""
    out = before - after
    if out <= 0 or out < floor or out < before * share:
        return None
    return out
