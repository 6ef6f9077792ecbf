"""The marketing events' small branch: the clock on Friday 27 November 2026, 10:00 in Shanghai; the event on
Tuesday 1 December at 14:00."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, update

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import EventKind, ProductCategory, RiskRating, Role
from csm_tui.domain.models import Staff, Task
from csm_tui.policy import Policy
from csm_tui.services.events import day, planning
from csm_tui.services.events.planning import EventDraft
from csm_tui.services.workstation import Workstation
from storage.orm import ClientRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, numbered_rid

TZ = "Asia/Shanghai"
NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)  # Friday 10:00 in Shanghai
EVENT_AT = dt.datetime(2026, 12, 1, 6, tzinfo=dt.UTC)  # Tuesday 14:00 in Shanghai
EVENT_DAY = dt.date(2026, 12, 1)


@dataclass
class Branch:
    factory: SqlUnitOfWorkFactory
    clock: FrozenClock
    staff: dict[str, Staff]
    clients: dict[str, int]
    product: int

    def ws(self, login: str, policy: Policy | None = None) -> Workstation:
        staff = self.staff[login]
        return Workstation(
            uow=self.factory.acting_as(staff), staff=staff, outlet=None, time=BranchTime(self.clock, TZ),
            policy=policy or Policy(), demo=False,
        )  # fmt: skip

    def client(self, name: str, login: str | None = "wang", **more: object) -> int:
        n = len(self.clients) + 1
        with self.factory(write=True) as tx:
            picked = {k: more.pop(k) for k in ("employer", "securities_custody") if k in more}
            added = BranchBuilder(tx, as_of=None).client(
                f"C{n:04d}", name, numbered_rid(n), self.staff[login] if login else None,
                mobile=f"1390000{n:04d}", **{"avg_3m": Decimal("20000.00"), **more},
            )  # fmt: skip
            if picked:  # from the client import in the branch (tests/imports/test_events_import.py)
                tx.session.execute(update(ClientRow).where(ClientRow.id == added).values(**picked))
            tx.commit()
        self.clients[name] = added
        return added

    def tasks(self, name: str) -> list[Task]:
        with self.factory() as tx:
            return tx.tasks.open_for_client(self.clients[name])


def build_events_branch(engine: Engine, clock: FrozenClock) -> Branch:
    """Outlet A01: a supervisor, a lobby manager, the admin, CSMs wang and li, and one fund on the shelf."""
    factory = SqlUnitOfWorkFactory(engine, clock)
    with factory(write=True) as tx:
        build = BranchBuilder(tx, as_of=None)
        build.outlet("A01", "营业部")
        sup = build.staff("sup", "张主管", Role.SUPERVISOR)
        staff = {
            "sup": sup,
            "lobby": build.staff("lobby", "大堂", Role.LOBBY),
            "admin": build.staff("admin", "管理员", Role.ADMIN, outlet_id=None),
            "wang": build.staff("wang", "王芳", Role.CSM, supervisor_id=sup.id),
            "li": build.staff("li", "李娜", Role.CSM, supervisor_id=sup.id),
        }
        fund = build.product("F001", "稳健定投", ProductCategory.FUND, RiskRating.R2)
        tx.commit()
    return Branch(factory, clock, staff, {}, fund)


def draft(**more: object) -> EventDraft:
    values: dict[str, object] = {
        "kind": EventKind.PAYROLL, "title": "基金定投讲座", "starts_at": EVENT_AT, "place": "三楼会议室",
        "capacity": 2, "company": "上海电气", "product_ids": (),
    }  # fmt: skip
    values.update(more)
    return EventDraft(**values)  # type: ignore[arg-type]


def event(b: Branch, by: str = "sup", **more: object) -> int:
    return planning.create_event(b.ws(by), draft(product_ids=(b.product,), **more)).id


def invitation_of(b: Branch, event_id: int, name: str, by: str = "sup") -> int:
    listing = day.door_list(b.ws(by), event_id)
    return next(i.invitation_id for i in listing.invitees if i.client_id == b.clients[name])


def on_event_day(b: Branch) -> None:
    b.clock.set(dt.datetime(2026, 12, 1, 5, 30, tzinfo=dt.UTC))  # 13:30 in Shanghai


def invited(
    b: Branch, name: str = "甲", login: str = "wang", *, ago: dt.timedelta = dt.timedelta(0)
) -> tuple[int, int]:
    """The event, and the open invitation call of ``name`` (a new client of ``login``), invited by the supervisor
    ``ago`` before the clock's time (the clock is put back where it was)."""
    b.client(name, login)
    event_id = event(b)
    now = b.clock.now().datetime
    b.clock.set(now - ago)
    planning.invite_clients(b.ws("sup"), event_id, [b.clients[name]])
    b.clock.set(now)
    [task] = b.tasks(name)
    return event_id, task.id
