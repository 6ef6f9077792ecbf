"""Money that cannot be negative is refused wherever it is read; tiers are decided on the exact 3-month average (a
true 49,999.995 is not 交银理财); the 快捷理财 service flag on the call card and the client detail. Storage cases run
on both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_core import PydanticCustomError
from stdnum.cn import ric

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Tier
from csm_tui.domain.models import NewClient, NewHolding
from csm_tui.domain.values import parse_money
from csm_tui.i18n import t
from csm_tui.policy import PolicyError, Tiers, load_policy
from csm_tui.rules.tiers import average_window, daily_average, quick_wealth, tier_of
from csm_tui.services.calls import preparation
from csm_tui.services.clients import client_detail
from csm_tui.services.clients.client_detail import ClientDetail
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.workstation import Workstation
from storage.orm import KeptAverageRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, office

AS_OF = dt.date(2026, 11, 25)  # the data date; today is 2026-11-27 (the frozen clock)


def _id(seventeen: str) -> str:
    return seventeen + ric.calc_check_digit(seventeen + "0")  # the function drops the last character


# --- negative money ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-5.00", "-0.01", Decimal("-5"), -5, " ¥-1,000.00 "])
def test_a_negative_amount_is_refused_by_default(value: object) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        parse_money(value)
    assert caught.value.type == "value.money_negative"
    assert t("value.money_negative") != "value.money_negative"


def test_a_caller_that_needs_a_sign_says_so() -> None:
    assert parse_money("-5.00", signed=True) == Decimal("-5.00")
    assert parse_money("-0.00") == 0  # no amount below zero


def test_models_refuse_negative_money() -> None:
    with pytest.raises(ValidationError, match="money_negative"):
        NewHolding(client_id=1, product_id=1, amount="-5.00", start_date=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="money_negative"):
        NewClient(number="C1", name="张三", resident_id=_id("11010519491231002"), balance="-0.01")


def test_a_policy_amount_cannot_be_negative(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[calls]\nidle_deposit_min = "-5.00"\n', encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.key == "calls.idle_deposit_min"
    assert caught.value.reason == t("value.money_negative")


# --- exact tiers --------------------------------------------------------------------------------------------------


def test_the_average_is_never_rounded_up_onto_a_threshold() -> None:
    tiers = Tiers()
    # 50,000.00 and 49,999.99 on alternate days: a true 49,999.995.
    assert daily_average(5_000_000 + 4_999_999, 2) == Decimal("49999.99")
    assert tier_of(daily_average(5_000_000 + 4_999_999, 2), tiers) is Tier.ORDINARY
    assert tier_of(daily_average(2 * 5_000_000, 2), tiers) is Tier.JIAOYIN
    assert tier_of(daily_average(92 * 50_000_000 - 1, 92), tiers) is Tier.JIAOYIN  # 499,999.99…: not 沃德
    assert tier_of(daily_average(92 * 50_000_000 - 1, 92), tiers) is not Tier.WODE


@pytest.fixture
def branch(uow_factory: SqlUnitOfWorkFactory, clock: FrozenClock) -> dict[str, Workstation]:
    """The office branch, its csm01 with three clients: C1 (the tier's edge), C2 (10,000.00), C3 (9,999.99)."""
    desks = office(uow_factory, clock)
    with uow_factory(write=True) as tx:
        build = BranchBuilder(tx, as_of=AS_OF)
        build.outlet_id = desks["csm"].staff.outlet_id
        for n, avg in ((1, "0.00"), (2, "10000.00"), (3, "9999.99")):
            build.client(
                f"C{n}", f"客户{n}", _id(f"1101051949123100{n}"), desks["csm"].staff, mobile="13800138000",
                avg_3m=Decimal(avg),
            )  # fmt: skip
        tx.commit()
    return desks


def _client_id(ws: Workstation, number: str) -> int:
    with ws.uow() as tx:
        found = tx.clients.by_number(number)
    assert found is not None and found.id is not None
    return found.id


def test_an_imported_true_49999_995_average_is_not_jiaoyin(branch: dict[str, Workstation], tmp_path: Path) -> None:
    first, last = average_window(AS_OF)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    assert len(days) == 92
    half = len(days) // 2
    rows = [f"C1,{day.isoformat()},{'50000.00' if k < half else '49999.99'}" for k, day in enumerate(days)]
    path = tmp_path / "balances.csv"
    path.write_text("客户号,日期,余额\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = import_file(branch["admin"], ImportKind.BALANCES, path)
    assert report.rejected == 0
    csm = branch["csm"]
    client_id = _client_id(csm, "C1")
    card = preparation.prepare(csm, client_id)
    assert (card.avg_3m, card.tier) == (Decimal("49999.99"), Tier.ORDINARY)
    detail = client_detail.load(csm, client_id)
    assert isinstance(detail, ClientDetail) and detail.tier is Tier.ORDINARY
    with csm.uow() as tx:
        assert tx.balances.average(client_id, first, last) == Decimal("49999.99")
    # The averages kept for the scoreboard, worked out in SQL, are not lifted either.
    with branch["admin"].uow(write=True) as tx:
        tx.scores.keep_averages(last, first)
        kept = tx.session.get(KeptAverageRow, (last, client_id))  # type: ignore[attr-defined]
        tx.commit()
    assert kept is not None and kept.avg_3m == Decimal("49999.99")


# --- 快捷理财 --------------------------------------------------------------------------------------------------------


def test_quick_wealth_from_ten_thousand_yuan_exactly() -> None:
    tiers = Tiers()
    assert quick_wealth(Decimal("10000.00"), tiers)
    assert not quick_wealth(Decimal("9999.99"), tiers)
    assert quick_wealth(Decimal("600000.00"), tiers)  # a 沃德 client has it too
    assert not quick_wealth(Decimal("10000.00"), Tiers(quick_wealth=Decimal("20000.00")))


def test_the_call_card_and_the_client_detail_show_quick_wealth(branch: dict[str, Workstation]) -> None:
    csm = branch["csm"]
    for number, expected in (("C2", True), ("C3", False)):
        client_id = _client_id(csm, number)
        assert preparation.prepare(csm, client_id).quick_wealth is expected
        detail = client_detail.load(csm, client_id)
        assert isinstance(detail, ClientDetail) and detail.quick_wealth is expected
