"""Each client's portfolio: risk assessments (the questionnaire answered and scored by the rule), time deposits,
sales with their suitability records and holdings, and the 回访 each sale leaves."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from csm_tui.domain.enums import (
    HoldingStatus,
    ProductCategory,
    SuitabilityOutcome,
    TaskOrigin,
    Tier,
)
from csm_tui.domain.models import (
    NewRiskAssessment,
    NewSale,
    NewSuitabilityRecord,
    RiskAssessment,
    Sale,
)
from csm_tui.domain.values import from_fen
from csm_tui.policy import Questionnaire
from csm_tui.rules import suitability
from csm_tui.rules.suitability import SCREENING_LETTERS, Verdict
from csm_tui.services.selling import attempts
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
from storage.demo.products import Shelf
from storage.orm import (
    AssessmentRow,
    HoldingRow,
    SaleRow,
    SuitabilityRow,
)

CLIENT_CHECKS = ("assessment", "civil_capacity", "id_valid")  # 4S checks of the client alone, whatever the product
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
            new = NewRiskAssessment(
                client_id=c.id,
                staff_id=c.manager.id,
                taken_at=taken_at,
                answers=answers,
                score=scored.score,
                level=scored.level,
                lowest_category=lowest,
                face_to_face=k == 0,
                valid_until=valid_until,
            )
            assessment_id = self.w.add(AssessmentRow, **new.model_dump(exclude={"level"}), level=level)
            model = RiskAssessment(**new.model_dump(), id=assessment_id)
            c.assessments.append(Assessment(assessment_id, taken_at, day, valid_until, level, lowest, model))

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
        """A sale on ``day`` of a product the CSM offers (one of ``among``, if given) that the 4S check allows, with
        its suitability record as the sale service writes it, its holding and its 回访; False when none is allowed."""
        assert c.manager is not None
        at = self._sale_time(a, day)
        ctx = self._context(c, c.manager, at)
        candidates = self.shelf.candidates(c, self.products if among is None else among, day)
        while candidates:  # drawn as the CSMs offer them, until one the rules allow
            product = self.shelf.draw(candidates)
            amount = self.shelf.sale_amount(c, product)
            verdict = attempts.check(ctx, a.model, product.model, from_fen(amount), at, self.policy)
            if verdict.allowed and not verdict.insisted:
                break
            if any(check.code in CLIENT_CHECKS for check in verdict.failed):
                return False  # no other product changes the client's own standing
            candidates.remove(product)
        else:
            return False
        maturity = None if product.term_days is None else day + dt.timedelta(days=product.term_days)
        if (maturity is None or maturity >= self.today) and amount > c.room:
            return False
        suitability_id = self._suitability(c, ctx, a, product, amount, at, verdict, SuitabilityOutcome.SOLD)
        cooling = dt.timedelta(hours=verdict.cooling_off_hours)
        sale = NewSale(
            client_id=c.id,
            staff_id=c.manager.id,
            outlet_id=c.manager.outlet_id,
            product_id=product.id,
            amount=from_fen(amount),
            sold_at=at,
            suitability_id=suitability_id,
            cooling_off_until=at + cooling if cooling else None,
        )
        sale_id = self.w.add(SaleRow, **sale.model_dump(exclude={"amount"}), amount_fen=sale.amount)
        c.sales.append(Sale(**sale.model_dump(), id=sale_id))
        self._hold(c, product, amount, day, maturity, sale_id)
        self._service_callback(c, Origin(TaskOrigin.SALE, sale_id, at), day)
        return True

    def _context(self, c: DemoClient, csm: Csm, at: dt.datetime) -> attempts.SaleContext:
        """What the sale service checks a sale at ``at`` against: the client with today's figures (the demo keeps no
        older ones), their assessments so far, what they bought that the figures may not show, the CSM and outlet."""
        history = [x.model for x in c.assessments if x.taken_at <= at]
        status = suitability.assessment_status(history, at, self.policy)
        recent = suitability.recent_purchases(c.sales, self.as_of, at, self.policy)
        client = c.model(self.as_of)
        return attempts.SaleContext(client, status, history, [], self.outlets[csm.outlet_id], csm.staff, recent)

    def _blocked(self, c: DemoClient, a: Assessment, day: dt.date) -> None:
        """An attempt the system stopped: a product the CSM offered that the 4S check refuses, recorded as blocked."""
        assert c.manager is not None
        rng = self.rng
        at = self._sale_time(a, day)
        ctx = self._context(c, c.manager, at)
        offered = self.shelf.candidates(c, self.products, day)
        for product in rng.sample(offered, len(offered)):
            amount = max(product.min_fen, c.average // 10 // (1000 * YUAN) * (1000 * YUAN))
            verdict = attempts.check(ctx, a.model, product.model, from_fen(amount), at, self.policy)
            if not verdict.allowed:
                self._suitability(c, ctx, a, product, amount, at, verdict, SuitabilityOutcome.BLOCKED)
                return

    def _suitability(
        self,
        c: DemoClient,
        ctx: attempts.SaleContext,
        a: Assessment,
        p: Product,
        amount: int,
        at: dt.datetime,
        verdict: Verdict,
        outcome: SuitabilityOutcome,
    ) -> int:
        """The kept record of a decision, its detail as the sale service writes it (``attempts.snapshot``): a sale
        with every confirmation the verdict asked for given, 双录 among them where it is required."""
        sold = outcome is SuitabilityOutcome.SOLD
        ref = f"DR{at:%Y%m%d}{self.rng.randrange(10**6):06d}" if sold and verdict.dual_recording else ""
        confirmations = attempts.Confirmations()
        if sold:
            given = {name: True for name in attempts.Confirmations.required(verdict) if name != "recording_ref"}
            confirmations = attempts.Confirmations(**given, recording_ref=ref)
        attempt = attempts.Attempt(ctx, a.model, p.model, from_fen(amount), verdict, confirmations)
        record = NewSuitabilityRecord(
            client_id=ctx.client.id,
            staff_id=ctx.salesperson.id,
            outlet_id=ctx.salesperson.outlet_id,
            product_id=p.id,
            amount=from_fen(amount),
            assessment_id=a.id,
            outcome=outcome,
            created_at=at,
            recording_ref=ref,
            detail=attempts.snapshot(attempt, ctx.salesperson, suitability.branch_day(at, self.policy)),
        )
        values = record.model_dump(exclude={"amount", "outcome"})
        day = suitability.branch_day(at, self.policy)
        c.last_decided = day if c.last_decided is None else max(c.last_decided, day)
        return self.w.add(SuitabilityRow, **values, amount_fen=record.amount, outcome=outcome.value)

    def _service_callback(self, c: DemoClient, sale: Origin, sold_on: dt.date) -> None:
        """The 回访 the cadence gives a sale (``Cadence.service_callback``: the working day after, by SMS for a client
        who opted out of calls): done for most, still open for the latest few (due today or after, a few due the
        working day before) — a branch leaves no 回访 overdue longer."""
        assert c.manager is not None
        rng = self.rng
        if sold_on >= self.today - dt.timedelta(days=self.policy.calls.service_callback_days):
            self.recent_sales[c.manager.id] += 1
        step = self.cadence.service_callback(sale.at, c.phone_opt_out)
        due = step.due_on
        if due >= self.today or (due >= self.days.back(self.today, 1) and rng.random() < 0.3):
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
