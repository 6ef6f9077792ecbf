"""Today's queue from the database (``storage.queue_sources`` through ``today_queue``), on SQLite and PostgreSQL.

A small hand-made branch: two CSMs, clients each placed just inside or just outside one rule, built through the
repositories. The clock stands on Friday 27 November 2026, 10:00 in Shanghai (02:00Z); the next working day is
Monday 30 November.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import (
    AppointmentStatus,
    Channel,
    Disposition,
    HoldingStatus,
    ProductCategory,
    QueueReason,
    RiskLevel,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.models import (
    NewAppointment,
    NewClient,
    NewContactRecord,
    NewHolding,
    NewProduct,
    NewRiskAssessment,
    NewSale,
    NewTask,
    Outlet,
    Product,
    Staff,
)
from csm_tui.policy import Policy
from csm_tui.services.calls.queue import QueueItem, today_queue, window
from csm_tui.services.workstation import Workstation
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder
from tests.support.branch import rid as branch_rid

TZ = "Asia/Shanghai"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
MONDAY = dt.date(2026, 11, 30)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def local(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), SHANGHAI).astimezone(dt.UTC)


def rid(n: int) -> str:
    return branch_rid("110105", dt.date(1960, 1, 1) + dt.timedelta(days=97 * n), n)


def policy(daily_target: int) -> Policy:
    p = Policy()
    return p.model_copy(update={"calls": p.calls.model_copy(update={"daily_target": daily_target})})


@dataclass
class Branch:
    """Builds the branch in one unit of work; clients are known by their names."""

    tx: SqlUnitOfWork
    csm: Staff
    other: Staff
    outlet: Outlet
    products: dict[ProductCategory, Product] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def client(self, name: str, manager: Staff | None = None, mobile: str | None = "1380013", **more: Any) -> int:
        n = len(self.ids) + 1
        added = self.tx.clients.add(
            NewClient(
                number=f"C{n:04d}",
                name=name,
                resident_id=rid(n),
                mobile=None if mobile is None else f"{mobile}{n:04d}",
                manager_id=(manager or self.csm).id,
                outlet_id=self.outlet.id,
                **more,
            )
        )
        assert added.id is not None
        self.ids[name] = added.id
        return added.id

    def task(
        self,
        name: str,
        kind: TaskKind,
        due_on: dt.date = TODAY,
        due_at: dt.datetime | None = None,
        staff: Staff | None = None,
        status: TaskStatus = TaskStatus.OPEN,
        closed_at: dt.datetime | None = None,
    ) -> int:
        task = self.tx.tasks.add(
            NewTask(
                client_id=self.ids[name],
                staff_id=(staff or self.csm).id or 0,
                kind=kind,
                due_on=due_on,
                due_at=due_at,
                status=status,
                origin=TaskOrigin.MANUAL,
                created_at=NOW - dt.timedelta(days=10),
                closed_at=closed_at,
            )
        )
        assert task.id is not None
        return task.id

    def contact(self, name: str, disposition: Disposition, at: dt.datetime, channel: Channel = Channel.PHONE) -> None:
        self.tx.contacts.add(
            NewContactRecord(
                client_id=self.ids[name],
                staff_id=self.csm.id or 0,
                channel=channel,
                started_at=at,
                disposition=disposition,
            )
        )

    def holding(
        self,
        name: str,
        category: ProductCategory,
        amount: str,
        matures: dt.date | None = None,
        status: HoldingStatus = HoldingStatus.ACTIVE,
    ) -> None:
        self.tx.holdings.add(
            NewHolding(
                client_id=self.ids[name],
                product_id=self.products[category].id or 0,
                amount=Decimal(amount),
                start_date=days(-300),
                maturity_date=matures,
                status=status,
            )
        )

    def assessment(self, name: str, valid_until: dt.date) -> None:
        self.tx.assessments.add(
            NewRiskAssessment(
                client_id=self.ids[name],
                staff_id=self.csm.id or 0,
                taken_at=NOW - dt.timedelta(days=300),
                answers={},
                score=60,
                level=RiskLevel.C3,
                valid_until=valid_until,
            )
        )

    def appointment(self, name: str, starts_at: dt.datetime, status: AppointmentStatus) -> None:
        self.tx.appointments.add(
            NewAppointment(client_id=self.ids[name], staff_id=self.csm.id or 0, starts_at=starts_at, status=status)
        )

    def sale(self, name: str, sold_at: dt.datetime, cooling_off_until: dt.datetime) -> None:
        self.tx.sales.add(
            NewSale(
                client_id=self.ids[name],
                staff_id=self.csm.id or 0,
                outlet_id=self.outlet.id or 0,
                product_id=self.products[ProductCategory.WEALTH].id or 0,
                amount=Decimal("50000.00"),
                sold_at=sold_at,
                cooling_off_until=cooling_off_until,
            )
        )


def start(factory: SqlUnitOfWorkFactory, tx: SqlUnitOfWork) -> Branch:
    build = BranchBuilder(tx)
    outlet = tx.outlets.get(build.outlet())
    assert outlet is not None
    csm = build.staff("csm01", "王芳", Role.CSM)
    other = build.staff("csm02", "李娜", Role.CSM)
    branch = Branch(tx, csm, other, outlet)
    for code, name, category in (
        ("DP01", "三个月定期存款", ProductCategory.DEPOSIT),
        ("WM01", "得利宝·稳添利", ProductCategory.WEALTH),
        ("FD01", "交银成长混合", ProductCategory.FUND),
        ("IN01", "交银人寿年金", ProductCategory.INSURANCE),
    ):
        branch.products[category] = tx.products.add(NewProduct(code=code, name=name, category=category))
    return branch


def workstation(factory: SqlUnitOfWorkFactory, staff: Staff, clock: FrozenClock, target: int = 10) -> Workstation:
    return Workstation(
        uow=factory.acting_as(staff),
        staff=staff,
        outlet=None,
        time=BranchTime(clock, TZ),
        policy=policy(target),
        demo=False,
    )


def shown(items: list[QueueItem], ids: dict[str, int]) -> list[tuple[str, QueueReason, tuple[QueueReason, ...]]]:
    names = {v: k for k, v in ids.items()}
    return [(names[i.client_id], i.reason, i.also) for i in items]


# --- the branch ----------------------------------------------------------------------------------------------

QUIET_SINCE = local(TODAY - dt.timedelta(days=89), 0)  # 00:00 on 30 August: a firm refusal since then is quiet
YESTERDAY_2359 = local(days(-1), 23, 59, 59)
MIDNIGHT = local(TODAY, 0)


@dataclass
class Built:
    factory: SqlUnitOfWorkFactory
    branch: Branch


@pytest.fixture
def built(engine: Engine, clock: FrozenClock) -> Built:
    factory = SqlUnitOfWorkFactory(engine, clock)
    with factory(write=True) as tx:
        b = start(factory, tx)
        W, D, F, I = ProductCategory.WEALTH, ProductCategory.DEPOSIT, ProductCategory.FUND, ProductCategory.INSURANCE  # noqa: E741

        # --- due today, in priority order ---
        b.client("回电逾期")
        b.task("回电逾期", TaskKind.CALLBACK, days(-1), local(days(-1), 14))
        b.client("今早未接")  # no answer this morning: still in, through its retry
        b.contact("今早未接", Disposition.NO_ANSWER, local(TODAY, 9))
        b.task("今早未接", TaskKind.CALLBACK, TODAY, local(TODAY, 11))
        b.client("冷静期已过")  # a sale whose cooling-off ended two days ago: its 回访 is due
        b.sale("冷静期已过", NOW - dt.timedelta(days=3), NOW - dt.timedelta(days=2))
        b.task("冷静期已过", TaskKind.SERVICE_CALLBACK)
        b.client("周一预约")
        b.appointment("周一预约", local(MONDAY, 10), AppointmentStatus.BOOKED)
        b.client("七天到期", balance=Decimal("1500000.00"))  # also a large idle balance: a prospect too
        b.holding("七天到期", D, "500000.00", matures=days(7))
        b.client("评估到期")
        b.assessment("评估到期", days(30))
        b.holding("评估到期", W, "50000.00", matures=days(25))
        b.client("跟进逾期")
        b.task("跟进逾期", TaskKind.FOLLOW_UP, days(-2))
        b.task("跟进逾期", TaskKind.FOLLOW_UP, days(-1), status=TaskStatus.SKIPPED, closed_at=YESTERDAY_2359)
        b.client("昨晚联系")  # reached yesterday at 23:59:59 local: not today
        b.contact("昨晚联系", Disposition.INTERESTED, YESTERDAY_2359)
        b.task("昨晚联系", TaskKind.FOLLOW_UP)
        b.client("拒绝九十天")  # a firm refusal 90 days ago (a minute before the quiet period's start)
        b.contact("拒绝九十天", Disposition.FIRM_DECLINE, QUIET_SINCE - dt.timedelta(minutes=1))
        b.task("拒绝九十天", TaskKind.FOLLOW_UP)
        b.client("转介")
        b.task("转介", TaskKind.REFERRAL)

        # --- never queued today, each with a reason it would otherwise have ---
        b.client("不要来电", phone_opt_out=True, balance=Decimal("2000000.00"))
        b.task("不要来电", TaskKind.FOLLOW_UP)
        b.client("号码无效", mobile_invalid=True)
        b.task("号码无效", TaskKind.FOLLOW_UP)
        b.client("没有手机", mobile=None)
        b.task("没有手机", TaskKind.CALLBACK)
        b.client("拒绝八十九天")  # at the first instant of the quiet period
        b.contact("拒绝八十九天", Disposition.FIRM_DECLINE, QUIET_SINCE)
        b.task("拒绝八十九天", TaskKind.FOLLOW_UP)
        b.client("冷静期中")
        b.sale("冷静期中", NOW - dt.timedelta(hours=23), NOW + dt.timedelta(hours=1))
        b.task("冷静期中", TaskKind.SERVICE_CALLBACK)
        b.client("今天已联系")  # reached at 00:00 local today
        b.contact("今天已联系", Disposition.INTERESTED, MIDNIGHT)
        b.task("今天已联系", TaskKind.FOLLOW_UP)
        b.client("别人的客户", manager=b.other)  # another CSM's client, even with a task of ours
        b.task("别人的客户", TaskKind.CALLBACK)
        b.holding("别人的客户", D, "10000.00", matures=days(2))
        b.client("别人的任务", manager=b.other, balance=Decimal("900000.00"))
        b.task("别人的任务", TaskKind.CALLBACK, staff=b.other)
        b.client("今天跳过")
        b.task("今天跳过", TaskKind.FOLLOW_UP)
        b.task("今天跳过", TaskKind.MATURITY, status=TaskStatus.SKIPPED, closed_at=NOW - dt.timedelta(minutes=30))
        b.client("预约已确认")
        b.appointment("预约已确认", local(MONDAY, 15), AppointmentStatus.CONFIRMED)
        b.client("别的日子预约")
        b.appointment("别的日子预约", local(days(4), 10), AppointmentStatus.BOOKED)  # Tuesday
        b.appointment("别的日子预约", local(TODAY, 15), AppointmentStatus.BOOKED)  # later today
        b.client("八天到期")
        b.holding("八天到期", D, "200000.00", matures=days(8))
        b.assessment("八天到期", days(365))
        b.client("已到期持仓")
        b.holding("已到期持仓", W, "80000.00", matures=days(3), status=HoldingStatus.MATURED)
        b.client("评估到期无持仓")
        b.assessment("评估到期无持仓", days(20))
        b.holding("评估到期无持仓", W, "50000.00", matures=days(31))
        b.client("评估尚早")
        b.assessment("评估尚早", days(31))
        b.holding("评估尚早", W, "50000.00", matures=days(25))
        b.client("其他任务")
        b.task("其他任务", TaskKind.SMS)
        b.task("其他任务", TaskKind.VERIFY_NUMBER)
        b.task("其他任务", TaskKind.FOLLOW_UP, MONDAY)
        b.task("其他任务", TaskKind.CALLBACK, status=TaskStatus.DONE, closed_at=NOW - dt.timedelta(hours=1))
        b.task("其他任务", TaskKind.REFERRAL, status=TaskStatus.CANCELLED, closed_at=NOW - dt.timedelta(hours=1))

        # --- prospects ---
        b.client("闲置存款", balance=Decimal("300000.00"))  # 300,000 − 150,000 held = 150,000 idle
        b.holding("闲置存款", D, "150000.00", matures=days(200))
        b.holding("闲置存款", W, "80000.00", status=HoldingStatus.MATURED)  # no longer held
        b.client("闲置有保险", balance=Decimal("500000.00"))
        b.holding("闲置有保险", I, "100000.00")
        b.client("闲置有理财", balance=Decimal("500000.00"))
        b.holding("闲置有理财", W, "1000.00")
        b.client("近沃德高", balance=Decimal("499999.99"), avg_3m=Decimal("499999.99"))
        b.holding("近沃德高", W, "490000.00")
        b.client("近沃德低", balance=Decimal("400000.00"), avg_3m=Decimal("400000.00"))
        b.holding("近沃德低", F, "400000.00")
        b.client("近交银高", balance=Decimal("45000.00"), avg_3m=Decimal("49999.99"))
        b.holding("近交银高", W, "45000.00")
        b.client("近交银低", avg_3m=Decimal("40000.00"))  # inside, but past the target
        b.client("低于交银区间", avg_3m=Decimal("39999.99"))
        b.client("已达交银", avg_3m=Decimal("50000.00"))
        b.client("低于沃德区间", avg_3m=Decimal("399999.99"))
        b.client("已达沃德", avg_3m=Decimal("500000.00"))
        tx.commit()
    return Built(factory, b)


EXPECTED_DUE = [
    ("转介", QueueReason.REFERRAL, ()),  # a walk-in sent today: the client is waiting in the branch
    ("回电逾期", QueueReason.CALLBACK, ()),
    ("今早未接", QueueReason.CALLBACK, ()),
    ("冷静期已过", QueueReason.SERVICE_CALLBACK, ()),
    ("周一预约", QueueReason.APPOINTMENT_CONFIRM, ()),
    ("七天到期", QueueReason.MATURITY, (QueueReason.ASSESSMENT,)),
    ("评估到期", QueueReason.ASSESSMENT, ()),
    ("跟进逾期", QueueReason.FOLLOW_UP, ()),
    ("昨晚联系", QueueReason.FOLLOW_UP, ()),
    ("拒绝九十天", QueueReason.FOLLOW_UP, ()),
]
PROSPECTS = [
    ("闲置存款", QueueReason.IDLE_DEPOSITS, ()),
    ("近沃德高", QueueReason.NEAR_WODE, ()),
    ("近沃德低", QueueReason.NEAR_WODE, ()),
    ("近交银高", QueueReason.NEAR_JIAOYIN, ()),
    ("近交银低", QueueReason.NEAR_JIAOYIN, ()),
]


def test_the_queue_holds_exactly_the_expected_clients_in_order(built: Built, clock: FrozenClock) -> None:
    b = built.branch
    # Target 16: 2 calls made today (this morning's no answer, and the client reached at midnight), 10 due
    # → room for 4 prospects.
    got = today_queue(workstation(built.factory, b.csm, clock, target=16))
    assert shown(got, b.ids) == EXPECTED_DUE + PROSPECTS[:4]


def test_queue_details_of_the_derived_reasons(built: Built, clock: FrozenClock) -> None:
    b = built.branch
    got = {i.client_id: i.main for i in today_queue(workstation(built.factory, b.csm, clock, target=16))}
    maturing = got[b.ids["七天到期"]]
    assert (maturing.product, maturing.on, maturing.due_on, maturing.task_id) == (
        "三个月定期存款",
        days(7),
        TODAY,
        None,
    )
    assessment = got[b.ids["评估到期"]]
    assert (assessment.on, assessment.due_on, assessment.task_id) == (days(30), TODAY, None)
    confirm = got[b.ids["周一预约"]]
    assert (confirm.due_at, confirm.due_on, confirm.task_id) == (local(MONDAY, 10), TODAY, None)
    callback = got[b.ids["今早未接"]]
    assert (callback.due_at, callback.due_on) == (local(TODAY, 11), TODAY)
    assert callback.task_id is not None
    assert got[b.ids["回电逾期"]].due_on == days(-1)


def test_with_the_default_target_no_prospects_fit(built: Built, clock: FrozenClock) -> None:
    b = built.branch
    # 10 − 2 calls − 10 due items: no room.
    assert shown(today_queue(workstation(built.factory, b.csm, clock)), b.ids) == EXPECTED_DUE


def test_a_larger_target_takes_more_prospects(built: Built, clock: FrozenClock) -> None:
    b = built.branch
    got = today_queue(workstation(built.factory, b.csm, clock, target=40))
    assert shown(got, b.ids) == EXPECTED_DUE + PROSPECTS


def test_the_sources_say_who_is_out(built: Built, clock: FrozenClock) -> None:
    b = built.branch
    ws = workstation(built.factory, b.csm, clock, target=16)
    with ws.uow() as tx:
        sources = tx.views.queue_sources(b.csm.id or 0, window(ws))
    out = {"不要来电", "号码无效", "没有手机", "拒绝八十九天", "冷静期中", "今天已联系", "别人的客户", "今天跳过"}
    assert {n for n, i in b.ids.items() if i in sources.excluded} == out
    assert sources.calls_today == 2
    listed = {c.client_id for c in sources.candidates} | {p.client_id for p in sources.prospects}
    never = {
        "别人的任务",
        "预约已确认",
        "别的日子预约",
        "八天到期",
        "已到期持仓",
        "评估到期无持仓",
        "评估尚早",
        "其他任务",
    }
    never |= {"闲置有保险", "闲置有理财", "低于交银区间", "已达交银", "低于沃德区间", "已达沃德"}
    assert not {b.ids[n] for n in never} & listed


def test_the_other_csm_sees_only_their_own(built: Built, clock: FrozenClock) -> None:
    b = built.branch
    got = today_queue(workstation(built.factory, b.other, clock, target=16))
    assert shown(got, b.ids) == [
        ("别人的任务", QueueReason.CALLBACK, ()),
        ("别人的客户", QueueReason.MATURITY, (QueueReason.ASSESSMENT,)),
    ]


def test_just_after_midnight_yesterday_s_contacts_no_longer_count(built: Built, clock: FrozenClock) -> None:
    b = built.branch
    # Saturday 00:00 local: Friday's contacts are yesterday's; the next working day is still Monday.
    clock.set(local(days(1), 0))
    got = {n for n, *_ in shown(today_queue(workstation(built.factory, b.csm, clock)), b.ids)}
    assert {"今天已联系", "今天跳过"} <= got
    # ... and a minute before, still Friday.
    clock.set(local(TODAY, 23, 59))
    got = {n for n, *_ in shown(today_queue(workstation(built.factory, b.csm, clock)), b.ids)}
    assert not {"今天已联系", "今天跳过"} & got


# --- idle deposits, near the threshold -----------------------------------------------------------------------


def test_idle_deposits_need_a_hundred_thousand_yuan_idle(engine: Engine, clock: FrozenClock) -> None:
    factory = SqlUnitOfWorkFactory(engine, clock)
    with factory(write=True) as tx:
        b = start(factory, tx)
        b.client("刚好十万", balance=Decimal("250000.00"))
        b.holding("刚好十万", ProductCategory.DEPOSIT, "150000.00", matures=days(200))
        b.client("差一分", balance=Decimal("250000.00"))
        b.holding("差一分", ProductCategory.DEPOSIT, "150000.01", matures=days(200))
        b.client("余额九万", balance=Decimal("99999.99"))
        b.client("余额两千", balance=Decimal("2000.00"))
        tx.commit()
    got = today_queue(workstation(factory, b.csm, clock))
    assert shown(got, b.ids) == [("刚好十万", QueueReason.IDLE_DEPOSITS, ())]
