"""The call card says why the client is called, from the database, on SQLite and PostgreSQL: a callback the client
asked for (with the time), a retry after no answer (no time claimed), the purchase a 回访 follows up; the holdings
maturing within the policy's lead days; and the example amount is the client's own scale."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import (
    Disposition,
    HoldingStatus,
    ProductCategory,
    QueueReason,
    RiskRating,
    TaskKind,
    TaskOrigin,
)
from csm_tui.domain.models import NewHolding, NewProduct, NewSale, NewTask
from csm_tui.i18n import t
from csm_tui.policy import Policy
from csm_tui.rules.scripts import CallbackCause
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.calls.preparation import Maturing, prepare
from csm_tui.services.ports import AccessDenied
from tests.support.branch import TODAY
from tests.support.clients_branch import NOW, Branch
from widgets.script_panel import script


def _callback_after(branch: Branch, outcome: Outcome) -> int:
    """The callback task the outcome of a call to 王小明 created."""
    ws = branch.ws(branch.csm_a)
    receipt = record(ws, branch.wxm, outcome, started_at=NOW - dt.timedelta(minutes=5))
    [task_id] = receipt.created_tasks
    return task_id


def test_a_retry_after_no_answer_claims_no_time_the_client_agreed(branch: Branch) -> None:
    task_id = _callback_after(branch, Outcome(Disposition.NO_ANSWER, note="响铃无人接听"))
    why = prepare(branch.ws(branch.csm_a), branch.wxm, task_id).why
    assert why is not None and why.kind is TaskKind.CALLBACK
    assert why.cause is CallbackCause.RETRY and why.agreed_at is None
    assert why.due_at is not None  # the retry has a time: the manager's, not the client's
    assert why.asked_at == NOW - dt.timedelta(minutes=5) and why.note == "响铃无人接听"


def test_a_busy_client_s_callback_carries_the_time_they_named(branch: Branch) -> None:
    at = dt.datetime(2026, 11, 27, 7, tzinfo=dt.UTC)  # 15:00 in Shanghai
    task_id = _callback_after(branch, Outcome(Disposition.BUSY, at=at))
    why = prepare(branch.ws(branch.csm_a), branch.wxm, task_id).why
    assert why is not None and why.cause is CallbackCause.AGREED and why.agreed_at == at


def test_a_service_callback_names_the_purchase_it_follows_up(branch: Branch) -> None:
    sold_at = NOW - dt.timedelta(days=2)
    with branch.system(write=True) as tx:
        product = tx.products.by_code("DLB90")
        assert product is not None and product.id is not None and branch.csm_a.id is not None
        sale = tx.sales.add(
            NewSale(
                client_id=branch.wxm, staff_id=branch.csm_a.id, outlet_id=branch.outlet_id, product_id=product.id,
                amount=Decimal("60000.00"), sold_at=sold_at,
            )
        )  # fmt: skip
        task = tx.tasks.add(
            NewTask(
                client_id=branch.wxm, staff_id=branch.csm_a.id, kind=TaskKind.SERVICE_CALLBACK, due_on=TODAY,
                origin=TaskOrigin.SALE, origin_id=sale.id, created_at=sold_at,
            )
        )  # fmt: skip
        tx.commit()
    card = prepare(branch.ws(branch.csm_a), branch.wxm, task.id)
    assert card.why is not None and card.why.purchase is not None
    assert (card.why.purchase.product, card.why.purchase.amount) == ("得利宝90天", Decimal("60000.00"))
    assert card.why.purchase.sold_at == sold_at


def test_a_card_without_a_task_has_no_why_and_another_client_s_task_is_ignored(branch: Branch) -> None:
    assert prepare(branch.ws(branch.csm_a), branch.wxm).why is None
    task_id = _callback_after(branch, Outcome(Disposition.NO_ANSWER))
    assert prepare(branch.ws(branch.csm_a), branch.ls, task_id).why is None  # 李四's card, 王小明's task


def test_another_manager_s_task_cannot_be_read_through_a_card(branch: Branch) -> None:
    """A hostile task id: B's client's task, passed with A's own client, is refused by the repository."""
    assert branch.csm_b.id is not None
    with branch.system(write=True) as tx:
        task = tx.tasks.add(
            NewTask(
                client_id=branch.zs, staff_id=branch.csm_b.id, kind=TaskKind.CALLBACK, due_on=TODAY, note="B 的备注",
                created_at=NOW,
            )
        )  # fmt: skip
        tx.commit()
    with pytest.raises(AccessDenied):
        prepare(branch.ws(branch.csm_a), branch.wxm, task.id)


def test_the_example_amount_is_the_client_s_own_scale(branch: Branch) -> None:
    """王小明 has a 3-month average of ¥80,000: the benefit is shown on ¥50,000, not on a fixed ¥100,000; a product
    whose minimum is above that is not suggested."""
    with branch.system(write=True) as tx:
        tx.products.add(
            NewProduct(
                code="DEP90", name="三个月定期", category=ProductCategory.DEPOSIT, term_days=90,
                expected_yield=Decimal("1.1"),
            )
        )  # fmt: skip
        tx.products.add(
            NewProduct(
                code="BIG", name="大额理财", category=ProductCategory.WEALTH, issuer_rating=RiskRating.R1, term_days=90,
                expected_yield=Decimal("9.9"), min_amount=Decimal("100000.00"),
            )
        )  # fmt: skip
        tx.products.add(
            NewProduct(
                code="XJB", name="现金宝", category=ProductCategory.WEALTH, issuer_rating=RiskRating.R1, term_days=90,
                expected_yield=Decimal("2.0"), min_amount=Decimal("10000.00"),
            )
        )  # fmt: skip
        tx.commit()
    card = prepare(branch.ws(branch.csm_a), branch.wxm)  # no assessment: R1 only
    assert card.suggestion is not None
    assert card.suggestion.amount == Decimal("50000.00") and card.suggestion.product.code == "XJB"


def test_a_busy_client_s_callback_made_late_says_the_time_was_agreed_earlier(branch: Branch) -> None:
    at = NOW + dt.timedelta(hours=1)
    task_id = _callback_after(branch, Outcome(Disposition.BUSY, at=at))
    ws = branch.ws(branch.csm_a)
    card = prepare(ws, branch.wxm, task_id)
    notice = ws.policy.compliance.risk_notice
    on_time = script(card, "王芳", QueueReason.CALLBACK, notice, BranchTime(FrozenClock(at.isoformat()), ws.time.tz))
    assert t("script.purpose.callback") in on_time
    two_hours_late = BranchTime(FrozenClock((at + dt.timedelta(hours=2)).isoformat()), ws.time.tz)
    late = script(card, "王芳", QueueReason.CALLBACK, notice, two_hours_late)
    assert t("script.purpose.callback") not in late
    assert t("script.purpose.callback_late", time=ws.time.local(at).format("HH:mm")) in late


def _holding(branch: Branch, amount: str, in_days: int, status: HoldingStatus = HoldingStatus.ACTIVE) -> None:
    """王小明 holds 得利宝90天 for ``amount``, maturing ``in_days`` from today."""
    with branch.system(write=True) as tx:
        product = tx.products.by_code("DLB90")
        assert product is not None and product.id is not None
        tx.holdings.add(
            NewHolding(
                client_id=branch.wxm, product_id=product.id, amount=Decimal(amount),
                start_date=TODAY - dt.timedelta(days=90), maturity_date=TODAY + dt.timedelta(days=in_days),
                status=status,
            )
        )  # fmt: skip
        tx.commit()


def test_the_call_card_lists_the_two_soonest_holdings_maturing_within_the_lead_days(branch: Branch) -> None:
    """Active holdings maturing from today to the policy's lead days ahead (7 by default), by product name, the two
    soonest; not one already matured, past its date or further ahead."""
    _holding(branch, "50000.00", 5)
    _holding(branch, "90000.00", 8)  # past the lead days
    _holding(branch, "40000.00", 3, HoldingStatus.MATURED)
    _holding(branch, "20000.00", -1)  # yesterday
    ws = branch.ws(branch.csm_a)
    longer = dataclasses.replace(ws, policy=Policy.model_validate({"calls": {"maturity_lead_days": 8}}))
    today, in_five, in_eight = (
        Maturing("得利宝90天", Decimal(amount), TODAY + dt.timedelta(days=d))
        for amount, d in (("70000.00", 0), ("50000.00", 5), ("90000.00", 8))
    )
    assert prepare(ws, branch.wxm).maturing == (in_five,)
    assert prepare(longer, branch.wxm).maturing == (in_five, in_eight)
    _holding(branch, "70000.00", 0)  # today
    assert prepare(longer, branch.wxm).maturing == (today, in_five)
