"""Next best offer: each rule of thumb fires on its condition and not on a near miss, within the client's risk level
and what is on sale; the rules are policy data, overridable from TOML and refused with the key when wrong."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.enums import AccountKind, HoldingStatus, ProductCategory, RiskLevel, RiskRating
from csm_tui.domain.models import Account, Client, Holding, NewHolding, NewProduct, Product
from csm_tui.i18n import LANGUAGES, catalog, set_language, t
from csm_tui.policy import (
    DEFAULT_OFFER_RULES,
    CrossSell,
    OfferCondition,
    OfferRule,
    OfferService,
    Policy,
    PolicyError,
    load_policy,
)
from csm_tui.rules.offers import CONDITIONS, Offer, next_best_offers, profile, rating_limit
from tests.support.branch import rid as branch_rid

TODAY = dt.date(2026, 11, 27)
ELDER_ID = "11010519491231002X"  # 76 today: no age rule applies
_C = ProductCategory


def resident_id(born: dt.date) -> str:
    return branch_rid("110105", born, 2)


def product(
    code: str,
    category: ProductCategory = _C.FUND,
    rating: int | None = 1,
    *,
    yield_pct: str | None = None,
    term_days: int | None = None,
    seller_rating: int | None = None,
    sale: tuple[dt.date | None, dt.date | None] = (None, None),
    private: bool = False,
) -> Product:
    return NewProduct(
        code=code,
        name=f"产品{code}",
        category=category,
        issuer_rating=RiskRating(rating) if rating else None,
        seller_rating=RiskRating(seller_rating) if seller_rating else None,
        term_days=term_days,
        expected_yield=Decimal(yield_pct) if yield_pct else None,
        sale_start=sale[0],
        sale_end=sale[1],
        private_placement=private,
    )


def account(kind: AccountKind, opened_days_ago: int = 400) -> Account:
    return Account(
        number=f"6222{len(kind)}{abs(opened_days_ago):06d}", kind=kind, opened_on=TODAY - dt.timedelta(opened_days_ago)
    )


def client(*, born: dt.date | None = None, accounts: tuple[Account, ...] = (), balance: str = "0.00") -> Client:
    return Client(
        id=1,
        number="C0001",
        name="张三",
        resident_id=resident_id(born) if born else ELDER_ID,
        accounts=accounts,
        balance=Decimal(balance),
        avg_3m=Decimal(balance),
    )


def held(
    prod: Product, amount: str, *, matures_in: int | None = None, status: HoldingStatus = HoldingStatus.ACTIVE
) -> tuple[Holding, Product]:
    maturity = TODAY + dt.timedelta(days=matures_in) if matures_in is not None else None
    holding = NewHolding(
        client_id=1,
        product_id=1,
        amount=Decimal(amount),
        start_date=TODAY - dt.timedelta(days=400),
        maturity_date=maturity,
        status=status,
    )
    return holding, prod


MMF = product("MMF", _C.FUND, 1)  # money-market fund
INDEX = product("IDX", _C.FUND, 4, yield_pct="6.00")  # an index fund for regular investment
EDU = product("EDU", _C.INSURANCE, 2, term_days=5475)
WM = product("WM1", _C.WEALTH, 2, yield_pct="2.35", term_days=63)
SHELF = [MMF, INDEX, EDU, WM]
FD1Y = product("FD1Y", _C.DEPOSIT, None, yield_pct="1.45", term_days=365)
FD3Y = product("FD3Y", _C.DEPOSIT, None, yield_pct="1.75", term_days=1095)
DEMAND = product("DEM", _C.DEPOSIT, None, yield_pct="0.10")


def only(*codes: str) -> CrossSell:
    return CrossSell(rules=tuple(r for r in DEFAULT_OFFER_RULES if r.code in codes))


def offers_for(
    who: Client,
    holdings: list[tuple[Holding, Product]] | None = None,
    *,
    level: RiskLevel | None = RiskLevel.C5,
    on_sale: list[Product] | None = None,
    rules: CrossSell | None = None,
    limit: int = 5,
) -> list[Offer]:
    client_profile = profile(who, holdings or [], level, TODAY)
    return next_best_offers(client_profile, SHELF if on_sale is None else on_sale, rules or CrossSell(), limit=limit)


def codes(offers: list[Offer]) -> list[str]:
    return [o.rule for o in offers]


# --- the profile ---------------------------------------------------------------------------------------------


def test_profile_gathers_age_accounts_holdings_and_the_idle_balance() -> None:
    card = account(AccountKind.DEBIT_CARD)
    who = client(born=dt.date(1990, 11, 28), accounts=(card,), balance="300000.00")
    holdings = [held(FD3Y, "100000.00"), held(WM, "50000.00", status=HoldingStatus.MATURED)]
    got = profile(who, holdings, RiskLevel.C3, TODAY)
    assert (got.age, got.accounts, got.level, got.today) == (35, (card,), RiskLevel.C3, TODAY)
    assert [(h.product.code, h.amount) for h in got.holdings] == [
        ("FD3Y", Decimal("100000.00")),
        ("WM1", Decimal("50000.00")),
    ]
    assert [h.product.code for h in got.active_holdings] == ["FD3Y"]
    assert got.idle == Decimal("200000.00")  # matured holdings no longer tie money up


# --- each rule: fires on its condition, not on a near miss ---------------------------------------------------


def test_every_condition_is_evaluated() -> None:
    assert set(CONDITIONS) == set(OfferCondition)


@pytest.mark.parametrize(("days_ago", "fires"), [(0, True), (30, True), (31, False), (-1, False)])
def test_a_new_debit_card_brings_automatic_bill_payment(days_ago: int, fires: bool) -> None:
    who = client(accounts=(account(AccountKind.DEBIT_CARD, days_ago),))
    offers = offers_for(who, rules=only("new_card_auto_pay"))
    if not fires:
        assert offers == []
        return
    (offer,) = offers
    assert (offer.service, offer.product) == (OfferService.AUTO_PAY, None)
    assert offer.reason_key == "offer.reason.new_debit_card"
    assert offer.reason_params == {"date": (TODAY - dt.timedelta(days_ago)).isoformat()}


def test_an_old_debit_card_or_another_new_account_is_no_new_debit_card() -> None:
    who = client(accounts=(account(AccountKind.DEBIT_CARD, 400), account(AccountKind.SAVINGS, 1)))
    assert offers_for(who, rules=only("new_card_auto_pay")) == []


def test_a_payroll_card_brings_online_banking_and_a_credit_card() -> None:
    offers = offers_for(client(accounts=(account(AccountKind.PAYROLL_CARD),)))
    assert [(o.rule, o.service) for o in offers] == [
        ("payroll_online_banking", OfferService.ONLINE_BANKING),
        ("payroll_credit_card", OfferService.CREDIT_CARD),
    ]
    assert {o.reason_key for o in offers} == {"offer.reason.payroll_card"}
    assert offers_for(client(accounts=(account(AccountKind.DEBIT_CARD),))) == []


def test_no_credit_card_is_offered_to_a_client_who_has_one() -> None:
    who = client(accounts=(account(AccountKind.PAYROLL_CARD), account(AccountKind.CREDIT_CARD)))
    assert codes(offers_for(who)) == ["payroll_online_banking"]


@pytest.mark.parametrize(
    ("born", "age", "fires"), [(dt.date(1990, 11, 28), 35, True), (dt.date(1990, 11, 27), 36, False)]
)
def test_young_clients_are_offered_a_fund_for_regular_investment(born: dt.date, age: int, fires: bool) -> None:
    offers = offers_for(client(born=born), rules=only("young_fund_plan"))
    if not fires:
        assert offers == []
        return
    (offer,) = offers
    assert offer.product == INDEX  # the best-yielding fund within C5
    assert (offer.reason_key, offer.reason_params) == ("offer.reason.young", {"age": str(age)})


@pytest.mark.parametrize(
    ("deposits", "fires"),
    [
        ([(FD1Y, "50000.00")] * 3, True),
        ([(FD1Y, "50000.00")] * 2 + [(FD1Y, "50000.01")], False),  # one is not small
        ([(FD1Y, "1000.00")] * 2, False),  # not several
        ([(FD1Y, "1000.00")] * 2 + [(DEMAND, "1000.00")], False),  # a demand deposit is not a fixed deposit
    ],
)
def test_small_regular_savers_are_offered_a_fund_for_regular_investment(
    deposits: list[tuple[Product, str]], fires: bool
) -> None:
    offers = offers_for(client(), [held(p, amount) for p, amount in deposits], rules=only("small_saver_fund_plan"))
    assert codes(offers) == (["small_saver_fund_plan"] if fires else [])
    if fires:
        assert offers[0].reason_params == {"count": "3", "max_amount": "50,000.00"}


def test_only_active_fixed_deposits_make_a_small_saver() -> None:
    holdings = [held(FD1Y, "1000.00")] * 2 + [held(FD1Y, "1000.00", status=HoldingStatus.MATURED)]
    assert offers_for(client(), holdings, rules=only("small_saver_fund_plan")) == []


@pytest.mark.parametrize(("term_days", "fires"), [(1095, True), (1094, False)])
def test_long_fixed_deposits_bring_bancassurance(term_days: int, fires: bool) -> None:
    deposit = product("FDX", _C.DEPOSIT, None, term_days=term_days)
    offers = offers_for(client(), [held(deposit, "200000.00")], rules=only("long_deposit_insurance"))
    if not fires:
        assert offers == []
        return
    (offer,) = offers
    assert offer.product == EDU
    assert offer.reason_params == {"product": "产品FDX", "amount": "200,000.00"}


def test_the_largest_long_deposit_is_the_reason() -> None:
    holdings = [held(FD3Y, "10000.00"), held(product("FD5Y", _C.DEPOSIT, None, term_days=1825), "80000.00")]
    (offer,) = offers_for(client(), holdings, rules=only("long_deposit_insurance"))
    assert offer.reason_params == {"product": "产品FD5Y", "amount": "80,000.00"}


@pytest.mark.parametrize(("balance", "fires"), [("150000.00", True), ("149999.99", False)])
def test_idle_balances_bring_a_money_market_fund_and_the_sweep_account(balance: str, fires: bool) -> None:
    holdings = [held(FD1Y, "50000.00"), held(WM, "900000.00", status=HoldingStatus.REDEEMED)]
    offers = offers_for(client(balance=balance), holdings, rules=only("idle_money_market", "idle_sweep_account"))
    if not fires:
        assert offers == []
        return
    assert [(o.product, o.service) for o in offers] == [(MMF, None), (None, OfferService.SWEEP_ACCOUNT)]
    assert {o.reason_key for o in offers} == {"offer.reason.idle_balance"}
    assert offers[0].reason_params == {"amount": "100,000.00"}


@pytest.mark.parametrize(("matures_in", "fires"), [(0, True), (7, True), (8, False), (-1, False)])
def test_holdings_maturing_soon_bring_a_reinvestment(matures_in: int, fires: bool) -> None:
    offers = offers_for(client(), [held(FD3Y, "200000.00", matures_in=matures_in)], rules=only("maturing_reinvest"))
    if not fires:
        assert offers == []
        return
    (offer,) = offers
    assert offer.product == WM
    assert offer.reason_params == {
        "product": "产品FD3Y",
        "amount": "200,000.00",
        "date": (TODAY + dt.timedelta(matures_in)).isoformat(),
    }


def test_the_soonest_active_maturity_is_the_reason() -> None:
    holdings = [
        held(FD1Y, "10000.00", matures_in=5),
        held(FD3Y, "50000.00", matures_in=2, status=HoldingStatus.REDEEMED),
        held(FD3Y, "20000.00", matures_in=3),
    ]
    (offer,) = offers_for(client(), holdings, rules=only("maturing_reinvest"))
    assert offer.reason_params["date"] == (TODAY + dt.timedelta(3)).isoformat()


# --- what may be offered -------------------------------------------------------------------------------------

YOUNG = client(born=dt.date(1995, 1, 1))


@pytest.mark.parametrize("level", [*RiskLevel, None])
@pytest.mark.parametrize("rating", list(RiskRating))
def test_a_product_is_offered_only_within_the_clients_level(level: RiskLevel | None, rating: RiskRating) -> None:
    fund = product("F", _C.FUND, rating.value)
    offers = offers_for(YOUNG, level=level, on_sale=[fund], rules=only("young_fund_plan"))
    allowed = level.value if level else 1  # without a valid assessment: R1 only
    assert codes(offers) == (["young_fund_plan"] if rating.value <= allowed else [])


def test_the_higher_of_issuer_and_seller_rating_counts() -> None:
    fund = product("F", _C.FUND, 1, seller_rating=3)
    assert offers_for(YOUNG, level=RiskLevel.C2, on_sale=[fund], rules=only("young_fund_plan")) == []
    assert offers_for(YOUNG, level=RiskLevel.C3, on_sale=[fund], rules=only("young_fund_plan")) != []


def test_unrated_products_are_never_offered() -> None:
    assert offers_for(YOUNG, on_sale=[product("F", _C.FUND, None)], rules=only("young_fund_plan")) == []


def test_services_need_no_risk_assessment() -> None:
    offers = offers_for(client(accounts=(account(AccountKind.PAYROLL_CARD),)), level=None)
    assert len(offers) == 2


@st.composite
def funds(draw: st.DrawFn) -> list[Product]:
    count = draw(st.integers(0, 6))
    ratings = st.none() | st.integers(1, 5)
    return [
        product(
            f"F{i}",
            _C.FUND,
            draw(ratings),
            seller_rating=draw(ratings),
            yield_pct=draw(st.none() | st.sampled_from(["1.50", "2.00", "3.96"])),
        )
        for i in range(count)
    ]


@given(st.none() | st.sampled_from(RiskLevel), funds())
def test_the_offer_is_the_best_fund_the_level_allows(level: RiskLevel | None, shelf: list[Product]) -> None:
    offers = offers_for(YOUNG, level=level, on_sale=shelf, rules=only("young_fund_plan"))
    allowed = [p for p in shelf if p.rating is not None and p.rating.value <= rating_limit(level)]
    if not allowed:
        assert offers == []
        return
    (offer,) = offers
    assert offer.product is not None and offer.product in allowed
    ranks = sorted((-(p.expected_yield or Decimal(0)), p.rating) for p in allowed if p.rating)
    assert (-(offer.product.expected_yield or Decimal(0)), offer.product.rating) == ranks[0]


def test_the_best_product_is_the_highest_yield_then_the_lowest_rating() -> None:
    shelf = [
        product("A", _C.WEALTH, 3, yield_pct="3.00"),
        product("B", _C.WEALTH, 2, yield_pct="3.00"),
        product("C", _C.WEALTH, 1, yield_pct="2.00"),
    ]
    holdings = [held(FD1Y, "1000.00", matures_in=1)]
    (offer,) = offers_for(client(), holdings, on_sale=shelf, rules=only("maturing_reinvest"))
    assert offer.product is not None and offer.product.code == "B"


def test_a_rating_cap_keeps_the_money_market_offer_low_risk() -> None:
    offers = offers_for(client(balance="500000.00"), level=RiskLevel.C5, rules=only("idle_money_market"))
    assert [o.product for o in offers] == [MMF]
    assert offers_for(client(balance="500000.00"), on_sale=[INDEX], rules=only("idle_money_market")) == []


@pytest.mark.parametrize(
    "unavailable",
    [
        product("X", _C.FUND, 1, sale=(TODAY + dt.timedelta(1), None)),  # not yet on sale
        product("X", _C.FUND, 1, sale=(None, TODAY - dt.timedelta(1))),  # sale ended
        product("X", _C.FUND, 1, private=True),  # private placement
    ],
)
def test_products_off_sale_or_privately_placed_are_not_offered(unavailable: Product) -> None:
    assert offers_for(YOUNG, on_sale=[unavailable], rules=only("young_fund_plan")) == []


def test_a_product_on_its_last_day_of_sale_is_offered() -> None:
    last_day = product("X", _C.FUND, 1, sale=(TODAY - dt.timedelta(10), TODAY))
    assert codes(offers_for(YOUNG, on_sale=[last_day], rules=only("young_fund_plan"))) == ["young_fund_plan"]


def test_a_product_the_client_holds_is_not_offered_again() -> None:
    offers = offers_for(YOUNG, [held(INDEX, "5000.00")], rules=only("young_fund_plan"))
    assert [o.product for o in offers] == [MMF]  # the next best
    only_index = offers_for(YOUNG, [held(INDEX, "5000.00")], on_sale=[INDEX], rules=only("young_fund_plan"))
    assert only_index == []
    redeemed = offers_for(YOUNG, [held(INDEX, "5000.00", status=HoldingStatus.REDEEMED)], rules=only("young_fund_plan"))
    assert [o.product for o in redeemed] == [INDEX]


# --- ordering, de-duplication, limit -------------------------------------------------------------------------


def _everything() -> tuple[Client, list[tuple[Holding, Product]]]:
    """A young payroll client with a new debit card, small and long deposits, idle money and a maturity."""
    accounts = (account(AccountKind.PAYROLL_CARD), account(AccountKind.DEBIT_CARD, 3))
    holdings = [held(FD1Y, "10000.00")] * 3 + [held(FD3Y, "200000.00", matures_in=4)]
    return client(born=dt.date(1995, 1, 1), accounts=accounts, balance="500000.00"), holdings


def test_offers_come_by_priority_then_rule_order_each_once() -> None:
    who, holdings = _everything()
    offers = offers_for(who, holdings, limit=20)
    assert codes(offers) == [
        "maturing_reinvest",  # priority 1
        "idle_money_market",  # 2
        "idle_sweep_account",  # 2
        "young_fund_plan",  # 3: the index fund; the small saver's pick is the same fund, so it is left out
        "long_deposit_insurance",  # 3
        "new_card_auto_pay",  # 4
        "payroll_online_banking",  # 4
        "payroll_credit_card",  # 4
    ]
    targets = [o.product.code if o.product else o.service for o in offers]
    assert len(targets) == len(set(targets))


def test_the_limit_keeps_the_first_offers() -> None:
    who, holdings = _everything()
    everything = offers_for(who, holdings, limit=20)
    assert offers_for(who, holdings) == everything[:5]
    assert offers_for(who, holdings, limit=2) == everything[:2]
    assert offers_for(who, holdings, limit=0) == []


def test_a_service_offered_by_two_rules_appears_once() -> None:
    rules = CrossSell(
        rules=(
            OfferRule(code="b", when=OfferCondition.PAYROLL_CARD, service=OfferService.SWEEP_ACCOUNT, priority=2),
            OfferRule(code="a", when=OfferCondition.YOUNG, max_age=40, service=OfferService.SWEEP_ACCOUNT, priority=1),
        )
    )
    who = client(born=dt.date(1995, 1, 1), accounts=(account(AccountKind.PAYROLL_CARD),))
    assert codes(offers_for(who, rules=rules)) == ["a"]


def test_nobody_meets_no_rule() -> None:
    assert offers_for(client()) == []


# --- reasons in the user's language --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_reason_and_service_reads_in_both_languages(lang: str) -> None:
    set_language(lang)
    who, holdings = _everything()
    offers = [o for r in DEFAULT_OFFER_RULES for o in offers_for(who, holdings, rules=only(r.code))]
    assert {o.reason_key for o in offers} == {f"offer.reason.{c}" for c in OfferCondition}
    for offer in offers:
        what = offer.product.name if offer.product else t(f"offer.service.{offer.service}")
        line = t("offer.line", reason=t(offer.reason_key, **offer.reason_params), offer=what)
        assert not re.search(r"[{}]|offer\.", line), line
    assert {f"offer.service.{s}" for s in OfferService} <= set(catalog(lang))


def test_a_reason_reads_as_the_manual_would_say_it() -> None:
    (offer,) = offers_for(client(), [held(FD3Y, "200000.00", matures_in=4)], rules=only("maturing_reinvest"))
    line = t("offer.line", reason=t(offer.reason_key, **offer.reason_params), offer=WM.name)
    assert line == "产品FD3Y 200,000.00 元将于 2026-12-01 到期，可推荐产品WM1"
    set_language("en")
    assert t("offer.reason.payroll_card") == "Payroll card client"


# --- the rules are policy ------------------------------------------------------------------------------------


def test_the_default_rules_are_the_manuals() -> None:
    rules = Policy().cross_sell.rules
    assert rules == DEFAULT_OFFER_RULES
    assert {r.when for r in rules} == set(OfferCondition)
    assert {r.service for r in rules if r.service} == set(OfferService)
    assert {r.offer_category for r in rules if r.offer_category} == {_C.FUND, _C.INSURANCE, _C.WEALTH}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_rules_are_overridden_from_the_policy_file(tmp_path: Path) -> None:
    policy = load_policy(
        write(
            tmp_path,
            """
            [calls]
            daily_target = 12

            [[cross_sell.rules]]
            code = "rich_money_market"
            when = "idle_balance"
            min_amount = 20000
            offer_category = "fund"
            max_rating = "R1"
            priority = 2

            [[cross_sell.rules]]
            code = "middle_aged_fund_plan"
            when = "young"
            max_age = 50
            offer_category = "fund"
            priority = 1
            """,
        )
    )
    assert policy.calls.daily_target == 12
    assert policy.tiers == Policy().tiers
    assert [r.code for r in policy.cross_sell.rules] == ["rich_money_market", "middle_aged_fund_plan"]
    assert policy.cross_sell.rules[0].min_amount == Decimal("20000.00")
    assert policy.cross_sell.rules[0].max_rating == 1
    who = client(born=dt.date(1980, 1, 1), balance="20000.00")  # 46
    offers = offers_for(who, rules=policy.cross_sell)
    assert [(o.rule, o.product) for o in offers] == [("middle_aged_fund_plan", INDEX), ("rich_money_market", MMF)]


def test_an_empty_rule_list_turns_offers_off(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "[cross_sell]\nrules = []\n"))
    who, holdings = _everything()
    assert offers_for(who, holdings, rules=policy.cross_sell) == []


_RULE = 'code = "r"\npriority = 1\n'


@pytest.mark.parametrize(
    ("rule", "key", "reason"),
    [
        ('when = "rich"\nservice = "credit_card"\n', "cross_sell.rules.0.when", "must be one of"),
        ('when = "young"\noffer_category = "fund"\n', "cross_sell.rules.0", "young needs max_age"),
        ('when = "small_saver"\nmin_count = 2\nservice = "auto_pay"\n', "cross_sell.rules.0", "needs max_amount"),
        ('when = "young"\nmax_age = 30\nmin_amount = 1\nservice = "auto_pay"\n', "cross_sell.rules.0", "does not use"),
        ('when = "payroll_card"\n', "cross_sell.rules.0", "either an offer_category or a service"),
        ('when = "payroll_card"\nservice = "auto_pay"\noffer_category = "fund"\n', "cross_sell.rules.0", "either"),
        ('when = "payroll_card"\nservice = "lottery"\n', "cross_sell.rules.0.service", "must be one of"),
        ('when = "payroll_card"\noffer_category = "car"\n', "cross_sell.rules.0.offer_category", "must be one of"),
        ('when = "payroll_card"\nservice = "auto_pay"\nmax_rating = 1\n', "cross_sell.rules.0", "max_rating"),
        ('when = "payroll_card"\noffer_category = "fund"\nmax_rating = "R6"\n', "cross_sell.rules.0.max_rating", ""),
        ('when = "young"\nmax_age = -1\nservice = "auto_pay"\n', "cross_sell.rules.0.max_age", "at least 0"),
        ('when = "young"\nmax_agee = 30\nservice = "auto_pay"\n', "cross_sell.rules.0.max_agee", "unknown key"),
        ('when = "idle_balance"\nmin_amount = "1.001"\nservice = "auto_pay"\n', "cross_sell.rules.0.min_amount", ""),
    ],
)
def test_a_bad_rule_is_refused_with_its_key(tmp_path: Path, rule: str, key: str, reason: str) -> None:
    set_language("en")
    path = write(tmp_path, f"[[cross_sell.rules]]\n{_RULE}{rule}")
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert (err.value.path, err.value.key) == (path, key)
    assert reason in err.value.reason


def test_the_key_names_the_bad_rule_among_good_ones(tmp_path: Path) -> None:
    set_language("en")
    good = '[[cross_sell.rules]]\ncode = "a"\nwhen = "payroll_card"\nservice = "auto_pay"\n'
    bad = '[[cross_sell.rules]]\ncode = "b"\nwhen = "maturing"\noffer_category = "wealth"\n'
    with pytest.raises(PolicyError) as err:
        load_policy(write(tmp_path, good + bad))
    assert err.value.key == "cross_sell.rules.1"
    assert "maturing needs within_days" in err.value.reason


def test_rule_codes_must_be_unique(tmp_path: Path) -> None:
    set_language("en")
    rule = '[[cross_sell.rules]]\ncode = "a"\nwhen = "payroll_card"\nservice = "auto_pay"\n'
    with pytest.raises(PolicyError) as err:
        load_policy(write(tmp_path, rule + rule))
    assert err.value.key == "cross_sell.rules"
    assert "unique: a" in err.value.reason
