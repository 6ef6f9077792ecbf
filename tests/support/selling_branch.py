"""The selling tests' branch — an outlet, a supervisor, two CSMs with certificates, three clients and the products
of every rule the sale checks — and the helpers that assess and record on it. The ``branch`` fixture in
``tests/selling/conftest.py`` builds it per backend."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import (
    ProductCategory,
    QualificationKind,
    RiskLevel,
    RiskRating,
    Role,
    SuitabilityOutcome,
)
from csm_tui.domain.models import (
    NewProduct,
    Outlet,
    Qualification,
    RiskAssessment,
    Staff,
    SuitabilityRecord,
)
from csm_tui.domain.values import parse_money
from csm_tui.policy import Policy
from csm_tui.rules import suitability as rules
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.selling import attempts
from csm_tui.services.selling.attempts import Confirmations
from csm_tui.services.workstation import Workstation
from storage.orm import AuditRow, Base, ClientRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, rid

TZ = "Asia/Shanghai"


SHANGHAI = dt.timezone(dt.timedelta(hours=8))


TODAY = dt.date(2026, 11, 27)  # a Friday


NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)


MONDAY = dt.date(2026, 11, 30)


POLICY = Policy()


# The default questionnaire: 12 questions worth 2–10 points (A–E), bands C1 ≤ 50 < C2 ≤ 65 < C3 ≤ 80 < C4 ≤ 95 < C5.
QUESTIONS = POLICY.assessment.questionnaire.questions


LETTERS = {
    RiskLevel.C3: "C" * 12,  # 72
    RiskLevel.C4: "C" * 6 + "D" * 6,  # 84
    RiskLevel.C5: "E" * 12,  # 120
}


SCORES = {RiskLevel.C3: 72, RiskLevel.C4: 84, RiskLevel.C5: 120}


BASIC = Confirmations(disclosure_shown=True, documents_read=True, sentence_copied=True)


RECORDED = dataclasses.replace(BASIC, recording_ref="REC-0001")


QUALIFIED = dataclasses.replace(RECORDED, qualified_investor=True)  # for a private placement


EVERYTHING = dataclasses.replace(QUALIFIED, insisted_warning=True, elderly_warning=True, still_holds=True)


YOUNG_BORN = dt.date(1986, 5, 20)  # 40 on the frozen day


ELDERLY_BORN = dt.date(1956, 3, 8)  # 70 on the frozen day


def resident_id(born: dt.date, area: str = "310101") -> str:
    return rid(area, born, 123)


def answers(level: RiskLevel) -> dict[str, str]:
    return {**dict(zip(QUESTIONS, LETTERS[level], strict=True)), "s1": "A", "s2": "B"}  # not the lowest category


@dataclass
class Branch:
    engine: Engine
    clock: FrozenClock
    system: SqlUnitOfWorkFactory
    outlet: Outlet
    supervisor: Staff
    csm: Staff
    other: Staff
    young: int  # the CSM's client, 40, ¥500,000
    elderly: int  # the CSM's client, 70
    theirs: int  # the other CSM's client

    def ws(self, staff: Staff | None = None) -> Workstation:
        staff = staff or self.csm
        return Workstation(
            uow=self.system.acting_as(staff),
            staff=staff,
            outlet=self.outlet,
            time=BranchTime(self.clock, TZ),
            policy=Policy(),
            demo=False,
        )

    def stored(self, record_id: int) -> SuitabilityRecord:
        with self.system() as tx:
            found = tx.suitability.get(record_id)
        assert found is not None
        return found


def build_branch(engine: Engine, clock: FrozenClock) -> Branch:
    """An outlet, a supervisor, two CSMs with certificates, three clients and the products below."""
    system = SqlUnitOfWorkFactory(engine, clock)
    with system(write=True) as tx:
        build = BranchBuilder(tx, as_of=TODAY - dt.timedelta(days=2))
        outlet = tx.outlets.get(build.outlet("B01", "徐汇支行", sells_wealth=True))
        assert outlet is not None
        supervisor = build.staff("sup01", "赵主管", Role.SUPERVISOR)
        licences = tuple(
            Qualification(kind=kind, number=f"Q-{kind.value}", obtained_on=dt.date(2020, 3, 1))
            for kind in (QualificationKind.WEALTH_BASIC, QualificationKind.FUND)  # FUND: for the fund sales
        )
        csm = build.staff("csm01", "王芳", Role.CSM, supervisor_id=supervisor.id, qualifications=licences)
        other = build.staff("csm02", "李娜", Role.CSM, qualifications=licences)
        for product in PRODUCTS:
            tx.products.add(product)
        ids = []
        for n, (name, born, manager) in enumerate(
            [("张伟", YOUNG_BORN, csm), ("李秀英", ELDERLY_BORN, csm), ("王强", dt.date(1975, 1, 1), other)]
        ):
            ids.append(
                build.client(
                    f"C0000{n}", name, resident_id(born), manager, mobile=f"139123456{n}8",
                    balance=Decimal("500000.00"), avg_3m=Decimal("500000.00"),
                )
            )  # fmt: skip
        tx.commit()
    return Branch(engine, clock, system, outlet, supervisor, csm, other, *ids)


_W, _F, _B = ProductCategory.WEALTH, ProductCategory.FUND, ProductCategory.BOND
PRODUCTS = (
    NewProduct(
        code="W2", name="稳享 63 天", category=_W, issuer_rating=RiskRating.R2, min_amount=Decimal("10000"),
        term_days=63, dual_recording=True,
    ),
    NewProduct(code="W4", name="进取 180 天", category=_W, issuer_rating=RiskRating.R4, min_amount=Decimal("10000"),
            term_days=180),
    NewProduct(code="F4", name="成长混合基金", category=_F, issuer_rating=RiskRating.R4, min_amount=Decimal("1000")),
    NewProduct(
        code="PP3", name="私募精选 3 号", category=_W, issuer_rating=RiskRating.R3, min_amount=Decimal("1000000"),
        term_days=365, private_placement=True, cooling_off_hours=24,
    ),
    NewProduct(code="B1", name="国债 2026 第 8 期", category=_B, issuer_rating=RiskRating.R1, min_amount=Decimal("100"),
            term_days=1095, dual_recording=False),
)  # fmt: skip


def assess(ws: Workstation, client_id: int, level: RiskLevel, *, face_to_face: bool = True) -> RiskAssessment:
    return attempts.assess(ws, client_id, answers(level), face_to_face=face_to_face)


PRIVATE = "1000000"  # a private placement's least purchase (资管新规, equity type): the amount the tests sell


def enrich(branch: Branch, client_id: int, assets: str = "5000000.00") -> None:
    """The client's balance and 3-month average raised to ``assets``, so a private placement is in proportion."""
    with branch.system(write=True) as tx:
        tx.session.execute(
            update(ClientRow).where(ClientRow.id == client_id).values(balance=Decimal(assets), avg_3m=Decimal(assets))
        )
        tx.commit()


def attempt(
    ws: Workstation, client_id: int, code: str, amount: str, confirmations: Confirmations = BASIC
) -> attempts.Attempt:
    """What the wizard hands ``record``: the context, the valid assessment, the product, the 4S verdict."""
    money = parse_money(amount)  # as the wizard reads the amount typed
    ctx = attempts.context(ws, client_id)
    product = next(p for p in ctx.products if p.code == code)
    assessment = ctx.status.latest if ctx.status.valid else None
    assert ctx.outlet is not None
    verdict = rules.check_4s(
        client=ctx.client, assessment=assessment, scored_lowest=bool(assessment and assessment.lowest_category),
        product=product, amount=money, outlet=ctx.outlet, staff=ctx.salesperson, now=ws.time.now().datetime,
        policy=ws.policy, other_purchases=ctx.recent_purchases,
    )  # fmt: skip
    return attempts.Attempt(ctx, assessment, product, money, verdict, confirmations)


def tables(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (the audit log included): "nothing written" compares two of these."""
    with engine.connect() as conn:
        return {
            table.name: [dict(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()]
            for table in Base.metadata.sorted_tables
        }


def rows(engine: Engine, name: str) -> list[dict[str, Any]]:
    return tables(engine)[name]


def last_audit_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.max(AuditRow.id))) or 0


def audit_after(engine: Engine, mark: int) -> list[AuditRow]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditRow).where(AuditRow.id > mark).order_by(AuditRow.id)))


def queued(ws: Workstation) -> set[int]:
    return {item.client_id for item in today_queue(ws)}


SOLD, BLOCKED, CANCELLED = SuitabilityOutcome.SOLD, SuitabilityOutcome.BLOCKED, SuitabilityOutcome.CANCELLED
