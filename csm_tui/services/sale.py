"""Recording what the suitability wizard decided: the assessment, and the attempt to sell.

Each attempt leaves one suitability record, kept whole and never edited; a sale is written with it, with the holding
and the 回访 task (and, for a client of 65 or more buying high risk, a supervisor's review task), in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from csm_tui.domain.enums import (
    HoldingStatus,
    ProductCategory,
    SuitabilityOutcome,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import (
    Client,
    Holding,
    Outlet,
    Product,
    RiskAssessment,
    Sale,
    SuitabilityRecord,
    Task,
)
from csm_tui.services import suitability_rules as rules
from csm_tui.services.cadence import Cadence
from csm_tui.services.ports import UnitOfWork
from csm_tui.services.workstation import Workstation


@dataclass(frozen=True)
class SaleContext:
    """What the wizard works from once the client is identified."""

    client: Client
    status: rules.AssessmentStatus
    history: list[RiskAssessment]
    products: list[Product]  # on sale today
    outlet: Outlet | None


@dataclass(frozen=True)
class Confirmations:
    """What the client confirmed at the counter."""

    disclosure_shown: bool = False
    documents_read: bool = False
    sentence_copied: bool = False  # the hand-copied risk-confirmation sentence
    recording_ref: str = ""  # 双录
    insisted_warning: bool = False  # the special written warning shown in full and confirmed
    elderly_warning: bool = False

    def missing(self, verdict: rules.Verdict) -> list[str]:
        """What still stands between the verdict and a sale."""
        needed = {
            "disclosure_shown": self.disclosure_shown,
            "documents_read": self.documents_read,
            "sentence_copied": self.sentence_copied,
        }
        if verdict.dual_recording:
            needed["recording_ref"] = bool(self.recording_ref.strip())
        if verdict.insisted:
            needed["insisted_warning"] = self.insisted_warning
        if verdict.extra_care:
            needed["elderly_warning"] = self.elderly_warning
        return [name for name, done in needed.items() if not done]


def context(ws: Workstation, client_id: int) -> SaleContext:
    """The client (own clients only), the assessment's status and what is on sale today."""
    now = ws.time.now().datetime
    with ws.uow() as tx:
        client = tx.clients.get(client_id)
        history = tx.assessments.history(client_id)
        products = tx.products.on_sale(ws.time.today())
        outlet = tx.outlets.get(ws.staff.outlet_id) if ws.staff.outlet_id is not None else None
    return SaleContext(client, rules.assessment_status(history, now, ws.policy), history, products, outlet)


def assess(ws: Workstation, client_id: int, answers: dict[str, str], *, face_to_face: bool) -> RiskAssessment:
    """Store a new assessment whole (answers, score, level, staff, time), within the legal limits."""
    assert ws.staff.id is not None
    now = ws.time.now().datetime
    scored = rules.score(answers, ws.policy)
    with ws.uow(write=True) as tx:
        tx.clients.get(client_id)
        status = rules.assessment_status(tx.assessments.history(client_id), now, ws.policy)
        if not status.can_assess:
            raise DomainError(status.refusal or "assess_limit_day")
        if status.first and not face_to_face:
            raise DomainError("first_face_to_face")
        saved = tx.assessments.add(
            RiskAssessment(
                client_id=client_id, staff_id=ws.staff.id, taken_at=now, answers=answers, score=scored.score,
                level=scored.level, lowest_category=scored.lowest_category, face_to_face=face_to_face,
                valid_until=rules.valid_until(now, ws.policy),
            )
        )  # fmt: skip
        tx.commit()
    return saved


@dataclass(frozen=True)
class Attempt:
    ctx: SaleContext
    assessment: RiskAssessment | None
    product: Product
    amount: Decimal
    verdict: rules.Verdict
    confirmations: Confirmations
    regular_plan: bool = False  # a fund bought as the first instalment of a regular-investment plan (基金定投)


@dataclass(frozen=True)
class Recorded:
    record: SuitabilityRecord
    sale: Sale | None


def snapshot(attempt: Attempt, ws: Workstation) -> dict[str, Any]:
    """The record's detail: everything the decision rested on, as it stood (no full ID or phone numbers)."""
    c, a, p, v = attempt.ctx.client, attempt.assessment, attempt.product, attempt.verdict
    today = ws.time.today()
    return {
        "client": {
            "number": c.number, "name": c.name, "masked_id": c.resident_id.masked(), "age": c.age_on(today),
            "avg_3m": str(c.avg_3m), "balance": str(c.balance), "civil_capacity": c.civil_capacity,
        },
        "assessment": None if a is None else {
            "id": a.id, "taken_at": a.taken_at.isoformat(), "level": a.level.code, "score": a.score,
            "valid_until": a.valid_until.isoformat(), "lowest_category": a.lowest_category,
        },
        "product": {"code": p.code, "name": p.name, "category": p.category.value,
                    "rating": p.rating.code if p.rating else None},
        "amount": str(attempt.amount),
        "checks": [{"code": k.code, "passed": k.passed, "reason": k.reason_key, "params": k.params} for k in v.checks],
        "insisted": v.insisted, "extra_care": v.extra_care, "dual_recording": v.dual_recording,
        "confirmations": dataclasses.asdict(attempt.confirmations),
        "salesperson": {"login": ws.staff.login, "name": ws.staff.name,
                        "qualifications": sorted(q.value for q in ws.staff.valid_qualifications(today))},
    }  # fmt: skip


def record(ws: Workstation, attempt: Attempt, outcome: SuitabilityOutcome) -> Recorded:
    """Write the attempt's record, and for a sale the sale, the holding and the follow-up tasks: one transaction.

    A sale the rules forbid cannot be recorded: inside the transaction the 4S check is run again on the data as it
    stands now (the product may have left the shelf, the assessment expired, since the wizard showed its verdict),
    and a verdict that changed in any way the client was told of refuses the sale.
    """
    assert ws.staff.id is not None and attempt.product.id is not None
    now = ws.time.now().datetime
    client = attempt.ctx.client
    assert client.id is not None
    outlet = attempt.ctx.outlet
    if outlet is None or outlet.id is None:
        raise DomainError("no_outlet")
    with ws.uow(write=True) as tx:
        client = tx.clients.get(client.id)
        product = tx.products.get(attempt.product.id)
        assessment = tx.assessments.get(attempt.assessment.id) if attempt.assessment and attempt.assessment.id else None
        if product is None:
            raise DomainError("sale_blocked")
        if attempt.regular_plan and product.category is not ProductCategory.FUND:
            raise DomainError("regular_plan_fund_only")
        verdict = rules.check_4s(
            client=client, assessment=assessment, scored_lowest=bool(assessment and assessment.lowest_category),
            product=product, amount=attempt.amount, outlet=outlet, staff=ws.staff, now=now, policy=ws.policy,
        )  # fmt: skip
        if outcome is SuitabilityOutcome.SOLD:
            shown = attempt.verdict
            changed = (verdict.insisted, verdict.extra_care, verdict.dual_recording) != (
                shown.insisted,
                shown.extra_care,
                shown.dual_recording,
            )
            if not verdict.allowed or changed:
                raise DomainError("sale_blocked")
            missing = attempt.confirmations.missing(verdict)
            if missing:
                raise DomainError("confirmations_missing", missing=", ".join(missing))
        attempt = dataclasses.replace(attempt, product=product, assessment=assessment, verdict=verdict)
        outlet_id = outlet.id
        saved = tx.suitability.add(
            SuitabilityRecord(
                client_id=client.id, staff_id=ws.staff.id, outlet_id=outlet_id, product_id=attempt.product.id,
                amount=attempt.amount, assessment_id=attempt.assessment.id if attempt.assessment else None,
                outcome=outcome, created_at=now, recording_ref=attempt.confirmations.recording_ref.strip(),
                detail=snapshot(attempt, ws),
            )
        )  # fmt: skip
        sale = None
        if outcome is SuitabilityOutcome.SOLD:
            sale = _sell(tx, ws, attempt, saved, outlet_id, now)
        tx.commit()
    return Recorded(saved, sale)


def _sell(
    tx: UnitOfWork, ws: Workstation, attempt: Attempt, saved: SuitabilityRecord, outlet_id: int, now: dt.datetime
) -> Sale:
    client, product, verdict = attempt.ctx.client, attempt.product, attempt.verdict
    assert client.id is not None and product.id is not None and ws.staff.id is not None
    cooling = now + dt.timedelta(hours=verdict.cooling_off_hours) if verdict.cooling_off_hours else None
    sale = tx.sales.add(
        Sale(
            client_id=client.id, staff_id=ws.staff.id, outlet_id=outlet_id, product_id=product.id,
            amount=attempt.amount, sold_at=now, suitability_id=saved.id, cooling_off_until=cooling,
            regular_plan=attempt.regular_plan,
        )
    )  # fmt: skip
    today = ws.time.today()
    maturity = today + dt.timedelta(days=product.term_days) if product.term_days else None
    tx.holdings.add(
        Holding(
            client_id=client.id, product_id=product.id, amount=attempt.amount, start_date=today,
            maturity_date=maturity, status=HoldingStatus.ACTIVE, sale_id=sale.id,
        )
    )  # fmt: skip
    callback = Cadence(ws.policy).service_callback(now, client.phone_opt_out)
    tx.tasks.add(
        Task(
            client_id=client.id, staff_id=ws.staff.id, kind=callback.kind, due_on=callback.due_on,
            origin=TaskOrigin.SALE, origin_id=sale.id, created_at=now,
        )
    )  # fmt: skip
    if verdict.extra_care and ws.staff.supervisor_id is not None:
        tx.tasks.add(
            Task(
                client_id=client.id, staff_id=ws.staff.supervisor_id, kind=TaskKind.REVIEW, due_on=today,
                origin=TaskOrigin.SALE, origin_id=sale.id, created_at=now,
            )
        )  # fmt: skip
    return sale


def cancel_in_cooling_off(ws: Workstation, sale_id: int, reason: str) -> SuitabilityRecord:
    """The client cancels within the cooling-off period: the sale and its holding are cancelled in full, its 回访 and
    review tasks are dropped, and a new record (outcome cancelled) references the sale's record, which stays as it
    was."""
    if not reason.strip():
        raise DomainError("reason_required")
    now = ws.time.now().datetime
    assert ws.staff.id is not None
    with ws.uow(write=True) as tx:
        found = tx.sales.get(sale_id)
        if found is None:
            raise LookupError(sale_id)
        tx.clients.get(found.client_id)  # own clients only
        if found.cancelled_at is not None or found.cooling_off_until is None or now >= found.cooling_off_until:
            raise DomainError("not_in_cooling_off")
        original = tx.suitability.get(found.suitability_id) if found.suitability_id is not None else None
        tx.sales.cancel(sale_id, now)
        for task in tx.tasks.open_for_origin(TaskOrigin.SALE, sale_id):
            assert task.id is not None
            tx.tasks.close(task.id, TaskStatus.CANCELLED, now)
        correction = tx.suitability.add(
            SuitabilityRecord(
                client_id=found.client_id, staff_id=ws.staff.id, outlet_id=found.outlet_id,
                product_id=found.product_id, amount=found.amount,
                assessment_id=original.assessment_id if original else None, outcome=SuitabilityOutcome.CANCELLED,
                created_at=now, corrects_id=found.suitability_id,
                detail={"cancelled_sale": sale_id, "reason": reason.strip(), "cooling_off_until":
                        found.cooling_off_until.isoformat()},
            )
        )  # fmt: skip
        tx.commit()
    return correction
