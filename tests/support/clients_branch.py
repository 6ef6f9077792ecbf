"""The small branch of the client tests: an admin; a supervisor with CSM A in the team; CSM B in another
supervisor's team; a 沃德 wealth manager; a teller. A has 张三丰 (沃德 level), 王小明 (交银理财) and 李四 (ordinary);
B has 王大海 and 张三; 赵六 walked in and has no manager yet. The clock stands on Friday 27 November 2026, 10:00 in
Shanghai; the next working day is Monday 30 November. The ``branch`` fixture (tests/conftest.py) builds it per
backend."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import (
    AccountKind,
    Grade,
    RiskLevel,
    Role,
)
from csm_tui.domain.models import (
    Account,
    Client,
    DailyBalance,
    NewHolding,
    NewRiskAssessment,
    Staff,
)
from csm_tui.policy import Policy
from csm_tui.services.clients.finding import find_clients
from csm_tui.services.workstation import Workstation
from storage import audit
from storage.orm import AuditRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import AS_OF, TZ, BranchBuilder, rid

NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)


SUNDAY = dt.date(2026, 11, 29)


MONDAY = dt.date(2026, 11, 30)


TUESDAY = dt.date(2026, 12, 1)


WEDNESDAY = dt.date(2026, 12, 2)


THURSDAY = dt.date(2026, 12, 3)


FRIDAY_NEXT = dt.date(2026, 12, 4)


ZSF_ID = rid("110105", dt.date(1949, 12, 31), 2)  # 11010519491231002X


ZSF_MOBILE = "13912345678"


ZSF_CARD = "6222600110012345678"


WXM_ID = rid("310101", dt.date(1985, 6, 15), 123)


LS_ID = rid("440305", dt.date(1990, 2, 1), 456)


WDH_ID = rid("110105", dt.date(1975, 3, 8), 781)


WDH_MOBILE = "13912340000"  # shares a prefix with 张三丰's


WDH_CARD = "6222600110099998888"  # shares a prefix with 张三丰's card


ZS_ID = rid("310104", dt.date(1968, 10, 10), 333)


ZL_ID = rid("110108", dt.date(1995, 7, 7), 214)


@dataclass
class Branch:
    engine: Engine
    clock: FrozenClock
    system: SqlUnitOfWorkFactory
    admin: Staff
    supervisor: Staff
    other_supervisor: Staff
    csm_a: Staff
    csm_b: Staff
    wealth: Staff
    teller: Staff
    outlet_id: int
    zsf: int  # A's: 张三丰, at the 沃德 standard, holdings and an assessment
    wxm: int  # A's: 王小明, 交银理财
    ls: int  # A's: 李四, ordinary
    wdh: int  # B's: 王大海
    zs: int  # B's: 张三
    zl: int  # nobody's yet: 赵六, a walk-in

    def ws(self, staff: Staff) -> Workstation:
        return Workstation(
            uow=self.system.acting_as(staff),
            staff=staff,
            outlet=None,
            time=BranchTime(self.clock, TZ),
            policy=Policy(),
            demo=False,
        )

    def client(self, client_id: int) -> Client:
        with self.system() as tx:
            return tx.clients.get(client_id)

    def add_client(self, number: str, name: str, resident_id: str, manager: Staff | None, **more: object) -> int:
        with self.system(write=True) as tx:
            build = BranchBuilder(tx)
            build.outlet_id = self.outlet_id
            client_id = build.client(number, name, resident_id, manager, **more)
            tx.commit()
        return client_id

    def count(self, row: type[object], **where: object) -> int:
        with Session(self.engine) as session:
            query = select(func.count()).select_from(row)  # type: ignore[call-overload]
            for column, value in where.items():
                query = query.where(getattr(row, column) == value)
            return int(session.scalar(query) or 0)

    def audit_rows(self) -> list[AuditRow]:
        with Session(self.engine) as session:
            return list(session.scalars(select(AuditRow).order_by(AuditRow.id)))

    def chain_holds(self) -> bool:
        with self.engine.connect() as conn:
            return audit.verify(conn) is None


def build_branch(engine: Engine, clock: FrozenClock) -> Branch:
    system = SqlUnitOfWorkFactory(engine, clock)
    with system(write=True) as tx:
        build = BranchBuilder(tx)
        o = build.outlet()
        admin = build.staff("admin", "管理员", Role.ADMIN)
        sup = build.staff("sup01", "周主管", Role.SUPERVISOR)
        sup2 = build.staff("sup02", "吴主管", Role.SUPERVISOR)
        a = build.staff("csm01", "王芳", Role.CSM, supervisor_id=sup.id)
        b = build.staff("csm02", "李娜", Role.CSM, grade=Grade.SENIOR, supervisor_id=sup2.id)
        wm = build.staff("wode01", "陈经理", Role.WEALTH_MANAGER)
        teller = build.staff("teller01", "刘柜员", Role.TELLER)
        product_id = build.product(
            "DLB90", "得利宝90天", term_days=90, expected_yield=Decimal("2.8"), min_amount=Decimal("50000.00")
        )

        def client(number: str, name: str, resident_id: str, mobile: str, manager: Staff | None, **more: object) -> int:
            return build.client(number, name, resident_id, manager, mobile=mobile, **more)

        opened = dt.date(2015, 3, 1)
        zsf = client(
            "C100001", "张三丰", ZSF_ID, ZSF_MOBILE, a, address="北京市西城区金融大街1号", occupation="退休",
            balance=Decimal("530000.00"), avg_3m=Decimal("520000.00"),
            accounts=(Account(number=ZSF_CARD, kind=AccountKind.DEBIT_CARD, opened_on=opened),),
        )  # fmt: skip
        wxm = client(
            "C100002", "王小明", WXM_ID, "13800138001", a, balance=Decimal("82000.00"), avg_3m=Decimal("80000.00")
        )
        ls = client(
            "C100003", "李四", LS_ID, "13600136002", a, balance=Decimal("31000.00"), avg_3m=Decimal("30000.00"),
            accounts=(Account(number="6214830100000001", kind=AccountKind.SAVINGS, opened_on=opened),),
        )  # fmt: skip
        wdh = client(
            "C200001", "王大海", WDH_ID, WDH_MOBILE, b, balance=Decimal("210000.00"), avg_3m=Decimal("200000.00"),
            accounts=(Account(number=WDH_CARD, kind=AccountKind.DEBIT_CARD, opened_on=opened),),
        )  # fmt: skip
        zs = client("C200002", "张三", ZS_ID, "15000150005", b, avg_3m=Decimal("60000.00"))
        zl = client("C300001", "赵六", ZL_ID, "18600186006", None, avg_3m=Decimal("12000.00"))
        assert a.id is not None
        tx.holdings.add(
            NewHolding(
                client_id=zsf,
                product_id=product_id,
                amount=Decimal("300000.00"),
                start_date=dt.date(2026, 10, 1),
                maturity_date=dt.date(2026, 12, 30),
            )
        )
        tx.assessments.add(
            NewRiskAssessment(
                client_id=zsf,
                staff_id=a.id,
                taken_at=dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC),
                answers={"q1": "b"},
                score=70,
                level=RiskLevel.C3,
                valid_until=dt.date(2027, 5, 31),
            )
        )
        tx.balances.record(
            [DailyBalance(client_id=zsf, day=AS_OF - dt.timedelta(days=d), balance=Decimal("530000.00")) for d in (0,)]
        )
        tx.commit()
    assert o is not None
    return Branch(engine, clock, system, admin, sup, sup2, a, b, wm, teller, o, zsf, wxm, ls, wdh, zs, zl)


def names(ws: Workstation, text: str) -> list[str]:
    return [row.name for row in find_clients(ws, text)]
