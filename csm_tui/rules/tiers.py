"""Client tiers and the 3-month daily average (日均资产) they are judged by: pure functions of the thresholds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import arrow

from csm_tui.domain.enums import Tier
from csm_tui.domain.values import from_fen
from csm_tui.policy import Tiers

AVERAGE_MONTHS = 3  # assets are the daily average of the last three months (日均资产)


def daily_average(fen_days: int, days: int) -> Decimal:
    """The daily average (日均) of a sum of daily balances in fen over ``days``, in yuan to the fen, rounded down:
    never lifted onto a threshold. Thresholds are whole fen, so the average reaches one exactly when the sum reaches
    threshold × days (a true 49,999.995 stays 49,999.99, under 交银理财)."""
    return from_fen(fen_days // days)


def tier_of(avg_3m: Decimal, tiers: Tiers) -> Tier:
    """The client's tier by 3-month daily average assets (``daily_average``: exact against the thresholds)."""
    if avg_3m >= tiers.wode:
        return Tier.WODE
    if avg_3m >= tiers.jiaoyin:
        return Tier.JIAOYIN
    return Tier.ORDINARY


def next_threshold(tier: Tier, tiers: Tiers) -> Decimal | None:
    """The 3-month average the next tier starts at, or None at the top."""
    return {Tier.ORDINARY: tiers.jiaoyin, Tier.JIAOYIN: tiers.wode}.get(tier)


def reached(tier: Tier, avg_3m: Decimal, before: Decimal, tiers: Tiers) -> bool:
    """The average ``avg_3m`` is in ``tier`` or above it, and ``before`` was below it."""
    order = list(Tier)
    rank = order.index
    return rank(tier_of(avg_3m, tiers)) >= rank(tier) > rank(tier_of(before, tiers))


def quick_wealth(avg_3m: Decimal, tiers: Tiers) -> bool:
    """The 快捷理财 service (two free inter-bank withdrawals a month): a quarter's daily average, the 3-month one,
    of at least the threshold. Any tier may have it; compared exactly, as ``tier_of`` is."""
    return avg_3m >= tiers.quick_wealth


def average_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of the three months of daily balances that end at ``as_of``."""
    first = arrow.Arrow.fromdate(as_of).shift(months=-AVERAGE_MONTHS).date() + dt.timedelta(days=1)
    return first, as_of
