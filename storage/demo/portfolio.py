"""Each client's portfolio: risk assessments (the questionnaire answered and scored by the rule), time deposits,
sales with their suitability records and holdings, and the 回访 each sale leaves."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from csm_tui.domain.enums import (
    HoldingStatus,
    ProductCategory,
    SuitabilityOutcome,
    TaskOrigin,
    Tier,
)
from csm_tui.domain.values import from_fen
from csm_tui.policy import Questionnaire
from csm_tui.rules import suitability
from csm_tui.rules.suitability import SCREENING_LETTERS
from storage.demo.branch import (
    YUAN,
    Assessment,
    Branch,
    Csm,
    DemoClient,
    Maturing,
    Origin,
    Part,
    Product,
)
from storage.demo.history import Diary
from storage.demo.products import SALE_WEIGHTS, Shelf
from storage.orm import (
    AssessmentRow,
    HoldingRow,
    SaleRow,
    SuitabilityRow,
)

RISK_WARNING = "理财非存款、投资有风险"
ELDERLY_WARNING = "老年客户风险提示"

ASSESSED_SHARE = {Tier.WODE: 0.95, Tier.JIAOYIN: 0.85, Tier.ORDINARY: 0.2}
DEPOSIT_SHARE = {Tier.WODE: 0.8, Tier.JIAOYIN: 0.6, Tier.ORDINARY: 0.25}
SALES_PER_TIER = {Tier.WODE: (2, 6), Tier.JIAOYIN: (0, 4), Tier.ORDINARY: (0, 2)}
NO_LOSS_QUESTION = "s2"  # the screening question "I accept no loss at all"
NO_LOSS_SHARE = 0.03  # of assessments: the client accepts no loss at all
APPETITE_BONUS = {Tier.WODE: 0.5, Tier.JIAOYIN: 0.2, Tier.ORDINARY: 0.0}


class Portfolio(Part):
    """Assessments, deposits, sales and holdings, client by client."""

    def __init__(self, branch: Branch, shelf: Shelf, diary: Diary) -> None:
        super().__init__(branch)
        self.shelf, self.diary = shelf, diary

    def draw(self, c: DemoClient) -> None:
        if c.average >= 10_000 * YUAN:
            self._deposits(c)
        if c.manager is None or not c.capable or self.rng.random() >= ASSESSED_SHARE[c.tier]:
            return
        self._assess(c)
        self._sales_history(c)

    def _deposits(self, c: DemoClient) -> None:
        """Time deposits opened at the counter: most maturing within 90 days, some matured."""
        rng = self.rng
        if rng.random() >= DEPOSIT_SHARE[c.tier]:
            return
        deposits = [p for p in self.products if p.category is ProductCategory.DEPOSIT]
        for _ in range(rng.randint(1, 2)):
            product = rng.choice(deposits)
            amount = int(c.balance * rng.uniform(0.1, 0.4)) // (1000 * YUAN) * (1000 * YUAN)
            active = rng.random() < 0.7
            if not amount or amount < product.min_fen or (active and amount > c.room):
                continue
            maturity = self.today + dt.timedelta(days=rng.randint(0, 90) if active else -rng.randint(1, 180))
            start = maturity - dt.timedelta(days=product.term_days or 365)
            self._hold(c, product, amount, start, maturity, None)

    def _hold(
        self, c: DemoClient, p: Product, amount: int, start: dt.date, maturity: dt.date | None, sale_id: int | None
    ) -> None:
        status = HoldingStatus.ACTIVE
        if maturity is not None and maturity < self.today:
            status = HoldingStatus.MATURED
        elif maturity is None and self.rng.random() < 0.15:
            status = HoldingStatus.REDEEMED
        holding_id = self.w.add(
            HoldingRow,
            client_id=c.id,
            product_id=p.id,
            amount_fen=from_fen(amount),
            start_date=start,
            maturity_date=maturity,
            status=status.value,
            sale_id=sale_id,
        )
        if status is HoldingStatus.ACTIVE:
            c.room -= amount
            lead = dt.timedelta(days=self.policy.calls.maturity_lead_days)
            if c.manager and maturity is not None and maturity <= self.today + lead:
                self.maturing[c.manager.id].append(Maturing(holding_id, c, p, amount, maturity))

    def _assess(self, c: DemoClient) -> None:
        """One or two assessments, the first face to face; some have lapsed, some lapse within a month."""
        assert c.manager is not None
        rng = self.rng
        days_ago = rng.randint(1, 460)
        taken = [self.days.back(self.today - dt.timedelta(days=days_ago - 1), 1)]
        if days_ago < 330 and rng.random() < 0.4:
            taken.insert(0, self.days.back(taken[0] - dt.timedelta(days=rng.randint(365, 430)), 1))
        appetite = self._appetite(c)
        for k, day in enumerate(taken):
            answers = _answers(rng, appetite, suitability.questionnaire(self.policy))
            scored = suitability.score(answers, self.policy)
            level, lowest = int(scored.level), scored.lowest_category
            taken_at = self.days.during_work(rng, day, last=16 * 60)
            valid_until = suitability.valid_until(taken_at, self.policy)
            assessment_id = self.w.add(
                AssessmentRow,
                client_id=c.id,
                staff_id=c.manager.id,
                taken_at=taken_at,
                answers=answers,
                score=scored.score,
                level=level,
                lowest_category=lowest,
                face_to_face=k == 0,
                valid_until=valid_until,
            )
            c.assessments.append(Assessment(assessment_id, taken_at, day, valid_until, level, lowest))

    def _appetite(self, c: DemoClient) -> float:
        """The client's typical answer (0 = A … 4 = E): bolder with wealth, more careful with age."""
        appetite = self.rng.gauss(1.9, 0.8) + APPETITE_BONUS[c.tier]
        return appetite - 0.6 if c.age >= self.policy.assessment.elderly_age else appetite

    def _sales_history(self, c: DemoClient) -> None:
        """Sales within the client's assessments' validity; one attempt in twenty is blocked."""
        rng = self.rng
        attempts = []
        for _ in range(rng.randint(*SALES_PER_TIER[c.tier])):
            a = rng.choice(c.assessments)
            last = min(a.valid_until, self.today - dt.timedelta(days=1))
            day = self.days.pick(rng, max(a.taken_on, self.history_first), last)
            if day is not None:
                attempts.append((day, a))
        for day, a in sorted(attempts, key=lambda attempt: attempt[0]):
            if rng.random() < 0.05:
                self._blocked(c, a, day)
            else:
                self.sell(c, a, day)

    def _sale_time(self, a: Assessment, day: dt.date) -> dt.datetime:
        if day == a.taken_on:
            return a.taken_at + dt.timedelta(minutes=self.rng.randint(20, 60))
        return self.days.during_work(self.rng, day)

    def sell(self, c: DemoClient, a: Assessment, day: dt.date, among: Sequence[Product] | None = None) -> bool:
        """A suitable sale (of one of ``among``, if given) with its suitability record, holding and 回访;
        False when nothing suits."""
        assert c.manager is not None
        product = self.shelf.suitable(c, c.manager, a, day, self.products if among is None else among)
        if product is None:
            return False
        amount = self.shelf.sale_amount(c, product)
        maturity = None if product.term_days is None else day + dt.timedelta(days=product.term_days)
        if (maturity is None or maturity >= self.today) and amount > c.room:
            return False
        at = self._sale_time(a, day)
        suitability_id = self._suitability(c, a, product, amount, at, SuitabilityOutcome.SOLD)
        cooling = dt.timedelta(hours=product.cooling_off_hours)
        sale_id = self.w.add(
            SaleRow,
            client_id=c.id,
            staff_id=c.manager.id,
            outlet_id=c.manager.outlet_id,
            product_id=product.id,
            amount_fen=from_fen(amount),
            sold_at=at,
            suitability_id=suitability_id,
            cooling_off_until=at + cooling if cooling else None,
        )
        self._hold(c, product, amount, day, maturity, sale_id)
        self._service_callback(c, Origin(TaskOrigin.SALE, sale_id, at), day)
        return True

    def _blocked(self, c: DemoClient, a: Assessment, day: dt.date) -> None:
        """An attempt the system stopped: the product is rated above the client's level."""
        above = [p for p in self.products if p.category in SALE_WEIGHTS and p.rating > a.max_rating and p.on_sale(day)]
        if above:
            product = self.rng.choice(above)
            amount = max(product.min_fen, c.average // 10 // (1000 * YUAN) * (1000 * YUAN))
            self._suitability(c, a, product, amount, self._sale_time(a, day), SuitabilityOutcome.BLOCKED)

    def _suitability(
        self, c: DemoClient, a: Assessment, p: Product, amount: int, at: dt.datetime, outcome: SuitabilityOutcome
    ) -> int:
        """The kept record of a decision: a snapshot of client, assessment and product, and the checks."""
        assert c.manager is not None
        sold = outcome is SuitabilityOutcome.SOLD
        warnings = [RISK_WARNING, ELDERLY_WARNING] if c.age >= self.policy.assessment.elderly_age else [RISK_WARNING]
        detail: dict[str, Any] = {
            "client_level": f"C{a.level}",
            "lowest_category": a.lowest,
            "age": c.age,
            "assessment_valid_until": a.valid_until.isoformat(),
            "product_code": p.code,
            "product_rating": f"R{p.rating}",
            "checks": {"risk_match": sold, "assessment_valid": True, "salesperson_qualified": True, "outlet": True},
            "warnings": warnings if sold else [],
        }
        if not sold:
            detail["reason"] = "rating_above_level"
        recording = f"DR{at:%Y%m%d}{self.rng.randrange(10**6):06d}" if sold and p.dual_recording else ""
        return self.w.add(
            SuitabilityRow,
            client_id=c.id,
            staff_id=c.manager.id,
            outlet_id=c.manager.outlet_id,
            product_id=p.id,
            amount_fen=from_fen(amount),
            assessment_id=a.id,
            outcome=outcome.value,
            created_at=at,
            recording_ref=recording,
            detail=detail,
        )

    def _service_callback(self, c: DemoClient, sale: Origin, sold_on: dt.date) -> None:
        """The 回访 the cadence gives a sale (``Cadence.service_callback``: the working day after, by SMS for a client
        who opted out of calls): done for most, still open for the latest few."""
        assert c.manager is not None
        rng = self.rng
        if sold_on >= self.today - dt.timedelta(days=self.policy.calls.service_callback_days):
            self.recent_sales[c.manager.id] += 1
        step = self.cadence.service_callback(sale.at, c.phone_opt_out)
        due = step.due_on
        if due >= self.today or (due >= self.days.back(self.today, 3) and rng.random() < 0.3):
            self.diary.task(c, c.manager.id, step.kind, due, sale)
            return
        call_day = min(self.days.ahead(sold_on, rng.randint(1, 4)), self.days.back(self.today, 1))
        self.diary.done_by_call(c, c.manager.id, step.kind, due, sale, call_day)

    def recent_sale(self, csm: Csm, day: dt.date, among: Sequence[Product] | None = None) -> None:
        """A sale on a recent ``day`` to the first of the CSM's clients it suits."""
        for c in self.pools[csm.id]:
            valid = [a for a in c.assessments if a.taken_on <= day <= a.valid_until]
            if valid and self.sell(c, valid[-1], day, among):
                return


def _answers(rng: random.Random, appetite: float, q: Questionnaire) -> dict[str, str]:
    """The client's answers to the policy's questionnaire: each scored question answered around the client's appetite
    (0 = the first, most conservative letter); the screening questions as a client of full civil capacity answers
    them, a few (``NO_LOSS_SHARE``) accepting no loss at all, which puts them in the lowest category."""
    last = len(q.letters) - 1
    answers = {code: q.letters[min(last, max(0, round(rng.gauss(appetite, 0.9))))] for code in q.questions}
    no_loss = rng.random() < NO_LOSS_SHARE
    for s in q.screening:
        lowest = no_loss and s.code == NO_LOSS_QUESTION
        answers[s.code] = s.lowest_on if lowest else SCREENING_LETTERS.replace(s.lowest_on, "")
    return answers
