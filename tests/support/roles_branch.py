"""The roles tests' branch: an admin, two supervisors each with a CSM, a 沃德 manager, a lobby manager and a teller;
three clients with a holding, a contact, a callback, a meeting, an assessment and a sale each. Built per backend by
the ``branch`` fixture of ``tests/storage/test_roles.py`` and of ``tests/app/conftest.py`` (the branch server tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from csm_tui.domain.enums import (
    Channel,
    Disposition,
    ReferralKind,
    ReferralStatus,
    RiskLevel,
    Role,
    SuitabilityOutcome,
    TaskKind,
)
from csm_tui.domain.models import (
    ContactRecord,
    DailyBalance,
    NewAppointment,
    NewContactRecord,
    NewHolding,
    NewReferral,
    NewRiskAssessment,
    NewSale,
    NewSuitabilityRecord,
    NewTask,
    Referral,
    RiskAssessment,
    Sale,
    Staff,
    SuitabilityRecord,
    Task,
)
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder

NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)


TODAY = dt.date(2026, 11, 27)


IDS = {"a": "11010519491231002X", "b": "310101198001191234", "w": "110105196001010017"}


@dataclass
class Branch:
    system: SqlUnitOfWorkFactory
    staff: dict[str, Staff]
    clients: dict[str, int]  # a: csm_a's (sup1's team), b and w: csm_b's (sup2's team); w referred to wm
    outlet: int
    product: int
    tasks: dict[str, int]
    sales: dict[str, int]

    def uow(self, who: str, *, write: bool = False) -> SqlUnitOfWork:
        return self.system.acting_as(self.staff[who])(write=write)

    def sid(self, who: str) -> int:
        return self.staff[who].id or 0


FULL = {
    "admin": {"a", "b", "w"},
    "sup1": {"a"},
    "sup2": {"b", "w"},
    "csm_a": {"a"},
    "csm_b": {"b", "w"},
    "wm": {"w"},
    "lobby": set(),
    "teller": set(),
}


def build_branch(uow_factory: SqlUnitOfWorkFactory) -> Branch:
    with uow_factory(write=True) as tx:
        build = BranchBuilder(tx, as_of=None)
        o = build.outlet("B01", "营业部")
        staff: dict[str, Staff] = {"admin": build.staff("admin", "管理员", Role.ADMIN, outlet_id=None)}
        for login in ("sup1", "sup2"):
            staff[login] = build.staff(login, login, Role.SUPERVISOR)
        for login, sup in (("csm_a", "sup1"), ("csm_b", "sup2")):
            staff[login] = build.staff(login, login, Role.CSM, supervisor_id=staff[sup].id)
        for login, role in (("wm", Role.WEALTH_MANAGER), ("lobby", Role.LOBBY), ("teller", Role.TELLER)):
            staff[login] = build.staff(login, login, role)
        product = build.product("WM001", "天添利")
        clients, tasks, sales = {}, {}, {}
        for n, (key, manager) in enumerate((("a", "csm_a"), ("b", "csm_b"), ("w", "csm_b"))):
            m = staff[manager].id or 0
            c = clients[key] = build.client(
                f"C{n}", f"客户{key}", IDS[key], staff[manager], mobile="13800138000", outlet_id=None
            )
            tx.holdings.add(NewHolding(client_id=c, product_id=product, amount=Decimal(1000), start_date=TODAY))
            tx.contacts.add(contact(c, m))
            tasks[key] = tx.tasks.add(task(c, m, TaskKind.CALLBACK)).id or 0
            tx.appointments.add(NewAppointment(client_id=c, staff_id=m, starts_at=NOW + dt.timedelta(days=1)))
            tx.assessments.add(assessment(c, m))
            record = tx.suitability.add(suitability(c, m, o, product))
            sales[key] = tx.sales.add(sale(c, m, o, product, record.id or 0)).id or 0
            tx.balances.record([DailyBalance(client_id=c, day=TODAY, balance=Decimal(1000))])
            walk_in = referral(c, staff["admin"].id or 0, m, ReferralKind.WALK_IN)
            tx.referrals.add(walk_in.model_copy(update={"status": ReferralStatus.ACCEPTED}))
        tx.referrals.add(referral(clients["w"], staff["csm_b"].id or 0, staff["wm"].id or 0))
        tx.commit()
    return Branch(uow_factory, staff, clients, o, product, tasks, sales)


def contact(c: int, m: int) -> ContactRecord:
    return NewContactRecord(
        client_id=c, staff_id=m, channel=Channel.PHONE, started_at=NOW, disposition=Disposition.BUSY
    )


def task(c: int, m: int, kind: TaskKind) -> Task:
    return NewTask(client_id=c, staff_id=m, kind=kind, due_on=TODAY, created_at=NOW)


def assessment(c: int, m: int) -> RiskAssessment:
    return NewRiskAssessment(
        client_id=c, staff_id=m, taken_at=NOW, answers={}, score=60, level=RiskLevel.C2, face_to_face=True,
        valid_until=TODAY + dt.timedelta(days=365),
    )  # fmt: skip


def suitability(c: int, m: int, o: int, p: int) -> SuitabilityRecord:
    return NewSuitabilityRecord(
        client_id=c, staff_id=m, outlet_id=o, product_id=p, amount=Decimal(1000), outcome=SuitabilityOutcome.SOLD,
        created_at=NOW, detail={},
    )  # fmt: skip


def sale(c: int, m: int, o: int, p: int, s: int) -> Sale:
    return NewSale(
        client_id=c, staff_id=m, outlet_id=o, product_id=p, amount=Decimal(1000), sold_at=NOW, suitability_id=s,
    )  # fmt: skip


def referral(c: int, by: int, to: int, kind: ReferralKind = ReferralKind.WODE) -> Referral:
    return NewReferral(client_id=c, kind=kind, from_staff_id=by, to_staff_id=to, created_at=NOW)


Reader = Callable[[SqlUnitOfWork, Branch, str], Any]
