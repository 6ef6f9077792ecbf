"""The daily checklist (``services.checklist``, ``shelf``, ``storage.checklist_views``) on SQLite and PostgreSQL.

Every automatic item is judged against hand-prepared data on a frozen clock: Friday 27 November 2026, 10:00 in
Shanghai (02:00Z). The branch's day runs from 16:00Z the evening before to 16:00Z; the next working day is Monday.
Also: the day boundary, past and future days, ticks/notes/summary surviving a restart, who may read and write
whose list, the product shelf's read states, the policy template, and the commit listeners that refresh screens.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import (
    AppointmentStatus,
    Channel,
    ChecklistMeasure,
    ChecklistPhase,
    Disposition,
    HoldingStatus,
    ProductCategory,
    ReferralKind,
    ReferralStatus,
    Role,
    TaskKind,
    TaskStatus,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import (
    DaySummary,
    NewAppointment,
    NewContactRecord,
    NewHolding,
    NewOutlet,
    NewProduct,
    NewReferral,
    NewSale,
    NewTask,
    Outlet,
    ProductRead,
    Staff,
)
from csm_tui.policy import (
    DEFAULT_CHECKLIST,
    Calendar,
    Checklist,
    ChecklistItem,
    Policy,
    PolicyError,
    load_policy,
)
from csm_tui.services.calls.appointments import agenda
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.checklist.day_list import DayList, load_list, save_summary, set_note, set_ticked, team_lists
from csm_tui.services.checklist.shelf import load_shelf, mark_read
from csm_tui.services.checklist.shelf_reads import ReadState, fingerprint, products_read, read_state, shelf_items
from csm_tui.services.clients.finding import clients_in_focus
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import ClientFocus, DayWindow, Progress, ShelfRow
from csm_tui.services.workstation import Workstation
from storage.engine import make_engine
from storage.orm import ChecklistDayRow, ChecklistMarkRow, ProductRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder
from tests.support.branch import rid as branch_rid

TZ = "Asia/Shanghai"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 11, 27)  # Friday
YESTERDAY = dt.date(2026, 11, 26)
SATURDAY = dt.date(2026, 11, 28)
SUNDAY = dt.date(2026, 11, 29)
MONDAY = dt.date(2026, 11, 30)
TUESDAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
DAY_START = dt.datetime(2026, 11, 26, 16, tzinfo=dt.UTC)  # 00:00 on the 27th in Shanghai
DAY_END = dt.datetime(2026, 11, 27, 16, tzinfo=dt.UTC)

_M = ChecklistMeasure


def utc(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=dt.UTC)


def local(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """Shanghai wall time on ``day``, in UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute, second), SHANGHAI).astimezone(dt.UTC)


def rid(n: int) -> str:
    return branch_rid("110105", dt.date(1960, 1, 1) + dt.timedelta(days=97 * n), n)


def with_calls(policy: Policy, **changes: Any) -> Policy:
    return policy.model_copy(update={"calls": policy.calls.model_copy(update=changes)})


# --- the branch ----------------------------------------------------------------------------------------------

OWN_CLIENTS = ("k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8")


@dataclass
class Desk:
    """Two teams: sup1 leads csm and mate, sup2 leads other. Clients k1..k8 are csm's, m1 mate's, o1 other's."""

    system: SqlUnitOfWorkFactory
    clock: FrozenClock
    outlet: Outlet
    admin: Staff
    sup1: Staff
    sup2: Staff
    csm: Staff
    mate: Staff
    other: Staff
    clients: dict[str, int]
    product: int  # off the shelf; for holdings and sales

    def ws(self, staff: Staff | None = None, policy: Policy | None = None) -> Workstation:
        staff = staff or self.csm
        policy = policy or Policy()
        return Workstation(
            uow=self.system.acting_as(staff),
            staff=staff,
            outlet=self.outlet,
            time=BranchTime(self.clock, policy.calendar.tz),
            policy=policy,
            demo=False,
        )

    def _add(self, repo: str, entity: Any) -> int:
        with self.system(write=True) as tx:
            added = getattr(tx, repo).add(entity)
            tx.commit()
        assert added.id is not None
        return int(added.id)

    def sid(self, staff: Staff | None) -> int:
        staff = staff or self.csm
        assert staff.id is not None
        return staff.id

    def contact(
        self, client: str, at: dt.datetime, disposition: Disposition = Disposition.NO_ANSWER,
        channel: Channel = Channel.PHONE, staff: Staff | None = None, task: int | None = None,
    ) -> int:  # fmt: skip
        """A contact, on ``task``; a 回访 done without one is on a 回访 made then (the repository takes no other)."""
        if disposition is Disposition.SERVICE_DONE and task is None:
            task = self.task(client, TaskKind.SERVICE_CALLBACK, at.date(), status=TaskStatus.DONE, closed_at=at)
        return self._add(
            "contacts",
            NewContactRecord(
                client_id=self.clients[client], staff_id=self.sid(staff), channel=channel, started_at=at,
                disposition=disposition, task_id=task,
            ),
        )  # fmt: skip

    def task(
        self, client: str, kind: TaskKind, due_on: dt.date, *, created_at: dt.datetime | None = None,
        status: TaskStatus = TaskStatus.OPEN, closed_at: dt.datetime | None = None, staff: Staff | None = None,
    ) -> int:  # fmt: skip
        return self._add(
            "tasks",
            NewTask(
                client_id=self.clients[client], staff_id=self.sid(staff), kind=kind, due_on=due_on,
                created_at=created_at or NOW - dt.timedelta(days=3), status=status, closed_at=closed_at,
            ),
        )  # fmt: skip

    def meeting(
        self, client: str, starts_at: dt.datetime, status: AppointmentStatus = AppointmentStatus.BOOKED,
        staff: Staff | None = None,
    ) -> int:  # fmt: skip
        return self._add(
            "appointments",
            NewAppointment(
                client_id=self.clients[client], staff_id=self.sid(staff), starts_at=starts_at, status=status
            ),
        )

    def referral(
        self, client: str, created_at: dt.datetime, *, status: ReferralStatus = ReferralStatus.OPEN,
        closed_at: dt.datetime | None = None, to: Staff | None = None,
    ) -> int:  # fmt: skip
        return self._add(
            "referrals",
            NewReferral(
                client_id=self.clients[client], kind=ReferralKind.WALK_IN, from_staff_id=self.sid(self.other),
                to_staff_id=self.sid(to), created_at=created_at, status=status, closed_at=closed_at,
            ),
        )  # fmt: skip

    def holding(self, client: str, maturity: dt.date | None, status: HoldingStatus = HoldingStatus.ACTIVE) -> int:
        return self._add(
            "holdings",
            NewHolding(
                client_id=self.clients[client], product_id=self.product, amount="10000.00",
                start_date=dt.date(2026, 1, 5), maturity_date=maturity, status=status,
            ),
        )  # fmt: skip

    def sale(self, client: str, at: dt.datetime, cancelled_at: dt.datetime | None = None) -> int:
        assert self.outlet.id is not None
        return self._add(
            "sales",
            NewSale(
                client_id=self.clients[client], staff_id=self.sid(None), outlet_id=self.outlet.id,
                product_id=self.product, amount="50000.00", sold_at=at, cancelled_at=cancelled_at,
            ),
        )  # fmt: skip

    def shelf_product(self, code: str, listed_on: dt.date | None, **more: Any) -> int:
        return self._add(
            "products",
            NewProduct(
                code=code, name=f"稳利{code}", category=ProductCategory.WEALTH, term_days=180,
                expected_yield=Decimal("2.8500"), min_amount="10000.00", listed_on=listed_on, **more,
            ),
        )  # fmt: skip

    def read(self, product_id: int, at: dt.datetime, staff: Staff | None = None, *, stale: bool = False) -> None:
        """``staff`` read the product's current terms at ``at`` (or, ``stale``, terms it no longer has)."""
        row = next(i.row for i in load_shelf(self.ws(staff)) if i.row.product_id == product_id)
        read = ProductRead(product_id=product_id, fingerprint="stale" if stale else fingerprint(row), read_at=at)
        with self.system(write=True) as tx:
            tx.product_reads.record(self.sid(staff), [read])
            tx.commit()


@pytest.fixture
def desk(uow_factory: SqlUnitOfWorkFactory, clock: FrozenClock) -> Desk:
    with uow_factory(write=True) as tx:
        build = BranchBuilder(tx, as_of=None)
        outlet = tx.outlets.get(build.outlet())

        def staff(login: str, role: Role, supervisor: Staff | None = None, *, active: bool = True) -> Staff:
            return build.staff(
                login, f"员工{login}", role, supervisor_id=supervisor.id if supervisor else None, active=active
            )

        admin = staff("admin", Role.ADMIN)
        sup1 = staff("sup1", Role.SUPERVISOR)
        sup2 = staff("sup2", Role.SUPERVISOR)
        csm = staff("csm01", Role.CSM, sup1)
        mate = staff("csm02", Role.CSM, sup1)
        other = staff("csm03", Role.CSM, sup2)
        staff("csm04", Role.CSM, sup1, active=False)  # left the branch
        managers = {k: csm for k in OWN_CLIENTS} | {"m1": mate, "o1": other}
        clients = {}
        for n, (key, manager) in enumerate(managers.items(), start=1):
            clients[key] = build.client(f"C{n:04d}", f"客户{key}", rid(n), manager, mobile=f"138001380{n:02d}")
        product = tx.products.add(
            NewProduct(code="HOLD", name="到期理财", category=ProductCategory.WEALTH, sale_end=dt.date(2026, 1, 31))
        )
        tx.commit()
    return Desk(uow_factory, clock, outlet, admin, sup1, sup2, csm, mate, other, clients, product.id)


def progress(day_list: DayList, code: str) -> Progress:
    state = next(i for i in day_list.items if i.item.code == code)
    assert state.progress is not None, f"{code} is ticked by hand"
    return state.progress


def figures(day_list: DayList) -> dict[str, Progress | bool]:
    return {i.item.code: i.progress if i.progress is not None else i.ticked for i in day_list.items}


# --- the automatic items -------------------------------------------------------------------------------------


def test_a_day_with_no_data(desk: Desk) -> None:
    day_list = load_list(desk.ws())
    assert (day_list.day, day_list.editable, day_list.summary) == (TODAY, True, None)
    assert [i.item.code for i in day_list.items] == [i.code for i in DEFAULT_CHECKLIST if Role.CSM in i.roles]
    nothing = Progress(0, 0)
    assert figures(day_list) == {
        "meetings_today": nothing,
        "callbacks": nothing,
        "maturities": nothing,
        "new_products": nothing,
        "appearance": False,
        "morning_meeting": False,
        "calls": Progress(0, 10),
        "referrals": nothing,
        "service_callbacks": nothing,
        "meetings_recorded": nothing,
        "tomorrow_confirmed": nothing,
        "next_contacts": nothing,
        "summary": Progress(0, 1),
    }
    # nothing to do counts as done; the calls, the summary and the items ticked by hand are left
    assert {i.item.code for i in day_list.items if not i.done} == {"appearance", "morning_meeting", "calls", "summary"}
    assert day_list.done_count == 9


def test_calls_are_phone_contacts_of_the_day_against_the_target(desk: Desk) -> None:
    policy = with_calls(Policy(), daily_target=3)
    desk.contact("k1", utc(11, 27, 0, 30))  # no answer still counts as a call
    desk.contact("k2", utc(11, 27, 1), Disposition.INTERESTED)
    desk.contact("k3", utc(11, 27, 1, 10), Disposition.INFORMED, Channel.SMS)
    desk.contact("k4", utc(11, 27, 1, 20), Disposition.INTERESTED, Channel.VISIT)
    desk.contact("k5", utc(11, 26, 8), Disposition.INTERESTED)  # yesterday
    desk.contact("m1", utc(11, 27, 1), Disposition.INTERESTED, staff=desk.mate)  # a colleague's call
    calls = progress(load_list(desk.ws(policy=policy)), "calls")
    assert calls == Progress(2, 3) and not calls.complete
    desk.contact("k6", utc(11, 27, 1, 40), Disposition.BUSY)
    assert progress(load_list(desk.ws(policy=policy)), "calls") == Progress(3, 3)
    assert progress(load_list(desk.ws()), "calls") == Progress(3, 10)  # the shipped target
    assert progress(load_list(desk.ws(desk.mate)), "calls") == Progress(1, 10)


@pytest.mark.parametrize(
    ("kind", "code", "other_code"),
    [
        (TaskKind.CALLBACK, "callbacks", "service_callbacks"),
        (TaskKind.SERVICE_CALLBACK, "service_callbacks", "callbacks"),
    ],
)
def test_callbacks_made_today_against_those_still_open(desk: Desk, kind: TaskKind, code: str, other_code: str) -> None:
    desk.task("k1", kind, TODAY)  # open, due today
    desk.task("k2", kind, dt.date(2026, 11, 24))  # open, overdue
    made = desk.task("k3", kind, TODAY, status=TaskStatus.DONE, closed_at=utc(11, 27, 1))  # made today
    at_midnight = desk.task("k4", kind, dt.date(2026, 11, 20), status=TaskStatus.DONE, closed_at=utc(11, 26, 16))
    if kind is TaskKind.SERVICE_CALLBACK:  # a 回访 is made when the client was reached and it was recorded done
        desk.contact("k3", utc(11, 27, 1), Disposition.SERVICE_DONE, task=made)
        desk.contact("k4", utc(11, 26, 16), Disposition.SERVICE_DONE, task=at_midnight)  # 00:00 today
    desk.task("k5", kind, YESTERDAY, status=TaskStatus.DONE, closed_at=utc(11, 26, 15, 59, 59))  # yesterday
    desk.task("k6", kind, TODAY, status=TaskStatus.CANCELLED, closed_at=utc(11, 27, 1))  # neither made nor open
    desk.task("k7", kind, TODAY, status=TaskStatus.SKIPPED, closed_at=utc(11, 27, 1, 30))  # neither
    desk.task("k8", kind, MONDAY)  # not due yet
    desk.task("k1", TaskKind.FOLLOW_UP, TODAY)  # another kind
    desk.task("m1", kind, TODAY, staff=desk.mate)  # a colleague's
    day_list = load_list(desk.ws())
    assert progress(day_list, code) == Progress(2, 4)
    assert progress(day_list, other_code) == Progress(0, 0)
    assert progress(load_list(desk.ws(desk.mate)), code) == Progress(0, 1)


def test_an_unanswered_service_callback_is_still_waiting(desk: Desk) -> None:
    """The call's task closes and a retry is booked, but the 回访 itself is not made until the client is reached."""
    called = desk.task("k1", TaskKind.SERVICE_CALLBACK, TODAY, status=TaskStatus.DONE, closed_at=utc(11, 27, 1))
    desk.contact("k1", utc(11, 27, 1), Disposition.NO_ANSWER, task=called)
    assert progress(load_list(desk.ws()), "service_callbacks") == Progress(0, 1)
    desk.contact("k1", utc(11, 27, 1, 30), Disposition.SERVICE_DONE, task=called)
    assert progress(load_list(desk.ws()), "service_callbacks") == Progress(1, 1)


def test_callbacks_all_made_are_complete(desk: Desk) -> None:
    first = desk.task("k1", TaskKind.CALLBACK, TODAY)
    desk.task("k2", TaskKind.CALLBACK, TODAY, status=TaskStatus.DONE, closed_at=utc(11, 27, 1))
    assert not progress(load_list(desk.ws()), "callbacks").complete
    with desk.system(write=True) as tx:
        tx.tasks.close(first, TaskStatus.DONE, utc(11, 27, 1, 30))
        tx.commit()
    done = progress(load_list(desk.ws()), "callbacks")
    assert done == Progress(2, 2) and done.complete


def test_meetings_of_the_day_confirmed_and_recorded(desk: Desk) -> None:
    s = AppointmentStatus
    desk.meeting("k1", utc(11, 26, 16), s.CONFIRMED)  # 00:00 today: begun, not recorded
    desk.meeting("k2", utc(11, 27, 0, 30), s.NO_SHOW)  # begun and recorded
    desk.meeting("k3", utc(11, 27, 1), s.DONE)  # begun and recorded
    desk.meeting("k4", utc(11, 27, 1, 30), s.BOOKED)  # begun, neither confirmed nor recorded
    desk.meeting("k5", utc(11, 27, 1, 45), s.CONFIRMED)  # begun, not recorded
    desk.meeting("k6", utc(11, 27, 2), s.BOOKED)  # starts now: not begun yet
    desk.meeting("k7", utc(11, 27, 5), s.CONFIRMED)  # this afternoon
    desk.meeting("k8", utc(11, 27, 1, 15), s.CANCELLED)  # counted nowhere
    desk.meeting("k8", utc(11, 26, 15, 59), s.BOOKED)  # 23:59 yesterday
    desk.meeting("k8", local(MONDAY, 10), s.BOOKED)  # the next working day
    desk.meeting("m1", utc(11, 27, 3), s.BOOKED, staff=desk.mate)
    day_list = load_list(desk.ws())
    assert progress(day_list, "meetings_today") == Progress(4, 7)  # k2, the no-show, was never confirmed
    assert progress(day_list, "meetings_recorded") == Progress(2, 5)
    later = desk.ws()
    desk.clock.set(utc(11, 27, 6))  # 14:00: every one of today's meetings has begun
    assert progress(load_list(later), "meetings_recorded") == Progress(2, 7)
    assert progress(load_list(desk.ws(desk.mate)), "meetings_today") == Progress(0, 1)


def test_agenda_lists_the_days_meetings_by_time(desk: Desk) -> None:
    s = AppointmentStatus
    late = desk.meeting("k2", utc(11, 27, 5), s.CONFIRMED)
    cancelled = desk.meeting("k1", utc(11, 27, 3), s.CANCELLED)
    early = desk.meeting("k3", utc(11, 26, 16), s.BOOKED)
    desk.meeting("k4", utc(11, 26, 15, 59), s.BOOKED)  # yesterday
    desk.meeting("k4", utc(11, 27, 16), s.BOOKED)  # Saturday
    desk.meeting("m1", utc(11, 27, 4), staff=desk.mate)
    rows = agenda(desk.ws(), TODAY)
    assert [(r.appointment_id, r.client_name, r.status) for r in rows] == [
        (early, "客户k3", "booked"),
        (cancelled, "客户k1", "cancelled"),
        (late, "客户k2", "confirmed"),
    ]


def test_tomorrow_is_the_next_working_day(desk: Desk) -> None:
    s = AppointmentStatus
    desk.meeting("k1", local(MONDAY, 0), s.CONFIRMED)  # Monday's first instant
    desk.meeting("k2", local(MONDAY, 23, 59), s.BOOKED)
    desk.meeting("k3", local(MONDAY, 14), s.CANCELLED)
    desk.meeting("k4", local(TUESDAY, 0), s.BOOKED)
    desk.meeting("k5", local(SATURDAY, 10), s.CONFIRMED)
    desk.meeting("k6", local(SUNDAY, 23, 59), s.BOOKED)
    desk.meeting("k7", utc(11, 27, 5), s.BOOKED)  # today
    assert progress(load_list(desk.ws()), "tomorrow_confirmed") == Progress(1, 2)
    holiday = Policy(calendar=Calendar(holidays=(MONDAY,)))
    assert progress(load_list(desk.ws(policy=holiday)), "tomorrow_confirmed") == Progress(0, 1)
    saturday_worked = Policy(calendar=Calendar(extra_working_days=(SATURDAY,)))
    assert progress(load_list(desk.ws(policy=saturday_worked)), "tomorrow_confirmed") == Progress(1, 1)


def test_maturing_clients_contacted_by_their_manager(desk: Desk) -> None:
    desk.holding("k1", TODAY)
    desk.holding("k1", dt.date(2026, 12, 1))  # a second holding: the client counts once
    desk.contact("k1", utc(11, 27, 1))  # reached today
    desk.holding("k2", dt.date(2026, 12, 4))  # the last day of the 7-day lead
    desk.contact("k2", local(dt.date(2026, 11, 20), 0), Disposition.INTERESTED)  # the lead window's first instant
    desk.holding("k3", dt.date(2026, 12, 5))  # one day too far
    desk.holding("k4", YESTERDAY)  # already past
    desk.holding("k5", MONDAY, HoldingStatus.MATURED)
    desk.holding("k5", MONDAY, HoldingStatus.REDEEMED)
    desk.holding("k6", MONDAY)
    desk.contact("k6", local(dt.date(2026, 11, 19), 23, 59, 59))  # just before the lead window
    desk.holding("k7", MONDAY)
    desk.contact("k7", utc(11, 27, 1), staff=desk.mate)  # reached, but not by the manager
    desk.holding("k8", None)  # no maturity
    desk.holding("m1", TODAY)  # a colleague's client
    ws = desk.ws()
    assert progress(load_list(ws), "maturities") == Progress(2, 4)
    left = clients_in_focus(ws, ClientFocus.MATURING_UNREACHED)
    assert [r.id for r in left] == [desk.clients["k6"], desk.clients["k7"]]
    longer = with_calls(Policy(), maturity_lead_days=8)  # k3 comes in; k6's contact falls in the window
    assert progress(load_list(desk.ws(policy=longer)), "maturities") == Progress(3, 5)
    assert progress(load_list(desk.ws(desk.mate)), "maturities") == Progress(0, 1)


def test_referrals_answered_today_against_those_waiting(desk: Desk) -> None:
    r = ReferralStatus
    desk.referral("k1", utc(11, 25, 3))  # waiting since Wednesday
    desk.referral("k2", utc(11, 27, 1))  # waiting since this morning
    desk.referral("k3", utc(11, 26, 3), status=r.ACCEPTED, closed_at=utc(11, 27, 1, 30))  # answered
    desk.referral("k4", utc(11, 27, 0, 30), status=r.RETURNED, closed_at=utc(11, 26, 16))  # answered at 00:00
    desk.referral("k5", utc(11, 25, 3), status=r.ACCEPTED, closed_at=utc(11, 26, 15, 59, 59))  # yesterday
    desk.referral("m1", utc(11, 27, 1), to=desk.mate)
    assert progress(load_list(desk.ws()), "referrals") == Progress(2, 4)
    assert progress(load_list(desk.ws(desk.mate)), "referrals") == Progress(0, 1)


def test_next_contacts_of_the_clients_reached_today(desk: Desk) -> None:
    d = Disposition
    desk.contact("k1", utc(11, 27, 0, 30), d.NO_ANSWER)
    desk.contact("k1", utc(11, 27, 1), d.INTERESTED)  # twice today: one client
    desk.task("k1", TaskKind.FOLLOW_UP, MONDAY, created_at=utc(11, 27, 1))  # agreed
    desk.contact("k2", utc(11, 27, 1), d.POLITE_DECLINE)
    desk.meeting("k2", utc(11, 27, 1, 30))  # a meeting that has already begun is no next contact
    desk.contact("k3", utc(11, 27, 1), d.APPOINTMENT)
    desk.meeting("k3", local(MONDAY, 10))  # agreed
    desk.contact("k4", utc(11, 27, 1), d.FIRM_DECLINE)
    desk.contact("k5", utc(11, 27, 1), d.DO_NOT_CALL)
    desk.contact("k6", utc(11, 27, 1), d.SERVICE_DONE)
    desk.contact("k7", utc(11, 27, 1), d.INFORMED, Channel.SMS)
    desk.contact("k8", utc(11, 27, 1), d.BUSY)
    desk.task("k8", TaskKind.FOLLOW_UP, YESTERDAY)  # overdue: not a next contact
    desk.task("k8", TaskKind.CALLBACK, TODAY, status=TaskStatus.DONE, closed_at=utc(11, 27, 1, 30))  # closed
    desk.meeting("k8", local(MONDAY, 11), AppointmentStatus.CANCELLED)
    desk.contact("k4", utc(11, 26, 3), d.INTERESTED)  # yesterday's contact doesn't count
    desk.contact("m1", utc(11, 27, 1), d.INTERESTED, staff=desk.mate)
    ws = desk.ws()
    assert progress(load_list(ws), "next_contacts") == Progress(2, 4)
    left = clients_in_focus(ws, ClientFocus.NO_NEXT_CONTACT)
    assert [r.id for r in left] == [desk.clients["k2"], desk.clients["k8"]]
    assert progress(load_list(desk.ws(desk.mate)), "next_contacts") == Progress(0, 1)
    desk.task("k8", TaskKind.CALLBACK, TODAY, created_at=utc(11, 27, 1, 40))  # due today, still open
    assert progress(load_list(ws), "next_contacts") == Progress(3, 4)


@pytest.mark.parametrize(
    "settled",
    [
        Outcome(Disposition.SERVICE_DONE, satisfaction=5),
        Outcome(Disposition.FIRM_DECLINE),
        Outcome(Disposition.DO_NOT_CALL),
    ],
    ids=["service_done", "firm_decline", "do_not_call"],
)
def test_a_client_settled_after_an_unanswered_call_needs_no_next_contact(desk: Desk, settled: Outcome) -> None:
    ws = desk.ws()
    service = desk.task("k1", TaskKind.SERVICE_CALLBACK, TODAY)
    desk.clock.set(local(TODAY, 9, 30))
    first = record(
        ws, desk.clients["k1"], Outcome(Disposition.NO_ANSWER), task_id=service, started_at=local(TODAY, 9, 30)
    )
    (retry,) = first.created_tasks  # the cadence's retry later today
    desk.clock.set(local(TODAY, 11, 30))
    record(ws, desk.clients["k1"], settled, task_id=retry, started_at=local(TODAY, 11, 30))
    assert clients_in_focus(ws, ClientFocus.NO_NEXT_CONTACT) == []
    assert progress(load_list(ws), "next_contacts").complete


def test_products_new_or_changed_against_those_read(desk: Desk) -> None:
    unread = desk.shelf_product("NEW", dt.date(2026, 11, 25))
    read_today = desk.shelf_product("TODAY", dt.date(2026, 11, 25))
    read_before = desk.shelf_product("BEFORE", dt.date(2026, 11, 21))  # read on the 22nd
    read_last_night = desk.shelf_product("NIGHT", dt.date(2026, 11, 25))  # read at 23:59:59 yesterday
    too_old = desk.shelf_product("OLD", dt.date(2026, 11, 20))  # 7 days: no longer new
    changed = desk.shelf_product("CHANGED", dt.date(2026, 10, 1))
    desk.shelf_product("CLOSED", dt.date(2026, 11, 25), sale_end=YESTERDAY)
    desk.shelf_product("LATER", SATURDAY)
    desk.shelf_product("SOON", dt.date(2026, 11, 25), sale_start=MONDAY)
    mates = desk.shelf_product("MATES", dt.date(2026, 11, 24))
    desk.read(read_today, utc(11, 27, 1))
    desk.read(read_before, utc(11, 22, 3))
    desk.read(read_last_night, utc(11, 26, 15, 59, 59))
    desk.read(changed, utc(11, 2, 3), stale=True)
    desk.read(mates, utc(11, 27, 1), desk.mate)
    shelf = {i.row.product_id: i for i in load_shelf(desk.ws())}
    assert set(shelf) == {unread, read_today, read_before, read_last_night, too_old, changed, mates}
    assert {pid: (i.state, i.fresh, i.pending) for pid, i in shelf.items()} == {
        unread: (ReadState.NEW, True, True),
        read_today: (ReadState.READ, True, False),
        read_before: (ReadState.READ, True, False),
        read_last_night: (ReadState.READ, True, False),
        too_old: (ReadState.NEW, False, False),
        changed: (ReadState.CHANGED, False, True),
        mates: (ReadState.NEW, True, True),
    }
    assert progress(load_list(desk.ws()), "new_products") == Progress(1, 4)
    assert progress(load_list(desk.ws(desk.mate)), "new_products") == Progress(1, 5)


def test_reading_the_shelf_completes_the_item_and_a_change_reopens_it(desk: Desk) -> None:
    first = desk.shelf_product("P1", TODAY)
    second = desk.shelf_product("P2", dt.date(2026, 11, 25))
    ws = desk.ws()
    assert progress(load_list(ws), "new_products") == Progress(0, 2)
    assert mark_read(ws, [i.row for i in load_shelf(ws)]) == 2
    assert {i.row.product_id: i.state for i in load_shelf(ws)} == {first: ReadState.READ, second: ReadState.READ}
    desk.clock.advance(dt.timedelta(minutes=1))
    assert progress(load_list(ws), "new_products") == Progress(2, 2)  # read today: still counted, "2 / 2"
    with desk.system(write=True) as tx:  # the yield is revised
        row = tx.session.get(ProductRow, second)
        assert row is not None
        row.expected_yield = Decimal("3.1000")
        tx.commit()
    states = {i.row.product_id: i for i in load_shelf(ws)}
    assert states[second].state is ReadState.CHANGED and states[second].pending
    assert states[first].state is ReadState.READ
    assert progress(load_list(ws), "new_products") == Progress(1, 2)
    mark_read(ws, [states[second].row])
    desk.clock.advance(dt.timedelta(minutes=1))
    assert {i.row.product_id: i.state for i in load_shelf(ws)} == {first: ReadState.READ, second: ReadState.READ}
    assert progress(load_list(ws), "new_products") == Progress(2, 2)
    # the next day, yesterday's reads are history: nothing left to read
    desk.clock.set(local(MONDAY, 9))
    assert progress(load_list(ws), "new_products") == Progress(0, 0)


def test_a_product_with_no_listing_date_is_new_from_its_sale_start(desk: Desk) -> None:
    desk.shelf_product("P1", None, sale_start=YESTERDAY)  # an imported file that names no listing date
    desk.shelf_product("P2", None, sale_start=dt.date(2026, 1, 5))  # long on sale
    desk.shelf_product("P3", None)  # neither date: on the shelf, never new
    assert progress(load_list(desk.ws()), "new_products") == Progress(0, 1)


def test_a_product_read_this_instant_counts_as_read(desk: Desk) -> None:
    desk.shelf_product("P1", TODAY)
    ws = desk.ws()
    mark_read(ws, [i.row for i in load_shelf(ws)])  # read at the frozen instant the list is loaded at
    assert progress(load_list(ws), "new_products") == Progress(1, 1)


def test_a_callback_made_this_instant_counts_as_made(desk: Desk) -> None:
    desk.task("k1", TaskKind.CALLBACK, TODAY, status=TaskStatus.DONE, closed_at=NOW)
    assert progress(load_list(desk.ws()), "callbacks") == Progress(1, 1)


def test_fingerprint_follows_the_terms_read(desk: Desk) -> None:
    desk.shelf_product("P1", TODAY, dual_recording=True, cooling_off_hours=24)
    (item,) = load_shelf(desk.ws())
    row = item.row
    assert read_state(row) is ReadState.NEW
    read = replace(row, read_fingerprint=fingerprint(row), read_at=NOW)
    assert read_state(read) is ReadState.READ
    assert fingerprint(replace(read, read_at=NOW + dt.timedelta(days=1))) == fingerprint(row)
    for change in (
        {"expected_yield": Decimal("2.9000")},
        {"min_amount": Decimal("1.00")},
        {"sale_end": MONDAY},
        {"term_days": 181},
        {"dual_recording": False},
        {"cooling_off_hours": 0},
        {"rating": 3},
        {"name": "另一个"},
    ):
        assert read_state(replace(read, **change)) is ReadState.CHANGED, change


# --- the day summary -----------------------------------------------------------------------------------------


def _a_day_of_work(desk: Desk) -> None:
    desk.contact("k1", utc(11, 27, 1), Disposition.NO_ANSWER)
    desk.contact("k2", utc(11, 27, 1, 10), Disposition.SERVICE_DONE)
    desk.contact("k3", utc(11, 27, 1, 20), Disposition.INFORMED, Channel.SMS)
    desk.contact("k4", utc(11, 27, 0, 30), Disposition.INTERESTED, Channel.VISIT)
    desk.contact("k1", utc(11, 26, 8), Disposition.INTERESTED)  # yesterday
    desk.sale("k4", utc(11, 27, 1))
    desk.sale("k4", utc(11, 26, 17), cancelled_at=utc(11, 27, 1, 30))
    desk.sale("k5", utc(11, 26, 8))  # yesterday
    desk.meeting("k5", utc(11, 27, 5), AppointmentStatus.CONFIRMED)
    desk.meeting("k6", utc(11, 27, 6), AppointmentStatus.BOOKED)
    desk.meeting("k7", utc(11, 27, 7), AppointmentStatus.CANCELLED)


def test_the_summary_keeps_its_text_and_the_days_figures(desk: Desk) -> None:
    _a_day_of_work(desk)
    ws = desk.ws()
    saved = save_summary(ws, "  今天回访一位客户，约了两位客户面谈。  ")
    figures = {"calls": 2, "contacts": 4, "sales": 1, "service_callbacks": 1, "meetings": 2}
    assert saved == DaySummary(text="今天回访一位客户，约了两位客户面谈。", figures=figures, saved_at=NOW)
    day_list = load_list(ws)
    assert day_list.summary == saved
    assert progress(day_list, "summary") == Progress(1, 1)
    # written again later: the new text, and the figures as they stand then
    desk.contact("k5", utc(11, 27, 8), Disposition.INTERESTED)
    desk.clock.set(utc(11, 27, 9))
    again = save_summary(ws, "改写")
    assert again.figures == figures | {"calls": 3, "contacts": 5}
    assert load_list(ws).summary == again
    # nobody else's summary changed
    assert load_list(desk.ws(desk.mate)).summary is None


def test_the_summary_counts_the_meetings_held(desk: Desk) -> None:
    desk.meeting("k1", utc(11, 27, 1), AppointmentStatus.DONE)
    desk.meeting("k2", utc(11, 27, 5), AppointmentStatus.CONFIRMED)
    desk.meeting("k3", utc(11, 27, 6), AppointmentStatus.CANCELLED)
    assert save_summary(desk.ws(), "两次面谈").figures["meetings"] == 2


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_summary_is_refused(desk: Desk, text: str) -> None:
    with pytest.raises(DomainError) as caught:
        save_summary(desk.ws(), text)
    assert caught.value.code == "summary_empty"
    assert load_list(desk.ws()).summary is None


def test_a_summary_too_long_is_refused_and_the_saved_one_kept(desk: Desk) -> None:
    ws = desk.ws()
    save_summary(ws, "第一版")
    assert save_summary(ws, "长" * 2000).text == "长" * 2000
    with pytest.raises(DomainError) as caught:
        save_summary(ws, "长" * 2001)
    assert (caught.value.code, caught.value.params) == ("text_too_long", {"max": 2000})
    summary = load_list(ws).summary
    assert summary is not None and summary.text == "长" * 2000


# --- the day boundary, past and future days ------------------------------------------------------------------


def test_the_day_turns_at_midnight_in_the_branch(desk: Desk) -> None:
    desk.contact("k1", utc(11, 26, 15, 59, 59))  # 23:59:59 on the 26th in Shanghai
    desk.contact("k2", utc(11, 26, 16))  # 00:00:00 on the 27th
    desk.contact("k3", utc(11, 27, 15, 59, 59))  # 23:59:59 on the 27th
    desk.contact("k4", utc(11, 27, 16))  # 00:00:00 on the 28th
    ws = desk.ws()
    assert progress(load_list(ws), "calls").done == 2
    assert progress(load_list(ws, YESTERDAY), "calls").done == 1
    desk.clock.set(utc(11, 27, 16))  # midnight: Saturday has begun
    assert load_list(ws).day == SATURDAY
    assert progress(load_list(ws), "calls").done == 1
    assert progress(load_list(ws, TODAY), "calls").done == 2
    desk.clock.set(utc(11, 27, 15, 59, 59))
    assert load_list(ws).day == TODAY


def test_a_past_day_shows_the_figures_it_ended_with(desk: Desk) -> None:
    desk.task("k1", TaskKind.CALLBACK, YESTERDAY, status=TaskStatus.DONE, closed_at=utc(11, 27, 1))  # made today
    desk.task("k2", TaskKind.CALLBACK, dt.date(2026, 11, 25), status=TaskStatus.DONE, closed_at=utc(11, 26, 3))
    desk.task("k3", TaskKind.CALLBACK, TODAY)  # not due yesterday
    desk.task("k8", TaskKind.CALLBACK, YESTERDAY, status=TaskStatus.DONE, closed_at=DAY_START)  # at midnight
    desk.task("k4", TaskKind.SERVICE_CALLBACK, YESTERDAY, created_at=utc(11, 26, 17))  # opened after the day
    desk.referral("k5", utc(11, 26, 2), status=ReferralStatus.ACCEPTED, closed_at=utc(11, 27, 1))
    desk.meeting("k6", utc(11, 26, 8))  # yesterday afternoon, never recorded
    desk.meeting("k7", utc(11, 27, 5), AppointmentStatus.CONFIRMED)  # today: yesterday's "tomorrow"
    desk.read(desk.shelf_product("P1", dt.date(2026, 11, 25)), utc(11, 27, 1))  # read this morning
    ws = desk.ws()
    set_ticked(ws, "appearance", True)  # today's tick
    past = load_list(ws, YESTERDAY)
    assert (past.day, past.editable) == (YESTERDAY, False)
    assert progress(past, "callbacks") == Progress(1, 3)  # those made this morning were still open then
    assert progress(past, "new_products") == Progress(0, 1)  # not read yet then
    assert progress(past, "service_callbacks") == Progress(0, 0)
    assert progress(past, "referrals") == Progress(0, 1)
    assert progress(past, "meetings_recorded") == Progress(0, 1)  # the day is over: every meeting has begun
    assert progress(past, "tomorrow_confirmed") == Progress(1, 1)
    assert figures(past)["appearance"] is False
    today = load_list(ws)
    assert progress(today, "callbacks") == Progress(2, 3)  # two made today, and k3's open
    assert progress(today, "new_products") == Progress(1, 1)
    assert progress(today, "service_callbacks") == Progress(0, 1)
    assert progress(today, "referrals") == Progress(1, 1)
    assert figures(today)["appearance"] is True


def test_a_future_day_is_today(desk: Desk) -> None:
    future = load_list(desk.ws(), MONDAY)
    assert (future.day, future.editable) == (TODAY, True)


def test_friday_list_on_monday_is_read_only_and_monday_starts_afresh(desk: Desk) -> None:
    ws = desk.ws()
    set_ticked(ws, "appearance", True)
    set_note(ws, "morning_meeting", "早会请假")
    desk.clock.set(local(MONDAY, 9))
    monday = load_list(ws)
    assert (monday.day, monday.editable, figures(monday)["appearance"]) == (MONDAY, True, False)
    friday = load_list(ws, TODAY)
    assert (friday.editable, figures(friday)["appearance"]) == (False, True)
    assert next(i.note for i in friday.items if i.item.code == "morning_meeting") == "早会请假"


# --- ticks, notes and persistence ----------------------------------------------------------------------------


def test_ticks_and_notes_survive_a_restart(desk: Desk, db_url: str, clock: FrozenClock) -> None:
    ws = desk.ws()
    set_ticked(ws, "appearance", True)
    set_ticked(ws, "morning_meeting", True)
    set_ticked(ws, "morning_meeting", False)
    set_note(ws, "appearance", "  工牌已佩戴  ")
    set_note(ws, "calls", "下午继续")  # a note on an automatic item
    restarted = make_engine(db_url)
    try:
        factory = SqlUnitOfWorkFactory(restarted, clock)
        with factory() as tx:
            csm = tx.staff.by_login("csm01")
        assert csm is not None
        fresh = Workstation(
            uow=factory.acting_as(csm), staff=csm, outlet=None, time=BranchTime(clock, TZ), policy=Policy(),
            demo=False,
        )  # fmt: skip
        day_list = load_list(fresh)
        states = {i.item.code: (i.ticked, i.note) for i in day_list.items}
        assert states["appearance"] == (True, "工牌已佩戴")
        assert states["morning_meeting"] == (False, "")
        assert states["calls"] == (False, "下午继续")
        assert all(states[c] == (False, "") for c in states if c not in {"appearance", "morning_meeting", "calls"})
        set_note(fresh, "appearance", "")  # a note cleared, the tick kept
        assert {i.item.code: (i.ticked, i.note) for i in load_list(ws).items}["appearance"] == (True, "")
    finally:
        restarted.dispose()
    with desk.system() as tx:
        assert tx.session.scalar(select(func.count()).select_from(ChecklistDayRow)) == 1
        assert tx.session.scalar(select(func.count()).select_from(ChecklistMarkRow)) == 3


def test_an_automatic_item_cannot_be_ticked(desk: Desk) -> None:
    for code in ("calls", "summary", "new_products"):
        with pytest.raises(DomainError) as caught:
            set_ticked(desk.ws(), code, True)
        assert caught.value.code == "checklist_automatic"
    assert not progress(load_list(desk.ws()), "calls").complete


def test_an_unknown_item_is_refused(desk: Desk) -> None:
    with pytest.raises(DomainError) as caught:
        set_ticked(desk.ws(), "lunch", True)
    assert caught.value.code == "checklist_no_item"
    with pytest.raises(DomainError) as caught:
        set_note(desk.ws(), "lunch", "x")
    assert caught.value.code == "checklist_no_item"
    with desk.system() as tx:
        assert tx.session.scalar(select(func.count()).select_from(ChecklistMarkRow)) == 0


def test_a_note_too_long_is_refused_and_the_saved_one_kept(desk: Desk) -> None:
    ws = desk.ws()
    set_note(ws, "appearance", "短")
    assert set_note(ws, "appearance", "注" * 500).note == "注" * 500
    with pytest.raises(DomainError) as caught:
        set_note(ws, "appearance", "注" * 501)
    assert (caught.value.code, caught.value.params) == ("text_too_long", {"max": 500})
    assert {i.item.code: i.note for i in load_list(ws).items}["appearance"] == "注" * 500


def test_two_units_of_work_making_the_same_day_row(desk: Desk) -> None:
    factory = desk.system.acting_as(desk.csm)
    csm = desk.sid(desk.csm)
    errors: list[BaseException] = []
    entering = threading.Event()

    def second() -> None:
        try:
            entering.set()
            with factory(write=True) as tx:
                tx.checklists.set_mark(csm, TODAY, "morning_meeting", NOW, ticked=True)
                tx.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    with factory(write=True) as first:
        first.checklists.set_mark(csm, TODAY, "appearance", NOW, ticked=True)
        worker = threading.Thread(target=second)
        worker.start()
        assert entering.wait(10)
        time.sleep(0.5)  # the second one is now waiting on the first's row (PostgreSQL) or lock (SQLite)
        first.commit()
    worker.join(30)
    assert not worker.is_alive()
    assert errors == []
    states = {i.item.code: i.ticked for i in load_list(desk.ws()).items if i.progress is None}
    assert states == {"appearance": True, "morning_meeting": True}
    with desk.system() as tx:
        assert tx.session.scalar(select(func.count()).select_from(ChecklistDayRow)) == 1


def test_two_workstations_marking_the_same_item_at_once(
    desk: Desk, db_url: str, request: pytest.FixtureRequest
) -> None:
    factory = desk.system.acting_as(desk.csm)
    csm = desk.sid(desk.csm)
    set_ticked(desk.ws(), "morning_meeting", True)  # the day's row exists: only the item's row is raced for
    errors: list[BaseException] = []
    entering = threading.Event()

    def second() -> None:
        try:
            entering.set()
            set_note(desk.ws(), "appearance", "另一台电脑")
        except BaseException as exc:  # reported below
            errors.append(exc)

    with factory(write=True) as first:
        first.checklists.set_mark(csm, TODAY, "appearance", NOW, ticked=True)
        worker = threading.Thread(target=second)
        worker.start()
        assert entering.wait(10)
        time.sleep(0.5)
        first.commit()
    worker.join(30)
    assert not worker.is_alive()
    assert errors == []
    states = {i.item.code: (i.ticked, i.note) for i in load_list(desk.ws()).items}
    assert states["appearance"] == (True, "另一台电脑")


# --- who sees and writes whose list --------------------------------------------------------------------------


def test_a_csm_cannot_read_a_colleagues_list(desk: Desk) -> None:
    with pytest.raises(AccessDenied):
        load_list(desk.ws(), staff=desk.mate)
    with pytest.raises(AccessDenied):
        load_list(desk.ws(desk.other), TODAY, staff=desk.csm)


def test_the_supervisor_reads_the_teams_lists_read_only(desk: Desk) -> None:
    set_ticked(desk.ws(), "appearance", True)
    set_note(desk.ws(), "appearance", "已检查")
    desk.contact("k1", utc(11, 27, 1))
    for reader in (desk.sup1, desk.admin):
        seen = load_list(desk.ws(reader), staff=desk.csm)
        assert (seen.staff, seen.editable) == (desk.csm, False)
        assert figures(seen)["appearance"] is True
        assert progress(seen, "calls") == Progress(1, 10)
        assert next(i.note for i in seen.items if i.item.code == "appearance") == "已检查"
        assert load_list(desk.ws(reader), YESTERDAY, staff=desk.csm).editable is False
    with pytest.raises(AccessDenied):
        load_list(desk.ws(desk.sup2), staff=desk.csm)
    own = load_list(desk.ws(desk.sup1))  # a supervisor's own list is theirs to tick
    assert (own.staff, own.editable) == (desk.sup1, True)


def test_team_lists_are_for_supervisors(desk: Desk) -> None:
    with pytest.raises(AccessDenied):
        team_lists(desk.ws(), TODAY)


def test_team_lists_show_who_is_behind_on_what(desk: Desk) -> None:
    set_ticked(desk.ws(), "appearance", True)
    desk.contact("k1", utc(11, 27, 1), Disposition.SERVICE_DONE)  # a call that needs no next contact
    desk.task("m1", TaskKind.CALLBACK, TODAY, staff=desk.mate)
    desk.contact("o1", utc(11, 27, 1), staff=desk.other)
    rows = team_lists(desk.ws(desk.sup1), TODAY)
    assert [r.staff.login for r in rows] == ["csm01", "csm02"]  # csm04 has left; csm03 is sup2's
    csm, mate = rows
    assert (csm.done, csm.total, csm.calls) == (10, 13, Progress(1, 10))
    assert [i.code for i in csm.behind] == ["morning_meeting", "calls", "summary"]
    assert (mate.done, mate.total, mate.calls) == (8, 13, Progress(0, 10))
    assert [i.code for i in mate.behind] == ["callbacks", "appearance", "morning_meeting", "calls", "summary"]
    assert [(r.staff.login, r.calls) for r in team_lists(desk.ws(desk.sup2), TODAY)] == [("csm03", Progress(1, 10))]
    assert [r.staff.login for r in team_lists(desk.ws(desk.admin), TODAY)] == ["csm01", "csm02", "csm03"]
    # yesterday's completion, and a future date read as today
    assert [r.done for r in team_lists(desk.ws(desk.sup1), YESTERDAY)] == [9, 9]  # the callback is due today
    assert [r.done for r in team_lists(desk.ws(desk.sup1), MONDAY)] == [10, 8]


def test_nobody_writes_someone_elses_list(desk: Desk) -> None:
    csm = desk.sid(desk.csm)
    summary = DaySummary(text="x", figures={}, saved_at=NOW)
    for writer in (desk.mate, desk.sup1, desk.admin):
        with desk.system.acting_as(writer)(write=True) as tx:
            with pytest.raises(AccessDenied):
                tx.checklists.set_mark(csm, TODAY, "appearance", NOW, ticked=True)
            with pytest.raises(AccessDenied):
                tx.checklists.save_summary(csm, TODAY, summary)
            with pytest.raises(AccessDenied):
                tx.product_reads.record(csm, [ProductRead(product_id=desk.product, fingerprint="x", read_at=NOW)])
    with desk.system.acting_as(desk.mate)() as tx, pytest.raises(AccessDenied):
        tx.checklists.marks(csm, TODAY)
    with desk.system() as tx:
        assert tx.session.scalar(select(func.count()).select_from(ChecklistDayRow)) == 0


# --- the template in the policy ------------------------------------------------------------------------------

CASH = {"zh_CN": "尾箱清点", "en": "Cash box counted"}


def test_a_branch_item_names_itself_in_both_languages() -> None:
    with pytest.raises(ValidationError, match="need text in zh_CN and en: cash"):
        Checklist(items=(*DEFAULT_CHECKLIST, ChecklistItem(code="cash", phase=ChecklistPhase.AFTER)))
    with pytest.raises(ValidationError, match="exactly zh_CN and en"):
        ChecklistItem(code="cash", phase=ChecklistPhase.AFTER, text={"zh_CN": "尾箱清点"})
    with pytest.raises(ValidationError):
        ChecklistItem(code="cash", phase=ChecklistPhase.AFTER, text={"zh_CN": "尾" * 61, "en": "Cash"})
    with pytest.raises(ValidationError):
        ChecklistItem(code="cash", phase=ChecklistPhase.AFTER, text={"zh_CN": "", "en": "Cash"})
    with pytest.raises(ValidationError):
        ChecklistItem(code="Cash Box", phase=ChecklistPhase.AFTER, text=CASH)
    with pytest.raises(ValidationError):
        ChecklistItem(code="cash", phase=ChecklistPhase.AFTER, measure="coffee", text=CASH)  # type: ignore[arg-type]
    item = ChecklistItem(code="cash", phase=ChecklistPhase.AFTER, text=CASH)
    assert Checklist(items=(*DEFAULT_CHECKLIST, item)).items[-1] == item


def test_item_codes_are_unique() -> None:
    twice = ChecklistItem(code="appearance", phase=ChecklistPhase.AFTER)
    with pytest.raises(ValidationError, match="unique: appearance"):
        Checklist(items=(*DEFAULT_CHECKLIST, twice))
    with pytest.raises(ValidationError):
        Checklist(items=())


def test_a_policy_file_with_an_unnamed_item_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[[checklist.items]]\ncode = "cash"\nphase = "after"\n', encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.key == "checklist.items"
    assert "cash" in caught.value.reason


def test_a_policy_file_replaces_the_template(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        "[checklist]\nnew_product_days = 3\n"
        '[[checklist.items]]\ncode = "calls"\nphase = "during"\nmeasure = "calls"\n'
        '[[checklist.items]]\ncode = "cash"\nphase = "after"\ntext = { zh_CN = "尾箱清点", en = "Cash box counted" }\n',
        encoding="utf-8",
    )
    policy = load_policy(path)
    assert [(i.code, i.measure, i.text) for i in policy.checklist.items] == [
        ("calls", _M.CALLS, {}),
        ("cash", None, CASH),
    ]
    assert policy.checklist.new_product_days == 3


def test_a_branch_item_shows_in_the_list_and_is_ticked_by_hand(desk: Desk) -> None:
    cash = ChecklistItem(code="cash", phase=ChecklistPhase.AFTER, text=CASH)
    policy = Policy(checklist=Checklist(items=(*DEFAULT_CHECKLIST, cash)))
    ws = desk.ws(policy=policy)
    assert load_list(ws).items[-1].item == cash
    set_ticked(ws, "cash", True)
    day_list = load_list(ws)
    assert figures(day_list)["cash"] is True and day_list.items[-1].done
    with pytest.raises(DomainError):  # the shipped template has no such item
        set_ticked(desk.ws(), "cash", False)


# --- the shelf's arithmetic, for any shelf -------------------------------------------------------------------

WINDOW = DayWindow(
    day=TODAY,
    start=DAY_START,
    end=DAY_END,
    now=NOW,
    next_start=local(MONDAY, 0),
    next_end=local(TUESDAY, 0),
    maturing_until=dt.date(2026, 12, 4),
    contacted_since=local(dt.date(2026, 11, 20), 0),
)
_naive = dt.datetime(2026, 10, 1)
_before_now = st.datetimes(min_value=_naive, max_value=NOW.replace(tzinfo=None) - dt.timedelta(microseconds=1))
_today_before_now = st.datetimes(
    min_value=DAY_START.replace(tzinfo=None), max_value=NOW.replace(tzinfo=None) - dt.timedelta(microseconds=1)
)


@st.composite
def shelves(draw: st.DrawFn) -> list[ShelfRow]:
    """Products on a shelf, each never read, read as it is, or read before its terms changed — all before now."""
    rows = []
    for product_id in range(1, draw(st.integers(0, 10)) + 1):
        row = ShelfRow(
            product_id=product_id,
            code=f"P{product_id}",
            name=draw(st.sampled_from(["稳利", "Fund A", "金"])),
            category=draw(st.sampled_from(list(ProductCategory))),
            rating=draw(st.none() | st.integers(1, 5)),
            term_days=draw(st.none() | st.integers(0, 1100)),
            expected_yield=draw(st.none() | st.decimals(0, 10, places=4)),
            min_amount=draw(st.decimals(0, 1_000_000, places=2)),
            sale_start=None,
            sale_end=None,
            dual_recording=draw(st.booleans()),
            cooling_off_hours=draw(st.integers(0, 48)),
            listed_on=draw(st.none() | st.dates(dt.date(2026, 9, 1), TODAY)),
            read_fingerprint=None,
            read_at=None,
        )
        read = draw(st.sampled_from(["never", "as is", "changed since"]))
        if read != "never":
            at = draw(_before_now).replace(tzinfo=dt.UTC)
            row = replace(row, read_fingerprint=fingerprint(row) if read == "as is" else "stale", read_at=at)
        rows.append(row)
    return rows


@given(rows=shelves(), new_days=st.integers(1, 90))
def test_products_read_never_exceeds_those_to_read(rows: list[ShelfRow], new_days: int) -> None:
    items = shelf_items(rows, WINDOW, new_days)
    figure = products_read(items, WINDOW)
    assert 0 <= figure.done <= figure.total <= len(rows)
    assert figure.total >= sum(1 for i in items if i.pending)


@given(rows=shelves(), new_days=st.integers(1, 90), at=_today_before_now)
def test_reading_everything_pending_completes_the_item(rows: list[ShelfRow], new_days: int, at: dt.datetime) -> None:
    items = shelf_items(rows, WINDOW, new_days)
    before = products_read(items, WINDOW)
    read = [
        replace(i.row, read_fingerprint=fingerprint(i.row), read_at=at.replace(tzinfo=dt.UTC)) if i.pending else i.row
        for i in items
    ]
    after = products_read(shelf_items(read, WINDOW, new_days), WINDOW)
    assert after.complete and after.done == after.total
    assert after.total == before.total  # what was to read stays counted, now as read
    assert not any(i.pending for i in shelf_items(read, WINDOW, new_days))


# --- commit listeners ----------------------------------------------------------------------------------------


@pytest.fixture
def heard(uow_factory: SqlUnitOfWorkFactory) -> Iterator[list[str]]:
    calls: list[str] = []
    uow_factory.on_commit(lambda: calls.append("committed"))
    yield calls


def test_listeners_hear_committed_writes_only(uow_factory: SqlUnitOfWorkFactory, heard: list[str]) -> None:
    with uow_factory(write=True) as tx:
        tx.outlets.add(NewOutlet(code="B01", name="营业部"))
        tx.commit()
    assert heard == ["committed"]
    with uow_factory(write=True) as tx:
        tx.outlets.add(NewOutlet(code="B02", name="支行"))  # left without committing: rolled back
    with uow_factory(write=True) as tx:
        tx.outlets.add(NewOutlet(code="B03", name="支行"))
        tx.rollback()
    with uow_factory() as tx:
        assert [o.code for o in tx.outlets.list()] == ["B01"]
    with pytest.raises(RuntimeError), uow_factory(write=True) as tx:
        tx.outlets.add(NewOutlet(code="B04", name="支行"))
        raise RuntimeError("the save failed")
    assert heard == ["committed"]


def test_listeners_hear_every_workstations_writes(desk: Desk, heard: list[str]) -> None:
    heard.clear()  # the branch's own setup
    ws = desk.ws()
    load_list(ws)
    load_shelf(ws)
    assert heard == []
    set_ticked(ws, "appearance", True)
    set_note(ws, "appearance", "好")
    save_summary(ws, "总结")
    assert heard == ["committed"] * 3
    with pytest.raises(DomainError):
        set_ticked(ws, "calls", True)
    assert len(heard) == 3


def test_a_failing_listener_does_not_undo_the_write(
    uow_factory: SqlUnitOfWorkFactory, heard: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise ValueError("screen gone")

    uow_factory.on_commit(broken)
    uow_factory.on_commit(lambda: heard.append("after"))
    with uow_factory(write=True) as tx:
        tx.outlets.add(NewOutlet(code="B01", name="营业部"))
        tx.commit()
    assert heard == ["committed", "after"]
    with uow_factory() as tx:
        assert [o.code for o in tx.outlets.list()] == ["B01"]
    assert "commit listener failed: ValueError" in caplog.text
