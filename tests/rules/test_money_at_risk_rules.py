"""Money at risk as pure rules (``csm_tui.rules.money_at_risk``): the tier forecast against a day-by-day oracle, and
the large-outflow test. No database."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from csm_tui.domain.values import to_fen
from csm_tui.rules.money_at_risk import (
    HeldSpan,
    forecast_tier,
    held_fen,
    large_outflow,
    most_window_days,
)
from csm_tui.rules.tiers import average_window, daily_average

ONE = dt.timedelta(days=1)
AS_OF = dt.date(2026, 11, 25)  # the data date (T+2 of Friday 27 November)
TODAY = dt.date(2026, 11, 27)
T = Decimal("50000.00")


def oracle_average(spans: list[HeldSpan], as_of: dt.date, day: dt.date, extra: Decimal, arrives: dt.date) -> Decimal:
    """The 3-month average on ``day`` worked out one day at a time: held days as held, later days at the data
    date's balance, plus ``extra`` on every day from ``arrives``."""
    first, _ = average_window(day)
    last_balance = next((s.balance for s in spans if s.first <= as_of <= s.last), Decimal(0))
    total = Decimal(0)
    d = first
    while d <= day:
        if d <= as_of:
            total += next((s.balance for s in spans if s.first <= d <= s.last), Decimal(0))
        else:
            total += last_balance
        if d >= arrives:
            total += extra
        d += ONE
    return daily_average(to_fen(total), (day - first).days + 1)


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


# --- examples ------------------------------------------------------------------------------------------------


def test_a_client_who_emptied_the_account_falls_when_the_old_days_leave_the_window() -> None:
    # ¥80,000 held until 1 November, nothing since: each day a ¥80,000 day leaves the window and a day of nothing
    # enters, until the average drops under ¥50,000.
    spans = [HeldSpan(dt.date(2026, 6, 1), dt.date(2026, 11, 1), Decimal("80000.00"))]
    f = forecast_tier(spans, AS_OF, T, TODAY + dt.timedelta(days=14), TODAY)
    # 80,000 × held days ≥ 50,000 × window days until the held days drop under 5/8 of the window
    assert f is not None
    assert oracle_average(spans, AS_OF, f.falls_on, Decimal(0), TODAY) < T
    assert oracle_average(spans, AS_OF, f.falls_on - ONE, Decimal(0), TODAY) >= T or f.falls_on - ONE == AS_OF
    assert f.top_up is not None and f.top_up > 0
    assert f.as_of == AS_OF and f.through == TODAY + dt.timedelta(days=14) and f.arrives == TODAY


def test_a_steady_balance_above_the_threshold_never_falls() -> None:
    spans = [HeldSpan(dt.date(2026, 1, 1), AS_OF, Decimal("50000.00"))]
    assert forecast_tier(spans, AS_OF, T, TODAY + dt.timedelta(days=14), TODAY) is None


def test_the_sum_that_keeps_the_tier_is_exact_to_the_fen() -> None:
    # ¥50,000 for the whole window but the first ten days were ¥60,000 and the last week ¥40,000: each day a
    # ¥60,000 day leaves and a ¥40,000 day enters, and the average sinks under ¥50,000 within days.
    first, _ = average_window(AS_OF)
    spans = [
        HeldSpan(first - dt.timedelta(days=30), first + dt.timedelta(days=9), Decimal("60000.00")),
        HeldSpan(first + dt.timedelta(days=10), AS_OF - dt.timedelta(days=7), Decimal("50000.00")),
        HeldSpan(AS_OF - dt.timedelta(days=6), AS_OF, Decimal("40000.00")),
    ]
    through = TODAY + dt.timedelta(days=14)
    f = forecast_tier(spans, AS_OF, T, through, TODAY)
    assert f is not None and f.top_up is not None and f.top_up > 0
    kept = [oracle_average(spans, AS_OF, d, f.top_up, TODAY) for d in days_between(TODAY, through)]
    assert min(kept) >= T
    short = f.top_up - Decimal("0.01")
    assert min(oracle_average(spans, AS_OF, d, short, TODAY) for d in days_between(TODAY, through)) < T


def test_days_before_the_money_can_arrive_fall_and_the_sum_is_for_the_days_after() -> None:
    # Data two days old: the average falls on 26 November, before today; the sum covers today onward only.
    first, _ = average_window(AS_OF + ONE)
    spans = [
        HeldSpan(first - ONE, first - ONE, Decimal("5000000.00")),  # one large day, out of the window on 26 Nov
        HeldSpan(first, AS_OF, Decimal("0.00")),
    ]
    f = forecast_tier(spans, AS_OF, T, TODAY + dt.timedelta(days=14), TODAY)
    assert f is not None and f.falls_on == AS_OF + ONE and f.falls_on < f.arrives == TODAY


def test_no_money_can_arrive_after_the_horizon() -> None:
    spans = [HeldSpan(dt.date(2026, 8, 1), dt.date(2026, 8, 30), Decimal("200000.00"))]
    f = forecast_tier(spans, AS_OF, T, AS_OF + dt.timedelta(days=3), AS_OF + dt.timedelta(days=5))
    assert f is not None and f.top_up is None


def test_a_large_outflow_is_both_the_share_and_the_floor() -> None:
    share, floor = Decimal("0.3"), Decimal("50000.00")
    assert large_outflow(Decimal("200000.00"), Decimal("140000.00"), share, floor) == Decimal("60000.00")
    assert large_outflow(Decimal("200000.00"), Decimal("150000.00"), share, floor) is None  # 25% only
    assert large_outflow(Decimal("100000.00"), Decimal("60000.00"), share, floor) is None  # 40% but ¥40,000
    assert large_outflow(Decimal("100000.00"), Decimal("50000.00"), share, floor) == Decimal("50000.00")  # both met
    assert large_outflow(Decimal("100000.00"), Decimal("150000.00"), share, floor) is None  # money came in


# --- hypotheses ----------------------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=2_000_000_00).map(lambda fen: Decimal(fen) / 100)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[HeldSpan], dt.date, Decimal, dt.date, dt.date]:
    as_of = draw(st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31)))
    first = as_of - dt.timedelta(days=120)
    cuts = sorted(set(draw(st.lists(st.integers(min_value=1, max_value=119), max_size=8))))
    bounds = [0, *cuts, 121]
    spans = [
        HeldSpan(first + dt.timedelta(days=a), first + dt.timedelta(days=b - 1), draw(amounts))
        for a, b in itertools.pairwise(bounds)
        if draw(st.booleans()) or b == 121  # some days not held at all (count as zero)
    ]
    threshold = Decimal(draw(st.integers(min_value=1, max_value=1_000_000_00))) / 100
    horizon = draw(st.integers(min_value=1, max_value=30))
    lag = draw(st.integers(min_value=1, max_value=5))  # today is the data date plus this
    today = as_of + dt.timedelta(days=lag)
    return spans, as_of, threshold, today + dt.timedelta(days=horizon), today


@settings(max_examples=150, deadline=None)
@given(histories())
def test_the_forecast_day_is_the_first_day_the_average_is_under_the_threshold(
    case: tuple[list[HeldSpan], dt.date, Decimal, dt.date, dt.date],
) -> None:
    spans, as_of, threshold, through, today = case
    f = forecast_tier(spans, as_of, threshold, through, today)
    under = [
        d for d in days_between(as_of + ONE, through) if oracle_average(spans, as_of, d, Decimal(0), today) < threshold
    ]
    if not under:
        assert f is None
        return
    assert f is not None and f.falls_on == under[0]
    assert f.average_then == oracle_average(spans, as_of, f.falls_on, Decimal(0), today)


@settings(max_examples=150, deadline=None)
@given(histories())
def test_the_sum_that_comes_in_today_keeps_the_threshold_and_a_fen_less_does_not(
    case: tuple[list[HeldSpan], dt.date, Decimal, dt.date, dt.date],
) -> None:
    spans, as_of, threshold, through, today = case
    f = forecast_tier(spans, as_of, threshold, through, today)
    if f is None or f.top_up is None:
        return
    window = days_between(today, through)
    assert all(oracle_average(spans, as_of, d, f.top_up, today) >= threshold for d in window)
    if f.top_up > 0:
        short = f.top_up - Decimal("0.01")
        assert any(oracle_average(spans, as_of, d, short, today) < threshold for d in window)


@settings(max_examples=150, deadline=None)
@given(histories())
def test_the_queue_prefilter_never_drops_a_client_the_forecast_would_flag(
    case: tuple[list[HeldSpan], dt.date, Decimal, dt.date, dt.date],
) -> None:
    """``storage.risk_sources`` keeps only clients whose held days from the last window's start fall short of the
    threshold over the longest window: every client the rule flags passes that test."""
    spans, as_of, threshold, through, today = case
    f = forecast_tier(spans, as_of, threshold, through, today)
    horizon_first, _ = average_window(through)
    kept = held_fen(spans, horizon_first, as_of)
    if f is not None:
        assert kept < to_fen(threshold) * most_window_days(as_of + ONE, through)
