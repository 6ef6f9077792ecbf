"""Money at risk and birthdays in today's queue, from the database (SQLite and PostgreSQL): the tier forecast and
the large outflow from the balance spans, birthday greetings on the working day before; own clients only.

The clock stands on Friday 27 November 2026, 10:00 in Shanghai; the bank's data reaches Wednesday 25 November (T+2)
and the import before reached Tuesday 24 November. The next working day is Monday 30 November, so today greets
the birthdays of Saturday 28 to Monday 30 November.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Channel, Disposition, QueueReason, Role
from csm_tui.domain.models import NewClient, NewContactRecord, Outlet, Staff
from csm_tui.policy import Policy
from csm_tui.rules.money_at_risk import HeldSpan, forecast_tier
from csm_tui.rules.tiers import average_window
from csm_tui.services.calls.preparation import prepare
from csm_tui.services.calls.queue import QueueItem, today_queue
from csm_tui.services.clients import client_detail, households
from csm_tui.services.clients.client_detail import ClientDetail
from csm_tui.services.imports.balances import assets
from csm_tui.services.imports.model import Span
from csm_tui.services.rows import DATA_PREVIOUS_AS_OF
from csm_tui.services.workstation import Workstation
from storage.orm import BalanceSpanRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder
from tests.support.branch import rid as branch_rid

TODAY = dt.date(2026, 11, 27)
AS_OF = dt.date(2026, 11, 25)
BEFORE = dt.date(2026, 11, 24)
NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
D = dt.date
BORN = D(1970, 5, 5)


def rid(born: dt.date, n: int) -> str:
    return branch_rid("110105", born, n)


@dataclass
class Book:
    factory: SqlUnitOfWorkFactory
    clock: FrozenClock
    csm: Staff
    other: Staff
    ids: dict[str, int] = field(default_factory=dict)
    spans: dict[str, list[HeldSpan]] = field(default_factory=dict)

    def ws(self, staff: Staff | None = None) -> Workstation:
        staff = staff or self.csm
        return Workstation(
            uow=self.factory.acting_as(staff), staff=staff, outlet=None, time=BranchTime(self.clock, "Asia/Shanghai"),
            policy=Policy(), demo=False,
        )  # fmt: skip


def _add(tx: object, book: Book, outlet: Outlet, name: str, spans: list[tuple[dt.date, dt.date, str]], *,
         manager: Staff | None = None, born: dt.date = BORN) -> None:  # fmt: skip
    n = len(book.ids) + 1
    held = [Span(0, first, last, Decimal(amount)) for first, last, amount in spans]
    figures = assets(0, held, average_window(AS_OF))
    client = tx.clients.add(  # type: ignore[attr-defined]
        NewClient(
            number=f"C{n:04d}", name=name, resident_id=rid(born, n), mobile=f"1380013{n:04d}",
            manager_id=(manager or book.csm).id, outlet_id=outlet.id, balance=figures.balance, avg_3m=figures.avg_3m,
            assets_as_of=AS_OF,
        )
    )  # fmt: skip
    for s in held:
        tx.session.add(BalanceSpanRow(client_id=client.id, first_day=s.first, last_day=s.last, balance=s.balance))  # type: ignore[attr-defined]
    book.ids[name] = client.id
    book.spans[name] = [HeldSpan(s.first, s.last, s.balance) for s in held]


@pytest.fixture
def book(engine: Engine, clock: FrozenClock) -> Book:
    factory = SqlUnitOfWorkFactory(engine, clock)
    with factory(write=True) as tx:
        build = BranchBuilder(tx)
        outlet = tx.outlets.get(build.outlet())
        assert outlet is not None
        csm = build.staff("csm01", "王芳", Role.CSM)
        other = build.staff("csm02", "李娜", Role.CSM)
        b = Book(factory, clock, csm, other)
        emptied = [(D(2026, 6, 1), D(2026, 11, 1), "80000.00"), (D(2026, 11, 2), AS_OF, "0.00")]
        _add(tx, b, outlet, "将跌破", emptied)  # ¥80,000 until 1 November, nothing since
        _add(tx, b, outlet, "已联系将跌破", emptied)  # the same, but reached on Tuesday
        _add(tx, b, outlet, "别人的将跌破", emptied, manager=other)
        _add(tx, b, outlet, "稳定", [(D(2026, 6, 1), AS_OF, "60000.00")])
        _add(tx, b, outlet, "大额转出", [(D(2026, 6, 1), BEFORE, "300000.00"), (AS_OF, AS_OF, "100000.00")])
        _add(tx, b, outlet, "小额转出", [(D(2026, 6, 1), BEFORE, "100000.00"), (AS_OF, AS_OF, "80000.00")])
        _add(tx, b, outlet, "周日生日", [(D(2026, 6, 1), AS_OF, "1000.00")], born=D(1970, 11, 29))
        _add(tx, b, outlet, "周二生日", [(D(2026, 6, 1), AS_OF, "1000.00")], born=D(1970, 12, 1))
        _add(tx, b, outlet, "农历生日", [(D(2026, 6, 1), AS_OF, "1000.00")], born=D(1975, 11, 23))  # 十月廿一
        _add(tx, b, outlet, "公历不在", [(D(2026, 6, 1), AS_OF, "1000.00")], born=D(1975, 11, 23))  # solar: 23 Nov
        _add(tx, b, outlet, "生日已联系", [(D(2026, 6, 1), AS_OF, "1000.00")], born=D(1980, 11, 28))
        _add(tx, b, outlet, "别人的生日", [(D(2026, 6, 1), AS_OF, "1000.00")], manager=other, born=D(1970, 11, 29))
        tx.meta.set("data_as_of", AS_OF.isoformat())
        tx.meta.set(DATA_PREVIOUS_AS_OF, BEFORE.isoformat())
        for name in ("已联系将跌破", "生日已联系"):
            tx.contacts.add(
                NewContactRecord(
                    client_id=b.ids[name], staff_id=csm.id or 0, channel=Channel.PHONE,
                    started_at=NOW - dt.timedelta(days=3), disposition=Disposition.POLITE_DECLINE,
                )
            )  # fmt: skip
        tx.commit()
    households.set_birthday_lunar(b.ws(), b.ids["农历生日"], True)
    return b


def _by_name(items: list[QueueItem], book: Book) -> dict[str, QueueItem]:
    names = {v: k for k, v in book.ids.items()}
    return {names[i.client_id]: i for i in items}


def test_the_queue_adds_money_at_risk_and_birthdays_with_their_figures(book: Book) -> None:
    shown = _by_name(today_queue(book.ws()), book)
    expected = forecast_tier(book.spans["将跌破"], AS_OF, Decimal("50000.00"), TODAY + dt.timedelta(days=14), TODAY)
    assert expected is not None and expected.top_up is not None and expected.falls_on > TODAY
    risk = shown["将跌破"].main
    assert (risk.reason, risk.on, risk.amount, risk.threshold) == (
        QueueReason.TIER_AT_RISK, expected.falls_on, expected.top_up, Decimal("50000.00")
    )  # fmt: skip
    outflow = shown["大额转出"].main
    assert (outflow.reason, outflow.amount, outflow.on) == (QueueReason.LARGE_OUTFLOW, Decimal("200000.00"), AS_OF)
    birthdays = {name: item.main.on for name, item in shown.items() if item.reason is QueueReason.BIRTHDAY}
    assert birthdays == {"周日生日": D(2026, 11, 29), "农历生日": D(2026, 11, 29), "生日已联系": D(2026, 11, 28)}
    for absent in ("稳定", "小额转出", "已联系将跌破", "别人的将跌破", "别人的生日", "周二生日", "公历不在"):
        assert absent not in shown, absent


def test_another_csm_sees_only_their_own_clients_at_risk(book: Book) -> None:
    shown = _by_name(today_queue(book.ws(book.other)), book)
    assert shown["别人的将跌破"].reason is QueueReason.TIER_AT_RISK
    assert shown["别人的生日"].reason is QueueReason.BIRTHDAY
    assert not {"将跌破", "大额转出", "周日生日"} & set(shown)


def test_a_day_off_greets_nobody(book: Book) -> None:
    book.clock.set(dt.datetime(2026, 11, 28, 2, tzinfo=dt.UTC))  # Saturday
    shown = _by_name(today_queue(book.ws()), book)
    assert not [i for i in shown.values() if i.reason is QueueReason.BIRTHDAY]


def test_the_client_page_and_the_call_card_show_the_forecast_with_its_date(book: Book) -> None:
    ws = book.ws()
    detail = client_detail.load(ws, book.ids["将跌破"])
    assert isinstance(detail, ClientDetail) and detail.forecast is not None
    expected = forecast_tier(book.spans["将跌破"], AS_OF, Decimal("50000.00"), TODAY + dt.timedelta(days=14), TODAY)
    assert detail.forecast == expected
    card = prepare(ws, book.ids["将跌破"])
    assert card.forecast == expected
    steady = client_detail.load(ws, book.ids["稳定"])
    assert isinstance(steady, ClientDetail) and steady.forecast is None
    lunar = client_detail.load(ws, book.ids["农历生日"])
    assert isinstance(lunar, ClientDetail) and lunar.birthday is not None
    assert (lunar.birthday.next_on, lunar.birthday.lunar) == (D(2026, 11, 29), True)
