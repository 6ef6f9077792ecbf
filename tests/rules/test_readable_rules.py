"""What a CSM reads, as rules without a database: cells cut to terminal cells with ``…`` (never inside a figure),
columns fitted to the width, the script that fits the call, example amounts on the client's own scale, and the
balance chart's axis from zero."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.text import Text

from csm_tui.domain.enums import Disposition, ProductCategory, QueueReason, RiskLevel, RiskRating, TaskKind, Tier
from csm_tui.domain.models import DailyBalance, Product
from csm_tui.domain.values import Sex
from csm_tui.policy import Policy
from csm_tui.rules.fab import suggest
from csm_tui.rules.scripts import (
    NO_PITCH,
    CallbackCause,
    Questions,
    agreed_time,
    callback_cause,
    example_amount,
    plan,
    round_down,
)
from csm_tui.services.calls.preparation import CallCard, Purchase, Why
from widgets.balance_chart import draw, steps
from widgets.script_panel import script
from widgets.table import clip, fit_widths

TODAY = dt.date(2026, 11, 27)
NOTICE = Policy().compliance.risk_notice

# --- cells cut by terminal cells ---------------------------------------------------------------------------------

FIGURE = re.compile(r"[0-9¥$%,.:/+\-]")


def test_a_cell_is_cut_by_terminal_cells_with_an_ellipsis() -> None:
    assert clip(Text("客户有存款到期关注新发理财"), 10).plain == "客户有存…"  # 4 Chinese characters are 8 cells
    assert clip(Text("客户有存款"), 10).plain == "客户有存款"  # fits: whole
    assert clip(Text("ab客户"), 4).plain == "ab…"  # a double-width character never straddles the edge


def test_a_cut_never_shows_part_of_a_number() -> None:
    """The queue's finding: ``整存整取3个月 225,000.`` read as another sum."""
    assert clip(Text("整存整取3个月 225,000.00 到期"), 22).plain == "整存整取3个月…"
    assert clip(Text("整存整取3个月 225,000.00 到期"), 26).plain == "整存整取3个月 225,000.00…"


def test_a_figure_keeps_its_alignment_when_cut() -> None:
    assert clip(Text("长长的产品名称", justify="right"), 6).justify == "right"


@given(st.text(alphabet="客户存款理财abc 0123456789,.¥-", max_size=40), st.integers(min_value=1, max_value=30))
def test_a_cut_cell_fits_ends_in_an_ellipsis_and_keeps_no_broken_figure(text: str, width: int) -> None:
    out = clip(Text(text), width).plain
    assert cell_len(out) <= width
    if cell_len(text) <= width:
        assert out == text
        return
    assert out.endswith("…")
    kept = out[:-1]
    assert text.startswith(kept)
    n = len(kept)
    if n and FIGURE.match(kept[-1]):  # ends on a figure: the figure ends there in the original too
        assert not FIGURE.match(text[n])


@given(
    st.lists(st.tuples(st.integers(1, 60), st.integers(1, 12)), min_size=1, max_size=8),
    st.integers(0, 200),
    st.booleans(),
)
def test_columns_fit_the_width_widest_first_never_below_their_floor(
    columns: list[tuple[int, int]], available: int, stretch: bool
) -> None:
    natural = [n for n, _ in columns]
    floors = [min(n, f) for n, f in columns]
    widths = fit_widths(natural, floors, available, 0 if stretch else None)
    assert all(w >= f for w, f in zip(widths, floors, strict=True))
    if sum(floors) <= available:
        assert sum(widths) <= available
        if stretch:
            assert sum(widths) == max(available, sum(natural)) or sum(widths) == available
    else:
        assert widths == floors  # as narrow as they may go
    if sum(natural) <= available and not stretch:
        assert widths == natural  # room enough: nothing is cut


# --- the script that fits the call -------------------------------------------------------------------------------


def test_a_service_callback_asks_about_the_purchase_and_pitches_nothing() -> None:
    shape = plan(QueueReason.SERVICE_CALLBACK)
    assert shape.questions is Questions.SERVICE and not shape.pitch


def test_only_a_client_who_named_a_time_is_called_back_at_the_agreed_time() -> None:
    assert callback_cause(Disposition.BUSY) is CallbackCause.AGREED
    assert callback_cause(Disposition.NO_ANSWER) is CallbackCause.RETRY
    assert callback_cause(None) is CallbackCause.OTHER
    at = dt.datetime(2026, 11, 27, 6, tzinfo=dt.UTC)
    assert agreed_time(CallbackCause.AGREED, at) == at
    assert agreed_time(CallbackCause.RETRY, at) is None and agreed_time(CallbackCause.OTHER, at) is None


@given(st.sampled_from(list(QueueReason)), st.sampled_from([None, *CallbackCause]))
def test_every_call_has_a_purpose_and_only_sales_calls_pitch(reason: QueueReason, cause: CallbackCause | None) -> None:
    shape = plan(reason, cause)
    assert shape.pitch is (reason not in NO_PITCH)
    if reason is QueueReason.CALLBACK:
        assert (shape.purpose == "callback") is (cause is CallbackCause.AGREED)  # "按您约定的时间" only then


R4 = Product(
    id=1, code="JY-R4", name="交银稳进R4", category=ProductCategory.WEALTH, issuer_rating=RiskRating.R4,
    term_days=90, expected_yield=Decimal("4.20"), min_amount=Decimal("10000.00"),
)  # fmt: skip
R1_SMALL = Product(
    id=3, code="XJB", name="现金宝", category=ProductCategory.WEALTH, issuer_rating=RiskRating.R1, term_days=90,
    expected_yield=Decimal("2.00"), min_amount=Decimal("1.00"),
)  # fmt: skip
DEPOSIT = Product(
    id=2, code="DEP90", name="三个月定期", category=ProductCategory.DEPOSIT, term_days=90,
    expected_yield=Decimal("1.10"),
)  # fmt: skip


def card(avg: Decimal, reason_why: Why | None = None, maturing: Decimal | None = None) -> CallCard:
    amount = example_amount(maturing, avg)
    return CallCard(
        client_id=1, name="王小明", masked_id="1101**********0011", mobile="13800138001", age=40, sex=Sex.MALE,
        tier=Tier.JIAOYIN, quick_wealth=True, avg_3m=avg, as_of=TODAY, maturing=(), level=RiskLevel.C5,
        valid_until=TODAY, recent=(), suggestion=suggest([R4, DEPOSIT], RiskLevel.C5, amount, TODAY), calls_today=0,
        assessment_valid=True, why=reason_why,
    )  # fmt: skip


SOLD = Why(
    kind=TaskKind.SERVICE_CALLBACK,
    purchase=Purchase("交银稳进R4", Decimal("50000.00"), dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC)),
)


def test_the_service_callback_script_names_the_purchase_and_offers_no_product() -> None:
    lines = script(card(Decimal("80000.00"), SOLD), "王芳", QueueReason.SERVICE_CALLBACK, NOTICE)
    text = "\n".join(lines)
    assert "交银稳进R4（¥50,000.00）" in text and "满意" in text
    assert "倍" not in text and "预期年化" not in text and "邀请面谈" not in text  # no pitch, no sales close


def test_a_retry_script_claims_no_agreed_time_and_an_agreed_one_does() -> None:
    retry = Why(kind=TaskKind.CALLBACK, cause=CallbackCause.RETRY)
    agreed = Why(kind=TaskKind.CALLBACK, cause=CallbackCause.AGREED)
    assert "约定的时间" not in "".join(script(card(Decimal(80000), retry), "王芳", QueueReason.CALLBACK, NOTICE))
    assert "按您约定的时间" in "".join(script(card(Decimal(80000), agreed), "王芳", QueueReason.CALLBACK, NOTICE))
    assert "约定的时间" not in "".join(script(card(Decimal(80000)), "王芳", QueueReason.CALLBACK, NOTICE))


def test_a_client_with_little_money_is_not_pitched_a_sum_they_do_not_have() -> None:
    """The finding: a client with ¥1,103 was pitched on ¥100,000."""
    poor = card(Decimal("1103.00"))
    assert poor.suggestion is None  # ¥1,000 reaches no product's minimum of ¥10,000: nothing to pitch
    assert "100,000" not in "".join(script(poor, "王芳", QueueReason.IDLE_DEPOSITS, NOTICE))
    small = suggest([R1_SMALL, DEPOSIT], RiskLevel.C5, example_amount(None, Decimal("1103.00")), TODAY)
    assert small is not None and small.amount == Decimal("1000.00")


def test_the_benefit_is_shown_on_the_maturing_sum_as_it_is() -> None:
    assert example_amount(Decimal("225000.00"), Decimal("1103.00")) == Decimal("225000.00")
    assert card(Decimal("60000.00")).suggestion.amount == Decimal("50000.00")  # type: ignore[union-attr]


@given(st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999999999.99"), places=2))
def test_an_example_amount_is_a_round_sum_the_client_has(avg: Decimal) -> None:
    amount = example_amount(None, avg)
    if avg < 1:
        assert amount is None
        return
    assert amount is not None
    assert amount <= avg  # never more than the client has
    assert amount * Decimal("2.5") > avg  # and not far below it: 1, 2, 5 × 10ⁿ
    digits = str(int(amount)).rstrip("0")
    assert digits in {"1", "2", "5"}


@given(
    st.decimals(min_value=Decimal("1.00"), max_value=Decimal("5000000.00"), places=2),
    st.decimals(min_value=Decimal("1.00"), max_value=Decimal("1000000.00"), places=2),
)
def test_a_suggested_product_is_within_reach_of_the_example_amount(avg: Decimal, minimum: Decimal) -> None:
    product = R4.model_copy(update={"min_amount": minimum})
    s = suggest([product, DEPOSIT], RiskLevel.C5, example_amount(None, avg), TODAY)
    if s is not None:
        assert product.min_amount <= s.amount <= avg
    else:
        assert round_down(avg) < minimum


@pytest.mark.parametrize(("amount", "expected"), [(1103, 1000), (3_170_000, 2_000_000), (60000, 50000), (1, 1)])
def test_round_down_uses_one_two_five(amount: int, expected: int) -> None:
    assert round_down(Decimal(amount)) == expected


# --- the balance chart -------------------------------------------------------------------------------------------


def _days(values: list[int]) -> list[DailyBalance]:
    start = dt.date(2026, 11, 1)
    return [
        DailyBalance(client_id=1, day=start + dt.timedelta(days=i), balance=Decimal(v)) for i, v in enumerate(values)
    ]


def test_the_chart_stands_on_zero_with_values_and_its_as_of_date() -> None:
    """The finding: ¥3.17 M was drawn as the bottom row (a sparkline scales its lowest value to nothing)."""
    lines = [line.plain for line in draw(_days([3_170_000, 3_170_000, 3_200_000]), TODAY, 40)]
    text = "\n".join(lines)
    assert "数据截至 2026-11-27" in lines[0] and "2026-11-01" in lines[0]
    assert "最高 320.00（11-03）" in lines[1] and "最低 317.00（11-01）" in lines[1]
    assert lines[2].startswith("320.00┤") and "     0└" in text
    bars = [line.split("┤")[-1].split("│")[-1] for line in lines[2:7]]
    assert all(set(b) == {"█"} for b in bars[1:])  # 3.17 M of 3.20 M fills (almost) the whole height
    assert "11-01" in lines[-1] and "11-03" in lines[-1]


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**9), places=2))
def test_any_positive_balance_shows_and_none_overflows(value: Decimal) -> None:
    top = max(value, Decimal("1000000.00"))
    assert 1 <= steps(value, top, 5) <= 40
    assert steps(Decimal(0), top, 5) == 0


def test_a_client_without_daily_balances_is_told_so() -> None:
    assert "暂无每日余额" in draw([], TODAY, 40)[0].plain
