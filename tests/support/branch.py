"""The branch builder: how a test writes the branch it works on — an outlet, its staff, products and clients —
through a unit of work acting for the system, with the defaults every branch shares (the outlet, the bank's data
date). Each feature's fixture (in its folder's ``conftest.py``) builds its own small branch with it.

``office`` is the branch of the import and export tests: outlet SH001 徐汇, the admin ``boss``, CSMs ``csm01`` and
``csm02``, the supervisor ``hall1``, the teller ``teller1`` and one product, with a workstation for each person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import ric

from csm_tui.cli import open_workstation
from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Grade, LeaveKind, ProductCategory, RiskRating, Role
from csm_tui.domain.models import NewClient, NewOutlet, NewProduct, NewStaff, Staff
from csm_tui.policy import Policy
from csm_tui.services.leave import colleagues, record_leave
from csm_tui.services.workstation import Workstation, find_staff, sign_in
from storage.engine import make_engine
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.support.clock import FROZEN_AT

TZ = "Asia/Shanghai"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 11, 27)  # Friday: FROZEN_AT in Shanghai
AS_OF = TODAY - dt.timedelta(days=2)  # the bank's batch is T+2


def rid(area: str, born: dt.date, sequence: int) -> str:
    """A valid resident ID number."""
    body = f"{area}{born:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def numbered_rid(n: int) -> str:
    """The ``n``-th of a row of valid resident ID numbers (Beijing, born 101 days apart from 1970)."""
    return rid("110105", dt.date(1970, 1, 1) + dt.timedelta(days=101 * n), n)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """Shanghai wall time on ``day``, in UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI).astimezone(dt.UTC)


class BranchBuilder:
    """Writes a branch in one write unit of work: ``outlet()`` first, then staff, products and clients in it."""

    def __init__(self, tx: SqlUnitOfWork, as_of: dt.date | None = AS_OF) -> None:
        self.tx = tx
        self.as_of = as_of
        self.outlet_id: int | None = None

    def outlet(self, code: str = "B01", name: str = "上海分行营业部", **more: Any) -> int:
        outlet = self.tx.outlets.add(NewOutlet(code=code, name=name, **more))
        assert outlet.id is not None
        self.outlet_id = outlet.id
        return outlet.id

    def staff(self, login: str, name: str, role: Role, **more: Any) -> Staff:
        more.setdefault("outlet_id", self.outlet_id)
        if role is Role.CSM:
            more.setdefault("grade", Grade.CSM)
        return self.tx.staff.add(NewStaff(login=login, name=name, role=role, **more))

    def product(
        self,
        code: str,
        name: str,
        category: ProductCategory = ProductCategory.WEALTH,
        rating: RiskRating = RiskRating.R2,
        **more: Any,
    ) -> int:
        product = self.tx.products.add(
            NewProduct(code=code, name=name, category=category, issuer_rating=rating, **more)
        )
        assert product.id is not None
        return product.id

    def client(self, number: str, name: str, resident_id: str, manager: Staff | None, **more: Any) -> int:
        more.setdefault("outlet_id", self.outlet_id)
        more.setdefault("assets_as_of", self.as_of)
        added = self.tx.clients.add(
            NewClient(
                number=number,
                name=name,
                resident_id=resident_id,
                manager_id=None if manager is None else manager.id,
                **more,
            )
        )
        assert added.id is not None
        return added.id


def desk(factory: SqlUnitOfWorkFactory, staff: Staff, clock: FrozenClock, policy: Policy | None = None) -> Workstation:
    """``staff`` signed in to a workstation on the branch."""
    time = BranchTime(clock, TZ)
    return sign_in(factory.acting_as(staff), staff, time, policy or Policy(), False)


def workstation(factory: SqlUnitOfWorkFactory, staff: Staff, policy: Policy | None = None) -> Workstation:
    """``staff``'s workstation on the branch (on the factory's clock), without a sign-in: it may outlive the staff
    member's deactivation, as an open session does."""
    return Workstation(
        uow=factory.acting_as(staff), staff=staff, outlet=None, time=BranchTime(factory.clock, TZ),
        policy=policy or Policy(), demo=False,
    )  # fmt: skip


def demo_workstation(url: str, login: str) -> Workstation:
    """``login``'s workstation on the demo branch at ``url``, on the frozen clock, without a sign-in."""
    system = SqlUnitOfWorkFactory(make_engine(url), FrozenClock(FROZEN_AT))
    staff = find_staff(system, login)
    return Workstation(system.acting_as(staff), staff, None, BranchTime(system.clock, TZ), Policy(), True)


def csm01_away_covered(url: str) -> tuple[Workstation, Staff]:
    """On the demo branch at ``url``: csm01 on sick leave from today for five days, covered by their first
    colleague; csm01's workstation and the colleague."""
    owner = demo_workstation(url, "csm01")
    colleague = colleagues(owner, owner.staff.id)[0]
    today = owner.time.today()
    record_leave(owner, owner.staff.id, today, today + dt.timedelta(days=4), LeaveKind.SICK, colleague.id)
    return owner, colleague


def open_desk(url: str, login: str) -> Workstation:
    """The workstation ``login`` opens on the database at ``url``, as the app opens it, on the frozen clock."""
    return open_workstation(make_engine(url), FrozenClock(FROZEN_AT), Policy(), login)


def office(uow_factory: SqlUnitOfWorkFactory, clock: FrozenClock) -> dict[str, Workstation]:
    """SH001 徐汇: ``admin`` (boss), ``csm`` (csm01), ``csm02``, ``hall`` (hall1, a supervisor) signed in; a teller."""
    with uow_factory(write=True) as tx:
        build = BranchBuilder(tx, as_of=None)
        build.outlet("SH001", "徐汇")
        people = {
            "admin": build.staff("boss", "李强", Role.ADMIN),
            "csm": build.staff("csm01", "王芳", Role.CSM),
            "csm02": build.staff("csm02", "赵敏", Role.CSM, grade=Grade.SENIOR),
            "hall": build.staff("hall1", "孙浩", Role.SUPERVISOR),
        }
        build.staff("teller1", "钱多", Role.TELLER)
        build.product("WM001", "得利宝")
        tx.commit()
    return {key: desk(uow_factory, person, clock) for key, person in people.items()}
