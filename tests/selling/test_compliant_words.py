"""Compliant words: a product is offered, suggested and scripted only under an assessment valid today by the policy
(one rule, ``offer_level``, the same test the 4S check makes), and every line naming a product carries its risk
rating and the policy's risk notice (理财非存款、产品有风险、投资须谨慎), in both languages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import ProductCategory, QueueReason, RiskLevel, RiskRating
from csm_tui.domain.models import NewHolding, NewProduct, NewRiskAssessment, Product, RiskAssessment
from csm_tui.policy import Policy, PolicyError, load_policy
from csm_tui.regulation import RISK_NOTICE
from csm_tui.rules.suitability import add_months, assessment_status, offer_level, valid_through
from csm_tui.services.calls.preparation import prepare
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.clients import client_detail
from csm_tui.services.clients.client_detail import ClientDetail
from csm_tui.services.selling.assessments_due import assessments_due
from csm_tui.services.workstation import Workstation
from tests.support.branch import TODAY
from tests.support.clients_branch import NOW, Branch, build_branch
from widgets.product_words import offered, risk_words
from widgets.script_panel import script


@pytest.fixture
def branch(engine: Engine, clock: FrozenClock) -> Branch:
    """The clients' small branch (``support/clients_branch``), not the selling folder's."""
    return build_branch(engine, clock)


SIX_MONTHS = Policy.model_validate({"assessment": {"validity_months": 6, "reuse_months": 6}})
EIGHT_MONTHS_AGO = dt.datetime(2026, 3, 20, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai, 2026-03-20


def assessment(taken_at: dt.datetime, valid_until: dt.date, level: RiskLevel = RiskLevel.C5) -> RiskAssessment:
    return RiskAssessment(
        id=1, client_id=1, staff_id=1, taken_at=taken_at, answers={}, score=100, level=level, valid_until=valid_until
    )


# --- one notion of "valid" ----------------------------------------------------------------------------------------


@given(
    taken=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 11, 27)),
    stored_months=st.integers(min_value=1, max_value=12),
    validity=st.integers(min_value=1, max_value=12),
    level=st.sampled_from(list(RiskLevel)),
)
def test_products_are_offered_under_an_assessment_only_while_the_policy_says_it_is_valid(
    taken: dt.date, stored_months: int, validity: int, level: RiskLevel
) -> None:
    policy = Policy.model_validate({"assessment": {"validity_months": validity, "reuse_months": 0}})
    taken_at = dt.datetime.combine(taken, dt.time(2), dt.UTC)
    a = assessment(taken_at, add_months(taken, stored_months), level)
    offered_level = offer_level(a, TODAY, policy)
    assert (offered_level is not None) == assessment_status([a], NOW, policy).valid  # the 4S check's own test
    assert (offered_level is not None) == (min(add_months(taken, stored_months), add_months(taken, validity)) >= TODAY)
    assert offered_level in (None, level)
    assert valid_through(a, policy) <= add_months(taken, validity)


def test_no_assessment_offers_nothing_above_r1() -> None:
    assert offer_level(None, TODAY, Policy()) is None


def _with_products(branch: Branch) -> int:
    """王小明 (A's, 交银理财) assessed C5 eight months ago, the record saying valid for 12; an R4 wealth product and a
    90-day deposit on sale."""
    with branch.system(write=True) as tx:
        tx.products.add(
            NewProduct(
                code="JY-R4", name="交银稳进R4", category=ProductCategory.WEALTH, issuer_rating=RiskRating.R4,
                term_days=90, expected_yield=Decimal("4.2"), min_amount=Decimal("10000.00"),
            )
        )  # fmt: skip
        tx.products.add(
            NewProduct(
                code="DEP90", name="三个月定期", category=ProductCategory.DEPOSIT, term_days=90,
                expected_yield=Decimal("1.1"),
            )
        )  # fmt: skip
        assert branch.csm_a.id is not None
        tx.assessments.add(
            NewRiskAssessment(
                client_id=branch.wxm, staff_id=branch.csm_a.id, taken_at=EIGHT_MONTHS_AGO, answers={"q1": "e"},
                score=110, level=RiskLevel.C5, valid_until=dt.date(2027, 3, 19),
            )
        )  # fmt: skip
        tx.commit()
    return branch.wxm


def _ws(branch: Branch, policy: Policy) -> Workstation:
    return dataclasses.replace(branch.ws(branch.csm_a), policy=policy)


def test_the_call_card_follows_the_policy_s_validity_not_the_stored_date(branch: Branch) -> None:
    client = _with_products(branch)
    twelve = prepare(_ws(branch, Policy()), client)
    assert twelve.assessment_valid and twelve.valid_until == dt.date(2027, 3, 19)
    assert twelve.suggestion is not None and twelve.suggestion.product.code == "JY-R4"

    six = prepare(_ws(branch, SIX_MONTHS), client)
    assert not six.assessment_valid
    assert six.valid_until == dt.date(2026, 9, 20)  # taken 2026-03-20 + 6 months, not the stored 2027-03-19
    assert six.suggestion is None  # nothing above R1 without a valid assessment (R5 no more on an old one)


def test_client_detail_offers_follow_the_policy_s_validity_not_the_stored_date(branch: Branch) -> None:
    client = _with_products(branch)
    six = client_detail.load(_ws(branch, SIX_MONTHS), client)
    assert isinstance(six, ClientDetail)
    assert not six.assessment_valid and six.valid_until == dt.date(2026, 9, 20)
    assert all(o.product is None or (o.product.rating or RiskRating.R5) <= RiskRating.R1 for o in six.offers)
    twelve = client_detail.load(_ws(branch, Policy()), client)
    assert isinstance(twelve, ClientDetail) and twelve.assessment_valid and twelve.valid_until == dt.date(2027, 3, 19)


def test_the_list_of_assessments_due_and_the_queue_follow_the_policy_s_validity(branch: Branch) -> None:
    client = _with_products(branch)
    due = {d.client_id: d.valid_until for d in assessments_due(_ws(branch, SIX_MONTHS))}
    assert due[client] == dt.date(2026, 9, 20)  # expired by the policy, though the record says 2027-03-19
    assert client not in {d.client_id for d in assessments_due(_ws(branch, Policy()))}
    with branch.system(write=True) as tx:  # a holding of 王小明's matures within the lead: the assessment is due
        tx.holdings.add(
            NewHolding(
                client_id=client, product_id=tx.products.on_sale(TODAY)[0].id or 0, amount=Decimal("60000.00"),
                start_date=dt.date(2026, 9, 1), maturity_date=TODAY + dt.timedelta(days=5),
            )
        )  # fmt: skip
        tx.commit()
    six = [i for i in today_queue(_ws(branch, SIX_MONTHS)) if i.client_id == client]
    twelve = [i for i in today_queue(_ws(branch, Policy())) if i.client_id == client]
    assert any(i.reason is QueueReason.ASSESSMENT or QueueReason.ASSESSMENT in i.also for i in six)
    assert not any(i.reason is QueueReason.ASSESSMENT or QueueReason.ASSESSMENT in i.also for i in twelve)


def test_the_queue_judges_the_latest_assessment_as_the_call_card_does_not_the_longest_stored_one(
    branch: Branch,
) -> None:
    """An older record valid for 12 months, then a newer one taken under a 6-month policy (so stored with a shorter
    end) that has expired: the card says expired, and the queue asks for the assessment too."""
    client = _with_products(branch)
    with branch.system(write=True) as tx:
        assert branch.csm_a.id is not None
        tx.assessments.add(
            NewRiskAssessment(
                client_id=client, staff_id=branch.csm_a.id, taken_at=EIGHT_MONTHS_AGO + dt.timedelta(days=30),
                answers={"q1": "c"}, score=60, level=RiskLevel.C3, valid_until=dt.date(2026, 10, 19),
            )
        )  # fmt: skip
        tx.holdings.add(
            NewHolding(
                client_id=client, product_id=tx.products.on_sale(TODAY)[0].id or 0, amount=Decimal("60000.00"),
                start_date=dt.date(2026, 9, 1), maturity_date=TODAY + dt.timedelta(days=5),
            )
        )  # fmt: skip
        tx.commit()
    ws = _ws(branch, Policy())
    card = prepare(ws, client)
    assert not card.assessment_valid and card.valid_until == dt.date(2026, 10, 19)
    [item] = [i for i in today_queue(ws) if i.client_id == client]
    assert QueueReason.ASSESSMENT in (item.reason, *item.also)


# --- risk words on every line naming a product --------------------------------------------------------------------

R4 = Product(
    id=1,
    code="JY-R4", name="交银稳进R4", category=ProductCategory.WEALTH, issuer_rating=RiskRating.R3,
    seller_rating=RiskRating.R4, term_days=90, expected_yield=Decimal("3.96"),
)  # fmt: skip
DEPOSIT = Product(id=2, code="DEP", name="一年定期", category=ProductCategory.DEPOSIT, term_days=365)


def test_an_offered_product_carries_its_higher_rating_and_the_risk_notice() -> None:
    line = offered(R4, Policy().compliance.risk_notice)
    assert line.startswith("交银稳进R4") and "R4 中高" in line and RISK_NOTICE in line
    assert risk_words(DEPOSIT, Policy().compliance.risk_notice) == ""  # a deposit is no investment


def test_the_risk_notice_is_in_english_for_an_english_desk(english: None) -> None:
    line = offered(R4, Policy().compliance.risk_notice)
    assert "R4 medium-high" in line and "not deposits" in line and RISK_NOTICE not in line


def test_the_script_s_benefit_line_names_the_product_with_its_risk_and_the_notice(branch: Branch) -> None:
    client = _with_products(branch)
    card = prepare(_ws(branch, Policy()), client)
    lines = script(card, "王芳", QueueReason.IDLE_DEPOSITS, Policy().compliance.risk_notice)
    benefit = next(line for line in lines if "交银稳进R4" in line)
    assert "R4 中高" in benefit and RISK_NOTICE in benefit and "倍" in benefit


def test_a_branch_may_say_more_in_its_notice_and_add_phrases_but_never_drop_the_regulator_s() -> None:
    more = Policy.model_validate(
        {
            "compliance": {
                "risk_notice": {"zh_CN": f"{RISK_NOTICE}。过往业绩不代表未来表现"},
                "forbidden_phrases": [*Policy().compliance.forbidden_phrases, "保底"],
            }
        }
    )
    assert "保底" in more.compliance.forbidden_phrases and "过往业绩" in more.compliance.risk_notice.zh_CN


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[compliance]\nforbidden_phrases = ["保底"]\n', "compliance.forbidden_phrases"),
        ('[compliance.risk_notice]\nzh_CN = "投资有风险"\n', "compliance.risk_notice.zh_CN"),
        ('[compliance.risk_notice]\nen = ""\n', "compliance.risk_notice.en"),
    ],
)
def test_a_policy_file_that_drops_the_regulator_s_words_is_refused_with_its_key(
    tmp_path: Path, toml: str, key: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.key == key
