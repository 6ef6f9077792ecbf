"""Recording what the suitability wizard decided: the assessment, and the attempt to sell.

Each attempt leaves one suitability record, kept whole and never edited; a sale is written with it, with the holding
and the 回访 task (and, for a client of 65 or more buying R4–R5, a supervisor's review task), in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

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
    NewHolding,
    NewRiskAssessment,
    NewSale,
    NewSuitabilityRecord,
    NewTask,
    Outlet,
    Product,
    RiskAssessment,
    Sale,
    Staff,
    SuitabilityRecord,
)
from csm_tui.domain.roles import SELLING_ROLES
from csm_tui.domain.values import Money
from csm_tui.i18n import listed, t
from csm_tui.policy import Policy
from csm_tui.rules import suitability as rules
from csm_tui.rules.cadence import Cadence
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, said, screen
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.workstation import Workstation


@dataclass(frozen=True)
class SaleContext:
    """What the wizard works from once the client is identified."""

    client: Client
    status: rules.AssessmentStatus
    history: list[RiskAssessment]
    products: list[Product]  # on sale today
    outlet: Outlet | None
    salesperson: Staff  # as they stand now (certificates, outlet), not as read at sign-in
    recent_purchases: Decimal = Decimal(0)  # judged with the purchase for proportion (rules.recent_purchases)


@dataclass(frozen=True)
class Confirmations:
    """What the client confirmed at the counter."""

    disclosure_shown: bool = False
    documents_read: bool = False
    sentence_copied: bool = False  # the hand-copied risk-confirmation sentence
    recording_ref: str = ""  # 双录
    insisted_warning: bool = False  # the special written warning shown in full and confirmed
    elderly_warning: bool = False
    still_holds: bool = False  # a reused assessment: the client confirms their situation has not changed
    qualified_investor: bool = False  # a private placement: the client confirms being a qualified investor

    @staticmethod
    def required(verdict: rules.Verdict) -> list[str]:
        """The confirmations the verdict asks for, in the order the wizard shows them."""
        needed = ["disclosure_shown", "documents_read", "sentence_copied"]
        conditional = {
            "still_holds": verdict.reused,
            "qualified_investor": verdict.qualified_investor,
            "insisted_warning": verdict.insisted,
            "elderly_warning": verdict.extra_care,
            "recording_ref": verdict.dual_recording,
        }
        return needed + [name for name, asked in conditional.items() if asked]

    def missing(self, verdict: rules.Verdict) -> list[str]:
        """What still stands between the verdict and a sale."""
        return [name for name in self.required(verdict) if not _given(getattr(self, name))]


def _given(value: bool | str) -> bool:
    return bool(value.strip()) if isinstance(value, str) else value


class ConfirmationsMissing(DomainError):
    """Confirmations the sale still needs; ``names`` are the fields, the message names them in words."""

    def __init__(self, names: list[str]) -> None:
        super().__init__("confirmations_missing", missing=listed(t(f"confirm.{n}") for n in names))
        self.names = tuple(names)


def check(
    ctx: SaleContext,
    assessment: RiskAssessment | None,
    product: Product,
    amount: Decimal,
    now: dt.datetime,
    policy: Policy,
) -> rules.Verdict:
    """The 4S check of selling ``product`` for ``amount`` in ``ctx`` on ``assessment``: the one check the wizard shows
    and the service decides again when it records, from the same facts."""
    if ctx.outlet is None:
        raise DomainError("no_outlet")
    return rules.check_4s(
        client=ctx.client, assessment=assessment, scored_lowest=bool(assessment and assessment.lowest_category),
        product=product, amount=amount, outlet=ctx.outlet, staff=ctx.salesperson, now=now, policy=policy,
        other_purchases=ctx.recent_purchases,
    )  # fmt: skip


def recording_ref_valid(ref: str, policy: Policy) -> bool:
    """A 双录 reference in the policy's format (default: letters, digits and ``-``, 6–40 characters)."""
    return re.fullmatch(policy.suitability.recording_ref_pattern, ref.strip()) is not None


def context(ws: Workstation, client_id: int) -> SaleContext:
    """The client (own clients only), the assessment's status, what is on sale today, and the salesperson and outlet
    as they stand now (the wizard's 4S check shows a certificate withdrawn after sign-in as it is)."""
    now = ws.time.now().datetime
    with ws.uow() as tx:
        staff = tx.staff.get(ws.staff.id)
        if staff is None or not staff.active:
            raise AccessDenied("staff")
        client = tx.clients.get_to_change(client_id)  # no sale by a colleague covering the manager's leave
        history = tx.assessments.history(client_id)
        products = tx.products.on_sale(ws.time.today())
        outlet = tx.outlets.get(staff.outlet_id) if staff.outlet_id is not None else None
        recent = rules.recent_purchases(tx.sales.for_client(client_id), client.assets_as_of, now, ws.policy)
    status = rules.assessment_status(history, now, ws.policy)
    return SaleContext(client, status, history, products, outlet, staff, recent)


def assess(ws: Workstation, client_id: int, answers: dict[str, str], *, face_to_face: bool) -> RiskAssessment:
    """Store a new assessment whole (answers, score, level, staff, time), within the legal limits.

    The client's row is locked first, so two workstations assessing one client at once take turns and the daily
    and yearly limits hold. The time is taken once it is locked, and after every sale already made to the client
    (``rules.stamp``): a new assessment never reads as current at a sale made before it.
    """
    scored = rules.score(answers, ws.policy)
    with ws.uow(write=True) as tx:
        tx.clients.lock(client_id)
        history = tx.assessments.history(client_id)
        now = rules.stamp(
            ws.time.now().datetime,
            not_before=[a.taken_at for a in history],
            after=[s.sold_at for s in tx.sales.for_client(client_id)],
        )
        status = rules.assessment_status(history, now, ws.policy)
        if not status.can_assess:
            raise DomainError(status.refusal or "assess_limit_day")
        if status.first and not face_to_face:
            raise DomainError("first_face_to_face")
        saved = tx.assessments.add(
            NewRiskAssessment(
                client_id=client_id, staff_id=ws.staff.id, taken_at=now, answers=answers, score=scored.score,
                level=scored.level, lowest_category=scored.lowest_category, face_to_face=face_to_face,
                valid_until=rules.valid_until(now, ws.policy),
            )
        )  # fmt: skip
        tx.commit()
    return saved


_AMOUNT: TypeAdapter[Decimal] = TypeAdapter(Money)


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


def snapshot(attempt: Attempt, staff: Staff, today: dt.date) -> dict[str, Any]:
    """The record's detail: everything the decision rested on, as it stood (no full ID or phone numbers)."""
    c, a, p, v = attempt.ctx.client, attempt.assessment, attempt.product, attempt.verdict
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
        "other_purchases": str(attempt.ctx.recent_purchases),
        "checks": [{"code": k.code, "passed": k.passed, "reason": k.reason_key, "params": k.params} for k in v.checks],
        "insisted": v.insisted, "extra_care": v.extra_care, "dual_recording": v.dual_recording, "review": v.review,
        "confirmations": dataclasses.asdict(attempt.confirmations),
        "required": Confirmations.required(v),
        "salesperson": {"login": staff.login, "name": staff.name,
                        "qualifications": sorted(q.value for q in staff.valid_qualifications(today))},
    }  # fmt: skip


def _obligations(verdict: rules.Verdict) -> tuple[bool, ...]:
    """What the client was told and asked to confirm: a verdict that differs in these was not the one shown."""
    v = verdict
    return (v.insisted, v.extra_care, v.dual_recording, v.review, v.reused, v.qualified_investor)


def record(ws: Workstation, attempt: Attempt, outcome: SuitabilityOutcome) -> Recorded:
    """Write the attempt's record, and for a sale the sale, the holding and the follow-up tasks: one transaction.

    The decision is taken again inside the transaction, from the database as it stands, with the client's row
    locked: the client (age, civil capacity, assets and other purchases), the client's own current assessment (the
    one the attempt names must be it: one taken meanwhile refuses with "the assessment changed"), the product, and
    the salesperson's certificates and outlet's licence as they are now. A sale the rules forbid, a verdict whose
    obligations changed since it was shown, a missing confirmation or a malformed 双录 reference refuses the whole
    write. Anything but a sale is recorded as blocked (the rules said no) or refused (the client said no), as the
    verdict now stands.

    Only a role that sells (``roles.SELLING_ROLES``: client managers and 沃德 client managers) records an attempt:
    anyone else is refused with the permission refusal (``AccessDenied``), before anything else is judged, and
    nothing is written — not even a blocked record in their name. The role is checked again as it stands in the
    database, inside the transaction.
    """
    _may_sell(ws.staff)
    amount = _AMOUNT.validate_python(attempt.amount)  # not a number, fractions of a fen: refused with the reason
    if amount <= 0:
        raise DomainError("amount_not_positive")
    client_id = attempt.ctx.client.id
    ref = attempt.confirmations.recording_ref.strip()
    if ref and not recording_ref_valid(ref, ws.policy):
        raise DomainError("recording_ref_format")
    with ws.uow(write=True) as tx:
        tx.clients.lock(client_id)
        history = tx.assessments.history(client_id)
        # Timed once locked, and no earlier than the client's assessments (rules.stamp): the one it rests on is the
        # one current at its time, as the record and the scoreboard read it.
        now = rules.stamp(ws.time.now().datetime, not_before=[a.taken_at for a in history])
        today = rules.branch_day(now, ws.policy)
        client = tx.clients.get(client_id)
        staff = tx.staff.get(ws.staff.id)
        if staff is None or not staff.active:
            raise AccessDenied("staff")
        _may_sell(staff)  # the role as it stands now, not as it was at sign-in
        outlet = tx.outlets.get(staff.outlet_id) if staff.outlet_id is not None else None
        if outlet is None:
            raise DomainError("no_outlet")
        product = tx.products.get(attempt.product.id)
        if product is None:
            raise DomainError("sale_blocked")
        assessment = _current_assessment(history, attempt.assessment, now, ws.policy)
        recent = rules.recent_purchases(tx.sales.for_client(client_id), client.assets_as_of, now, ws.policy)
        ctx = dataclasses.replace(attempt.ctx, client=client, outlet=outlet, salesperson=staff, recent_purchases=recent)
        verdict = check(ctx, assessment, product, amount, now, ws.policy)
        if outcome is SuitabilityOutcome.SOLD:
            if attempt.regular_plan and product.category is not ProductCategory.FUND:
                raise DomainError("regular_plan_fund_only")
            expired = next((c for c in verdict.failed if c.code == "id_valid"), None)
            if expired is not None:  # KYC: no business on an expired ID (as the client's row stands, locked)
                raise DomainError("id_expired", expiry=expired.params.get("expiry", ""))
            if not verdict.allowed:
                raise DomainError("sale_blocked")
            if _obligations(verdict) != _obligations(attempt.verdict):
                raise DomainError("check_changed")
            missing = attempt.confirmations.missing(verdict)
            if missing:
                raise ConfirmationsMissing(missing)
            if verdict.review and staff.supervisor_id is None:
                raise DomainError("no_supervisor")
        else:
            outcome = SuitabilityOutcome.REFUSED if verdict.allowed else SuitabilityOutcome.BLOCKED
        attempt = dataclasses.replace(
            attempt, ctx=ctx, product=product, amount=amount, assessment=assessment, verdict=verdict
        )
        saved = tx.suitability.add(
            NewSuitabilityRecord(
                client_id=client_id, staff_id=staff.id, outlet_id=outlet.id, product_id=product.id,
                amount=attempt.amount, assessment_id=assessment.id if assessment else None, outcome=outcome,
                created_at=now, recording_ref=ref, detail=snapshot(attempt, staff, today),
            )
        )  # fmt: skip
        sale = None
        if outcome is SuitabilityOutcome.SOLD:
            sale = _sell(tx, ws, attempt, saved, staff, now)
        tx.commit()
    return Recorded(saved, sale)


def _may_sell(staff: Staff) -> None:
    """``AccessDenied`` ("无权销售…") unless ``staff``'s role sells: a supervisor reviews sales, the admin runs the
    data, the lobby and tellers refer; none of them records a sale or an attempt at one."""
    if staff.role not in SELLING_ROLES:
        raise AccessDenied("sale")


def _current_assessment(
    history: list[RiskAssessment], named: RiskAssessment | None, now: dt.datetime, policy: Policy
) -> RiskAssessment | None:
    """The client's current assessment (the latest, if valid today), which must be the one the attempt names."""
    status = rules.assessment_status(history, now, policy)
    current = status.latest if status.valid else None
    named_id = named.id if named is not None else None
    if named_id != (current.id if current is not None else None):
        if named_id is not None and named_id not in {a.id for a in history}:
            raise DomainError("assessment_not_clients")
        raise DomainError("assessment_changed")
    return current


def _sell(
    tx: UnitOfWork, ws: Workstation, attempt: Attempt, saved: SuitabilityRecord, staff: Staff, now: dt.datetime
) -> Sale:
    client, product, verdict = attempt.ctx.client, attempt.product, attempt.verdict
    cooling = now + dt.timedelta(hours=verdict.cooling_off_hours) if verdict.cooling_off_hours else None
    sale = tx.sales.add(
        NewSale(
            client_id=client.id, staff_id=staff.id, outlet_id=saved.outlet_id, product_id=product.id,
            amount=attempt.amount, sold_at=now, suitability_id=saved.id, cooling_off_until=cooling,
            regular_plan=attempt.regular_plan,
        )
    )  # fmt: skip
    today = ws.time.today()
    maturity = today + dt.timedelta(days=product.term_days) if product.term_days else None
    tx.holdings.add(
        NewHolding(
            client_id=client.id, product_id=product.id, amount=attempt.amount, start_date=today,
            maturity_date=maturity, status=HoldingStatus.ACTIVE, sale_id=sale.id,
        )
    )  # fmt: skip
    callback = Cadence(ws.policy).service_callback(now, client.phone_opt_out)
    tx.tasks.add(
        NewTask(
            client_id=client.id, staff_id=staff.id, kind=callback.kind, due_on=callback.due_on,
            origin=TaskOrigin.SALE, origin_id=sale.id, created_at=now,
        )
    )  # fmt: skip
    if verdict.review and staff.supervisor_id is not None:
        tx.tasks.add(
            NewTask(
                client_id=client.id, staff_id=staff.supervisor_id, kind=TaskKind.REVIEW, due_on=today,
                origin=TaskOrigin.SALE, origin_id=sale.id, created_at=now,
            )
        )  # fmt: skip
    return sale


@dataclass(frozen=True)
class CancellableSale:
    """A sale that may still be cancelled in its cooling-off period, as the cancel dialog names it."""

    sale_id: int
    product: str
    amount: Decimal
    sold_at: dt.datetime
    cooling_off_until: dt.datetime


def _cancellable(tx: UnitOfWork, sale_id: int, now: dt.datetime) -> tuple[Sale, dt.datetime]:
    """The sale, if it may be cancelled now (own client, not cancelled, inside its cooling-off period), else the
    refusal: the one check both the dialog's question and the cancel itself make."""
    found = tx.sales.get(sale_id)
    if found is None:
        raise LookupError(sale_id)
    tx.clients.get(found.client_id)  # own clients only
    until = found.cooling_off_until
    if until is None or not rules.in_cooling_off(found, now):
        raise DomainError("not_in_cooling_off")
    return found, until


def cancellable(ws: Workstation, sale_id: int) -> CancellableSale:
    """Asked before the reason is typed: the sale named (product, amount, when sold, until when it may be cancelled),
    or the refusal at once when it may not be cancelled. ``cancel_in_cooling_off`` checks again when it saves."""
    with ws.uow() as tx:
        found, until = _cancellable(tx, sale_id, ws.time.now().datetime)
        product = tx.products.get(found.product_id)
        return CancellableSale(
            sale_id=sale_id, product=product.name if product else "", amount=found.amount, sold_at=found.sold_at,
            cooling_off_until=until,
        )  # fmt: skip


def cancel_in_cooling_off(
    ws: Workstation, sale_id: int, reason: str, confirmed: PhrasesConfirmed | None = None
) -> SuitabilityRecord:
    """The client cancels within the cooling-off period: the sale and its holding are cancelled in full, its 回访 and
    review tasks are dropped, and a new record (outcome cancelled) references the sale's record, which stays as it
    was. Refused (``ForbiddenPhrases``) while the reason holds a forbidden phrase ``confirmed`` does not keep: the
    reason stays in the record for 20 years."""
    reason = said(reason)
    if not reason:
        raise DomainError("reason_required")
    hits = screen(ws, {"note": reason}, confirmed, entity="sales", entity_id=str(sale_id))
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        found, until = _cancellable(tx, sale_id, now)
        original = tx.suitability.get(found.suitability_id) if found.suitability_id is not None else None
        tx.sales.cancel(sale_id, now)
        for task in tx.tasks.open_for_origin(TaskOrigin.SALE, sale_id):
            tx.tasks.close(task.id, TaskStatus.CANCELLED, now)
        correction = tx.suitability.add(
            NewSuitabilityRecord(
                client_id=found.client_id, staff_id=ws.staff.id, outlet_id=found.outlet_id,
                product_id=found.product_id, amount=found.amount,
                assessment_id=original.assessment_id if original else None, outcome=SuitabilityOutcome.CANCELLED,
                created_at=now, corrects_id=found.suitability_id,
                detail={"cancelled_sale": sale_id, "reason": reason, "cooling_off_until":
                        until.isoformat()},
            )
        )  # fmt: skip
        record_confirmed(tx, hits, confirmed, entity="sales", entity_id=str(sale_id))
        tx.commit()
    return correction
