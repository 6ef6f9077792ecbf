"""Assessments and sales of one client take turns, on SQLite and on PostgreSQL: eight workstations at once can't
exceed the daily or yearly assessment limits or buy together what is out of proportion; and no sequence of service
calls, however forged its arguments, records a bank wealth sale above the client's current level."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import Engine, select
from stdnum.cn import ric

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import ProductCategory, RiskLevel, RiskRating
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import NewClient, NewProduct, NewRiskAssessment, RiskAssessment
from csm_tui.policy import Policy
from csm_tui.rules import suitability as rules
from csm_tui.services.ports import AccessDenied
from csm_tui.services.selling import attempts
from storage.orm import ClientRow
from tests.test_sale import (
    BASIC,
    EVERYTHING,
    NOW,
    QUESTIONS,
    RECORDED,
    SOLD,
    TODAY,
    Branch,
    attempt,
    build_branch,
    resident_id,
    rows,
)

WORKSTATIONS = 8
LETTERS = {
    RiskLevel.C1: "A" * 12,  # 24
    RiskLevel.C2: "C" * 6 + "B" * 6,  # 60
    RiskLevel.C3: "C" * 12,  # 72
    RiskLevel.C4: "C" * 6 + "D" * 6,  # 84
    RiskLevel.C5: "E" * 12,  # 120
}


def answers(level: RiskLevel, lowest: bool = False) -> dict[str, str]:
    return {**dict(zip(QUESTIONS, LETTERS[level], strict=True)), "s1": "A", "s2": "A" if lowest else "B"}


@pytest.fixture
def branch(engine: Engine, clock: FrozenClock) -> Branch:
    return build_branch(engine, clock)


def at_once(job: Callable[[int], object]) -> list[object]:
    """``job`` on eight threads released together; what each returned or raised."""
    start = threading.Barrier(WORKSTATIONS)
    results: list[object] = [None] * WORKSTATIONS

    def run(n: int) -> None:
        start.wait(timeout=60)
        try:
            results[n] = job(n)
        except Exception as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(WORKSTATIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def refusals(results: list[object]) -> list[str]:
    return sorted(r.code if isinstance(r, DomainError) else repr(r) for r in results if isinstance(r, Exception))


def test_eight_workstations_assessing_one_client_at_once_store_two_in_a_day(branch: Branch) -> None:
    results = at_once(lambda n: attempts.assess(branch.ws(), branch.young, answers(RiskLevel.C3), face_to_face=True))
    assert len(rows(branch.engine, "risk_assessments")) == 2
    assert refusals(results) == ["assess_limit_day"] * (WORKSTATIONS - 2)


def test_eight_workstations_assessing_at_once_keep_eight_in_twelve_months(branch: Branch) -> None:
    with branch.system(write=True) as tx:
        for months in range(1, 8):  # seven in the last 12 months, none today
            taken = NOW - dt.timedelta(days=30 * months)
            tx.assessments.add(
                NewRiskAssessment(
                    client_id=branch.young, staff_id=branch.csm.id or 0, taken_at=taken, answers={}, score=72,
                    level=RiskLevel.C3, face_to_face=True, valid_until=rules.valid_until(taken, Policy()),
                )
            )  # fmt: skip
        tx.commit()
    results = at_once(lambda n: attempts.assess(branch.ws(), branch.young, answers(RiskLevel.C3), face_to_face=False))
    assert len(rows(branch.engine, "risk_assessments")) == 8
    assert refusals(results) == ["assess_limit_year"] * (WORKSTATIONS - 1)


def test_eight_workstations_selling_at_once_keep_the_purchases_in_proportion(branch: Branch) -> None:
    with branch.system(write=True) as tx:
        client = tx.clients.add(
            NewClient(
                number="C100", name="小李", resident_id=resident_id(dt.date(1980, 1, 1)), manager_id=branch.csm.id,
                outlet_id=branch.outlet.id, balance=Decimal("100000.00"), avg_3m=Decimal("100000.00"),
                assets_as_of=TODAY - dt.timedelta(days=2),
            )
        )  # fmt: skip
        tx.commit()
    assert client.id is not None
    ws = branch.ws()
    attempts.assess(ws, client.id, answers(RiskLevel.C3), face_to_face=True)
    tried = attempt(ws, client.id, "W2", "80000", RECORDED)  # alone within 80% of ¥100,000
    assert tried.verdict.allowed
    results = at_once(lambda n: attempts.record(branch.ws(), tried, SOLD))
    assert len(rows(branch.engine, "sales")) == 1
    assert refusals(results) == ["sale_blocked"] * (WORKSTATIONS - 1)


# --- no sequence of calls sells bank wealth above the client's level ----------------------------------------------

ACTIONS = st.one_of(
    st.tuples(st.just("assess"), st.integers(0, 1), st.sampled_from(list(RiskLevel)), st.booleans()),
    st.tuples(
        st.just("sell"),
        st.integers(0, 1),  # whose sale
        st.sampled_from(["current", "current", "none", "made_up", "stored"]),  # the assessment named
        st.integers(0, 12),  # which stored one
        st.sampled_from(list(RiskLevel)),  # a made-up one's level
        st.sampled_from(["W2", "W4", "W5", "PP3", "F4", "B1"]),
        st.one_of(
            st.sampled_from([Decimal(n) for n in ("1000", "10000", "50000", "100000", "300000", "400000", "450000")]),
            st.decimals(min_value=Decimal("-10"), max_value=Decimal("600000"), places=2),
        ),
        st.sampled_from([True, True, False]),  # every confirmation, or the basic ones
        st.booleans(),  # the caller's verdict forced to "allowed"
    ),
    st.tuples(st.just("wait"), st.integers(0, 24 * 200)),
)


@settings(max_examples=60)
@given(
    first=st.tuples(st.sampled_from(list(RiskLevel)), st.sampled_from(list(RiskLevel))),
    actions=st.lists(ACTIONS, max_size=10),
)
def test_no_sequence_of_calls_sells_bank_wealth_above_the_clients_level(
    branch: Branch, first: tuple[RiskLevel, RiskLevel], actions: list[tuple[Any, ...]]
) -> None:
    _ensure_w5(branch)
    clients = _two_new_clients(branch)  # each example starts from two new clients, assessed first
    for client_id, level in zip(clients, first, strict=True):
        attempts.assess(branch.ws(), client_id, answers(level), face_to_face=True)
    for action in actions:
        with contextlib.suppress(DomainError, AccessDenied, ValidationError):
            _act(branch, clients, action)
    _assert_no_wealth_sale_above_the_level(branch)


def _two_new_clients(branch: Branch) -> tuple[int, int]:
    first = len(_client_ids(branch))
    with branch.system(write=True) as tx:
        added = [
            tx.clients.add(
                NewClient(
                    number=f"P{first + n:05d}", name="客户", resident_id=numbered_id(born, first + n),
                    manager_id=branch.csm.id,
                    outlet_id=branch.outlet.id, balance=Decimal("500000.00"), avg_3m=Decimal("500000.00"),
                    assets_as_of=TODAY,
                )
            ).id or 0
            for n, born in enumerate((dt.date(1980, 1, 1), dt.date(1950, 1, 1)))
        ]  # fmt: skip
        tx.commit()
    return added[0], added[1]


def numbered_id(born: dt.date, n: int) -> str:
    body = f"310101{born:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _client_ids(branch: Branch) -> list[int]:
    with branch.engine.connect() as conn:
        return list(conn.scalars(select(ClientRow.id)))


def _ensure_w5(branch: Branch) -> None:
    with branch.system(write=True) as tx:
        if tx.products.by_code("W5") is None:
            tx.products.add(
                NewProduct(code="W5", name="进取 5 号", category=ProductCategory.WEALTH, issuer_rating=RiskRating.R5)
            )
            tx.commit()


def _act(branch: Branch, clients: tuple[int, int], action: tuple[Any, ...]) -> None:
    ws = branch.ws()
    if action[0] == "wait":
        branch.clock.advance(dt.timedelta(hours=action[1]))
    elif action[0] == "assess":
        _, who, level, lowest = action
        attempts.assess(ws, clients[who], answers(level, lowest), face_to_face=True)
    else:
        _, who, named, position, level, code, amount, everything, force = action
        ctx = attempts.context(ws, clients[who])
        product = next((p for p in ctx.products if p.code == code), None)
        if product is None:
            return
        with branch.system() as tx:
            stored = [a for c in clients for a in tx.assessments.history(c)]
        chosen: RiskAssessment | None = None
        if named == "current":
            chosen = ctx.status.latest
        elif named == "made_up":
            taken = ws.time.now().datetime
            chosen = RiskAssessment(
                id=99_999, client_id=clients[who], staff_id=branch.csm.id or 0, taken_at=taken, answers={}, score=120,
                level=level, face_to_face=True, valid_until=rules.valid_until(taken, ws.policy),
            )  # fmt: skip
        elif named == "stored" and stored:
            chosen = stored[position % len(stored)]
        assert ctx.outlet is not None
        verdict = rules.check_4s(
            client=ctx.client, assessment=chosen, scored_lowest=False, product=product, amount=amount,
            outlet=ctx.outlet, staff=ws.staff, now=ws.time.now().datetime, policy=ws.policy,
        )  # fmt: skip
        if force:
            verdict = dataclasses.replace(verdict, allowed=True)
        confirmed = EVERYTHING if everything else BASIC
        attempts.record(ws, attempts.Attempt(ctx, chosen, product, amount, verdict, confirmed), SOLD)


def _assert_no_wealth_sale_above_the_level(branch: Branch) -> None:
    with branch.system() as tx:
        for client_id in _client_ids(branch):
            history = tx.assessments.history(client_id)
            for sold in tx.sales.for_client(client_id):
                product = tx.products.get(sold.product_id)
                assert product is not None and product.rating is not None
                if product.category is not ProductCategory.WEALTH:
                    continue
                record = tx.suitability.get(sold.suitability_id or 0)
                assert record is not None
                current = rules.assessment_status(
                    [a for a in history if a.taken_at <= sold.sold_at], sold.sold_at, Policy()
                )
                assert current.valid and current.latest is not None
                assert record.assessment_id == current.latest.id
                assert current.latest.level >= product.rating and not current.latest.lowest_category
