"""The scorecard's pure rules: each scoring method at its boundaries, the forced distribution with ties and with
1, 7 and 20 CSMs, the annual mean with missing quarters, and the policy's scorecard format."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.enums import AppraisalGrade, Grade, MysteryItem
from csm_tui.policy import (
    DEFAULT_INDICATORS,
    Dimension,
    Indicator,
    Measure,
    Policy,
    PolicyError,
    Scorecard,
    ScoringMethod,
    load_policy,
)
from csm_tui.rules.distribution import annual_score, forced_grades, ranks
from csm_tui.rules.scorecard import Card, earned, score_card, score_line
from csm_tui.services.rows import QuarterRaw
from csm_tui.services.scoreboard.appraisal_entries import mystery_score
from csm_tui.services.scoreboard.quarter_scores import Quarter, asset_days, measures

A, B, C, D = AppraisalGrade.A, AppraisalGrade.B, AppraisalGrade.C, AppraisalGrade.D


def indicator(method: ScoringMethod, weight: int = 10, **kw: object) -> Indicator:
    targets = dict.fromkeys(Grade, Decimal(100))
    return Indicator(dimension=Dimension.FINANCIAL, weight=Decimal(weight), measure=Measure.WEALTH_SALES,
                     method=method, targets=targets, **kw)  # type: ignore[arg-type]  # fmt: skip


# --- scoring methods ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "score", "points"),
    [
        (None, "0.00", "0.00"),  # nothing to measure
        ("-5", "0.00", "0.00"),  # a fall scores nothing, never below
        ("0", "0.00", "0.00"),
        ("99.99", "99.99", "10.00"),  # 9.999 points, rounded to the hundredth
        ("100", "100.00", "10.00"),
        ("119.99", "119.99", "12.00"),
        ("120", "120.00", "12.00"),  # the cap
        ("500", "120.00", "12.00"),
    ],
)
def test_linear_to_target_with_a_cap(actual: str | None, score: str, points: str) -> None:
    line = score_line("x", indicator(ScoringMethod.LINEAR), Grade.CSM, None if actual is None else Decimal(actual))
    assert (str(line.score), str(line.contribution)) == (score, points)


@pytest.mark.parametrize(("actual", "points"), [("99.99", "0.00"), ("100", "10.00"), ("100.01", "10.00")])
def test_threshold(actual: str, points: str) -> None:
    assert str(score_line("x", indicator(ScoringMethod.THRESHOLD), Grade.CSM, Decimal(actual)).contribution) == points


@pytest.mark.parametrize(("breaches", "points"), [("0", "10.00"), ("1", "7.00"), ("3", "1.00"), ("4", "0.00")])
def test_penalty_deducts_per_occurrence_above_target_never_below_zero(breaches: str, points: str) -> None:
    rule = indicator(ScoringMethod.PENALTY, deduction=Decimal(3)).model_copy(
        update={"targets": dict.fromkeys(Grade, Decimal(0))}
    )
    assert str(score_line("x", rule, Grade.CSM, Decimal(breaches)).contribution) == points


def test_a_zero_target_is_met_by_anything() -> None:
    rule = indicator(ScoringMethod.LINEAR).model_copy(update={"targets": dict.fromkeys(Grade, Decimal(0))})
    assert earned(rule, Decimal(0), Decimal(0)) == 1


decimals = st.decimals(min_value=-1000, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(actual=decimals, cap=st.decimals(min_value=1, max_value=3, places=2), method=st.sampled_from(ScoringMethod))
def test_every_method_earns_between_nothing_and_its_cap(actual: Decimal, cap: Decimal, method: ScoringMethod) -> None:
    rule = indicator(method, cap=cap, deduction=Decimal(2))
    share = earned(rule, actual, Decimal(100))
    assert 0 <= share <= (cap if method is ScoringMethod.LINEAR else 1)


@given(low=decimals, high=decimals, method=st.sampled_from([ScoringMethod.LINEAR, ScoringMethod.THRESHOLD]))
def test_more_is_never_worse(low: Decimal, high: Decimal, method: ScoringMethod) -> None:
    low, high = min(low, high), max(low, high)
    rule = indicator(method)
    assert earned(rule, low, Decimal(100)) <= earned(rule, high, Decimal(100))


@given(low=st.integers(0, 50), high=st.integers(0, 50))
def test_more_breaches_are_never_better(low: int, high: int) -> None:
    low, high = min(low, high), max(low, high)
    rule = indicator(ScoringMethod.PENALTY, deduction=Decimal(1))
    assert earned(rule, Decimal(high), Decimal(0)) <= earned(rule, Decimal(low), Decimal(0))


def test_targets_follow_the_grade_of_the_csm() -> None:
    wealth = DEFAULT_INDICATORS["wealth_sales"]
    lines = [score_line("w", wealth, grade, Decimal(10_000_000)).score for grade in Grade]
    assert lines == [Decimal("33.33"), Decimal("50.00"), Decimal("100.00")]


def test_a_card_orders_lines_by_dimension_and_sums_subtotals() -> None:
    actuals = dict.fromkeys(Measure, Decimal(0))
    card = score_card(1, Grade.CSM, actuals, Scorecard())
    assert [line.dimension for line in card.lines] == sorted(
        (line.dimension for line in card.lines), key=list(Dimension).index
    )
    assert card.total == Decimal(5)  # only the penalty (no breaches) earns
    assert card.subtotal(Dimension.PROCESS) == Decimal(5)
    assert Card.from_json(1, card.to_json()) == card


# --- measures -----------------------------------------------------------------------------------------------------


def test_measures_from_the_quarter_figures() -> None:
    raw = QuarterRaw(calls=210, callbacks_due=0, satisfaction_sum=9, satisfaction_count=2, training_minutes=90,
                     assets_before=Decimal(0), assets_after=Decimal(100))  # fmt: skip
    found = measures(raw, 42, Policy())
    assert found[Measure.CALLS_VS_TARGET] == Decimal("50.00")
    assert found[Measure.CALLBACKS_ON_TIME] is None  # none due: nothing to measure
    assert found[Measure.SATISFACTION] == Decimal("4.50")
    assert found[Measure.TRAINING_HOURS] == Decimal("1.50")
    assert found[Measure.AUM_GROWTH] is None  # growth from nothing is not a percentage
    assert found[Measure.MYSTERY_SHOPPER] is None
    assert measures(raw, 0, Policy())[Measure.CALLS_VS_TARGET] is None


def test_which_averages_measure_a_quarters_growth() -> None:
    import datetime as dt

    q4 = Quarter(2026, 4)
    eve = dt.date(2026, 9, 30)
    assert asset_days(q4, dt.date(2026, 11, 27), dt.date(2026, 11, 25)) == (eve, None)  # current averages
    assert asset_days(q4, dt.date(2026, 12, 31), dt.date(2027, 1, 2)) == (eve, dt.date(2026, 12, 31))  # kept
    assert asset_days(q4, dt.date(2026, 12, 31), dt.date(2026, 12, 31)) == (eve, None)  # not past the end yet
    assert asset_days(q4, dt.date(2026, 10, 1), dt.date(2026, 9, 29)) == (None, None)  # no data in the quarter


def test_quarters_at_the_year_boundary() -> None:
    assert Quarter(2026, 1).previous == Quarter(2025, 4)
    assert Quarter(2025, 4).next == Quarter(2026, 1)
    assert Quarter(2026, 4).last_day.isoformat() == "2026-12-31"
    assert Quarter.of(__import__("datetime").date(2026, 4, 1)) == Quarter(2026, 2)


# --- ranking and forced distribution -----------------------------------------------------------------------------


def keys(*totals: int | tuple[int, ...]) -> dict[int, tuple[Decimal, ...]]:
    return {n: tuple(Decimal(v) for v in (t if isinstance(t, tuple) else (t,))) for n, t in enumerate(totals, start=1)}


def test_competition_ranks_share_a_rank_on_ties() -> None:
    assert ranks(keys(90, 80, 80, 70)) == {1: 1, 2: 2, 3: 2, 4: 4}


def test_subtotals_break_ties_of_the_total() -> None:
    assert ranks(keys((80, 20), (80, 30), (80, 30))) == {1: 3, 2: 1, 3: 1}


def grades(totals: list[int], a: str = "0.15", c: str = "0.05", d: tuple[int, ...] = ()) -> list[AppraisalGrade]:
    found = forced_grades(keys(*totals), Decimal(a), Decimal(c), d)
    return [found[n] for n in range(1, len(totals) + 1)]


def test_one_csm_is_b() -> None:
    assert grades([99]) == [B]


def test_seven_csms_one_a_no_c() -> None:
    assert grades([70, 60, 50, 40, 30, 20, 10]) == [A, B, B, B, B, B, B]


def test_twenty_csms_three_a_one_c() -> None:
    found = grades(list(range(100, 80, -1)))
    assert found == [A] * 3 + [B] * 16 + [C]


def test_a_tie_across_the_a_cut_takes_b_for_all() -> None:
    # 20 CSMs: 3 A; the 3rd and 4th are tied, so only the first two are A.
    totals = [100, 99, 98, 98, *range(90, 74, -1)]
    assert grades(totals)[:5] == [A, A, B, B, B]


def test_a_tie_across_the_c_cut_takes_b_for_all() -> None:
    totals = [*range(100, 82, -1), 50, 50]
    assert grades(totals)[-3:] == [B, B, B]


def test_d_is_outside_the_distribution() -> None:
    totals = list(range(100, 80, -1))
    found = grades(totals, d=(1,))  # the best CSM graded D by a supervisor: 19 left, 2 A, no C
    assert found[0] is D
    assert found[1:] == [A, A] + [B] * 17


@given(st.lists(st.integers(0, 20), min_size=1, max_size=40), st.sampled_from(["0.15", "0.3", "0.5"]))
def test_shares_are_never_exceeded_and_equal_scores_share_a_grade(totals: list[int], share: str) -> None:
    found = grades(totals, a=share, c="0.05")
    n = len(totals)
    assert sum(g is A for g in found) <= int(n * Decimal(share))
    assert sum(g is C for g in found) <= int(n * Decimal("0.05"))
    by_total: dict[int, set[AppraisalGrade]] = {}
    for total, grade in zip(totals, found, strict=True):
        by_total.setdefault(total, set()).add(grade)
    assert all(len(g) == 1 for g in by_total.values())
    better = sorted(zip(totals, found, strict=True), reverse=True)
    order = [A, B, C]
    assert [order.index(g) for _, g in better] == sorted(order.index(g) for _, g in better)


# --- the annual score -------------------------------------------------------------------------------------------


def test_annual_mean_of_the_quarters_scored() -> None:
    assert annual_score([Decimal(80), None, Decimal(90), None]) == Decimal("85.00")
    assert annual_score([Decimal("80.01"), Decimal("80.02"), Decimal("80.02")]) == Decimal("80.02")
    assert annual_score([None, None]) is None
    assert annual_score([]) is None


# --- the mystery-shopper check ----------------------------------------------------------------------------------


def test_mystery_score_is_the_share_of_the_checklists_points() -> None:
    scorecard = Scorecard()
    assert mystery_score(set(MysteryItem), scorecard) == 100
    assert mystery_score(set(), scorecard) == 0
    assert mystery_score({MysteryItem.GREETING, MysteryItem.NEEDS}, scorecard) == 25


# --- the policy format ------------------------------------------------------------------------------------------


def test_a_branch_adjusts_a_target_of_one_grade(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[scorecard.indicators.wealth_sales.targets]\nassistant = 8000000\n", encoding="utf-8")
    indicator = load_policy(path).scorecard.indicators["wealth_sales"]
    assert indicator.targets[Grade.ASSISTANT] == Decimal(8_000_000)
    assert indicator.targets[Grade.SENIOR] == Decimal(30_000_000)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[scorecard.indicators.x]\ndimension = "financial"\nweight = 5\nmeasure = "nonsense"\n', "measure"),
        ('[scorecard.indicators.calls]\nmethod = "penalty"\n', "calls"),  # a penalty without a deduction
        ("[scorecard.indicators.calls.targets]\nsenior = -1\n", "calls"),
        ("[scorecard.mystery_points]\ngreeting = 0\n", "mystery_points"),
    ],
)
def test_a_bad_scorecard_is_refused_with_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert key in caught.value.key
