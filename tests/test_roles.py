"""Issue 8: roles are enforced by the repositories themselves, whatever a screen shows or hides — on SQLite and
PostgreSQL. A CSM works with own clients, a supervisor with the team's, a 沃德 client manager with clients referred
to them, lobby managers and tellers only record referrals, an admin does everything (and alone writes staff,
outlets, products, clients from imports and balances)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from csm_tui.domain.enums import (
    Channel,
    Disposition,
    Grade,
    ProductCategory,
    ReferralKind,
    ReferralStatus,
    RiskLevel,
    RiskRating,
    Role,
    SuitabilityOutcome,
    TaskKind,
    TaskStatus,
)
from csm_tui.domain.models import (
    Appointment,
    Client,
    ContactRecord,
    DailyBalance,
    Holding,
    Outlet,
    Product,
    Referral,
    RiskAssessment,
    Sale,
    Staff,
    SuitabilityRecord,
    Task,
)
from csm_tui.services.ports import AccessDenied
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

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


@pytest.fixture
def branch(uow_factory: SqlUnitOfWorkFactory) -> Branch:
    with uow_factory(write=True) as tx:
        o = tx.outlets.add(Outlet(code="B01", name="营业部")).id or 0
        staff: dict[str, Staff] = {"admin": tx.staff.add(Staff(login="admin", name="管理员", role=Role.ADMIN))}
        for login in ("sup1", "sup2"):
            staff[login] = tx.staff.add(Staff(login=login, name=login, role=Role.SUPERVISOR, outlet_id=o))
        for login, sup in (("csm_a", "sup1"), ("csm_b", "sup2")):
            staff[login] = tx.staff.add(
                Staff(login=login, name=login, role=Role.CSM, grade=Grade.CSM, outlet_id=o, supervisor_id=staff[sup].id)
            )
        for login, role in (("wm", Role.WEALTH_MANAGER), ("lobby", Role.LOBBY), ("teller", Role.TELLER)):
            staff[login] = tx.staff.add(Staff(login=login, name=login, role=role, outlet_id=o))
        product = (
            tx.products.add(
                Product(code="WM001", name="天添利", category=ProductCategory.WEALTH, issuer_rating=RiskRating.R2)
            ).id
            or 0
        )
        clients, tasks, sales = {}, {}, {}
        for n, (key, manager) in enumerate((("a", "csm_a"), ("b", "csm_b"), ("w", "csm_b"))):
            m = staff[manager].id or 0
            c = clients[key] = (
                tx.clients.add(
                    Client(number=f"C{n}", name=f"客户{key}", resident_id=IDS[key], mobile="13800138000", manager_id=m)
                ).id
                or 0
            )
            tx.holdings.add(Holding(client_id=c, product_id=product, amount=Decimal(1000), start_date=TODAY))
            tx.contacts.add(contact(c, m))
            tasks[key] = tx.tasks.add(task(c, m, TaskKind.CALLBACK)).id or 0
            tx.appointments.add(Appointment(client_id=c, staff_id=m, starts_at=NOW + dt.timedelta(days=1)))
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
    return ContactRecord(client_id=c, staff_id=m, channel=Channel.PHONE, started_at=NOW, disposition=Disposition.BUSY)


def task(c: int, m: int, kind: TaskKind) -> Task:
    return Task(client_id=c, staff_id=m, kind=kind, due_on=TODAY, created_at=NOW)


def assessment(c: int, m: int) -> RiskAssessment:
    return RiskAssessment(
        client_id=c, staff_id=m, taken_at=NOW, answers={}, score=60, level=RiskLevel.C2, face_to_face=True,
        valid_until=TODAY + dt.timedelta(days=365),
    )  # fmt: skip


def suitability(c: int, m: int, o: int, p: int) -> SuitabilityRecord:
    return SuitabilityRecord(
        client_id=c, staff_id=m, outlet_id=o, product_id=p, amount=Decimal(1000), outcome=SuitabilityOutcome.SOLD,
        created_at=NOW, detail={},
    )  # fmt: skip


def sale(c: int, m: int, o: int, p: int, s: int) -> Sale:
    return Sale(
        client_id=c, staff_id=m, outlet_id=o, product_id=p, amount=Decimal(1000), sold_at=NOW, suitability_id=s,
    )  # fmt: skip


def referral(c: int, by: int, to: int, kind: ReferralKind = ReferralKind.WODE) -> Referral:
    return Referral(client_id=c, kind=kind, from_staff_id=by, to_staff_id=to, created_at=NOW)


# --- reading a client's records ----------------------------------------------------------------------------------

Reader = Callable[[SqlUnitOfWork, Branch, str], Any]
READERS: dict[str, Reader] = {
    "clients.get": lambda tx, b, k: tx.clients.get(b.clients[k]),
    "holdings.for_client": lambda tx, b, k: tx.holdings.for_client(b.clients[k]),
    "contacts.for_client": lambda tx, b, k: tx.contacts.for_client(b.clients[k]),
    "contacts.count": lambda tx, b, k: tx.contacts.count(b.clients[k], Disposition.BUSY, NOW, NOW),
    "tasks.open_for_client": lambda tx, b, k: tx.tasks.open_for_client(b.clients[k]),
    "tasks.get": lambda tx, b, k: tx.tasks.get(b.tasks[k]),
    "appointments.for_client": lambda tx, b, k: tx.appointments.for_client(b.clients[k], NOW),
    "assessments.latest": lambda tx, b, k: tx.assessments.latest(b.clients[k]),
    "assessments.history": lambda tx, b, k: tx.assessments.history(b.clients[k]),
    "suitability.for_client": lambda tx, b, k: tx.suitability.for_client(b.clients[k]),
    "sales.for_client": lambda tx, b, k: tx.sales.for_client(b.clients[k]),
    "sales.get": lambda tx, b, k: tx.sales.get(b.sales[k]),
    "referrals.for_client": lambda tx, b, k: tx.referrals.for_client(b.clients[k]),
    "balances.daily": lambda tx, b, k: tx.balances.daily(b.clients[k], TODAY, TODAY),
}


@pytest.mark.parametrize("reader", READERS)
def test_each_role_reads_exactly_the_clients_it_may_see_in_full(branch: Branch, reader: str) -> None:
    read = READERS[reader]
    for who, allowed in FULL.items():
        seen = set()
        with branch.uow(who) as tx:
            for key in branch.clients:
                try:
                    found = read(tx, branch, key)
                except AccessDenied:
                    continue
                assert found not in (None, []), (who, key)
                seen.add(key)
        assert seen == allowed, who


def test_everyone_sees_the_masked_summary_of_any_client(branch: Branch) -> None:
    for who in FULL:
        with branch.uow(who) as tx:
            for key, client_id in branch.clients.items():
                summary = tx.clients.summary(client_id)
                assert summary is not None and IDS[key] not in summary.masked_id and "****" in summary.masked_mobile


def test_a_wealth_manager_loses_the_client_when_the_referral_is_returned(branch: Branch) -> None:
    with branch.uow("wm", write=True) as tx:
        [open_one] = tx.referrals.open_to(branch.sid("wm"))
        tx.referrals.close(open_one.id or 0, ReferralStatus.RETURNED, "未达标", NOW)
        tx.commit()
    with branch.uow("wm") as tx, pytest.raises(AccessDenied):
        tx.clients.get(branch.clients["w"])


# --- writing a client's records ----------------------------------------------------------------------------------

Writer = Callable[[SqlUnitOfWork, Branch, int, int], Any]
WRITERS: dict[str, Writer] = {
    "contacts.add": lambda tx, b, c, m: tx.contacts.add(contact(c, m)),
    "tasks.add": lambda tx, b, c, m: tx.tasks.add(task(c, m, TaskKind.FOLLOW_UP)),
    "appointments.add": lambda tx, b, c, m: tx.appointments.add(Appointment(client_id=c, staff_id=m, starts_at=NOW)),
    "assessments.add": lambda tx, b, c, m: tx.assessments.add(assessment(c, m)),
    "suitability.add": lambda tx, b, c, m: tx.suitability.add(suitability(c, m, b.outlet, b.product)),
    "holdings.add": lambda tx, b, c, m: tx.holdings.add(
        Holding(client_id=c, product_id=b.product, amount=Decimal(5), start_date=TODAY)
    ),
    "clients.update": lambda tx, b, c, m: tx.clients.update(c, 1, note="改"),
    "clients.set_flags": lambda tx, b, c, m: tx.clients.set_flags(c, sms_opt_out=True),
}


@pytest.mark.parametrize("writer", WRITERS)
def test_each_role_writes_only_for_the_clients_it_may_see_in_full(branch: Branch, writer: str) -> None:
    write = WRITERS[writer]
    for who, allowed in FULL.items():
        for key, client_id in branch.clients.items():
            with branch.uow(who, write=True) as tx:
                try:
                    write(tx, branch, client_id, branch.sid(who))
                    written = True
                except AccessDenied:
                    written = False
                # nothing is committed: each attempt starts from the same branch
            assert written == (key in allowed), (who, key)


def test_closing_a_task_or_cancelling_a_sale_of_another_managers_client_is_refused(branch: Branch) -> None:
    with branch.uow("csm_a", write=True) as tx:
        with pytest.raises(AccessDenied):
            tx.tasks.close(branch.tasks["b"], TaskStatus.DONE, NOW)
        with pytest.raises(AccessDenied):
            tx.sales.cancel(branch.sales["b"], NOW)
        with pytest.raises(AccessDenied):
            tx.tasks.delete(branch.tasks["b"])
        with pytest.raises(AccessDenied):
            tx.clients.delete(branch.clients["a"])  # even one's own: clients leave with the bank's data
        tx.tasks.close(branch.tasks["a"], TaskStatus.DONE, NOW)  # own: fine


# --- admin only ----------------------------------------------------------------------------------------------------

ADMIN_WRITES: dict[str, Callable[[SqlUnitOfWork, Branch], Any]] = {
    "outlets.add": lambda tx, b: tx.outlets.add(Outlet(code="B99", name="新网点")),
    "staff.add": lambda tx, b: tx.staff.add(Staff(login="new01", name="新人", role=Role.ADMIN)),
    "products.add": lambda tx, b: tx.products.add(
        Product(code="X1", name="新品", category=ProductCategory.FUND, issuer_rating=RiskRating.R5)
    ),
    "clients.add (import)": lambda tx, b: tx.clients.add(
        Client(number="C9", name="新客户", resident_id="110105197001010054", manager_id=b.sid("csm_b"))
    ),
    "staff.delete": lambda tx, b: tx.staff.delete(b.sid("teller")),
    "balances.record": lambda tx, b: tx.balances.record(
        [DailyBalance(client_id=b.clients["a"], day=TODAY + dt.timedelta(days=1), balance=Decimal(9))]
    ),
}


@pytest.mark.parametrize("action", ADMIN_WRITES)
def test_staff_outlets_products_imports_and_balances_are_the_admins(branch: Branch, action: str) -> None:
    # A manager may add a client of their own (csm_b, the new client's manager); importing is the admin's.
    allowed = {"admin", "csm_b"} if action == "clients.add (import)" else {"admin"}
    for who in FULL:
        with branch.uow(who, write=True) as tx:
            if who in allowed:
                ADMIN_WRITES[action](tx, branch)
            else:
                with pytest.raises(AccessDenied):
                    ADMIN_WRITES[action](tx, branch)


# --- referrals --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lobby", "teller"])
def test_lobby_and_tellers_record_referrals_and_nothing_else(branch: Branch, who: str) -> None:
    a, me = branch.clients["a"], branch.sid(who)
    with branch.uow(who, write=True) as tx:
        made = tx.referrals.add(referral(a, me, branch.sid("csm_a"), ReferralKind.WALK_IN))
        tx.tasks.add(task(a, branch.sid("csm_a"), TaskKind.REFERRAL))  # lands in the CSM's queue
        with pytest.raises(AccessDenied):
            tx.referrals.add(referral(a, branch.sid("csm_b"), branch.sid("csm_a"), ReferralKind.WALK_IN))
        with pytest.raises(AccessDenied):
            tx.referrals.close(made.id or 0, ReferralStatus.ACCEPTED, "", NOW)  # only the receiving CSM
        with pytest.raises(AccessDenied):
            tx.contacts.add(contact(a, me))
        with pytest.raises(AccessDenied):
            tx.referrals.involving(branch.sid("csm_a"))
        assert [r.id for r in tx.referrals.involving(me)] == [made.id]
        tx.commit()
    with branch.uow("csm_a", write=True) as tx:
        tx.referrals.close(made.id or 0, ReferralStatus.ACCEPTED, "", NOW)
        tx.commit()


def test_supervisors_see_their_teams_referrals_only(branch: Branch) -> None:
    with branch.uow("sup2") as tx:
        assert len(tx.referrals.involving(branch.sid("csm_b"))) == 3  # two walk-ins to csm_b, one 沃德 by csm_b
        with pytest.raises(AccessDenied):
            tx.referrals.open_to(branch.sid("wm"))  # the 沃德 manager is in no one's team
    with branch.uow("sup1") as tx, pytest.raises(AccessDenied):
        tx.referrals.involving(branch.sid("csm_b"))
    with branch.uow("csm_a") as tx, pytest.raises(AccessDenied):
        tx.referrals.open_to(branch.sid("wm"))
