"""Leave and cover, through the services on SQLite and PostgreSQL: who may record leave, who may cover, overlapping
leave and a race of two sessions, the covered calls in the colleague's queue (and nowhere else), the call credited
to whoever made it, the backlog spread after the return, and the checklist's target on a day away.

The clock stands on Friday 27 November 2026, 10:00 in Shanghai; the leave runs Friday to Tuesday 1 December.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from textual.widgets import Input

from csm_tui.app import CsmApp
from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import (
    FIXED_REASONS,
    Channel,
    ChecklistMeasure,
    Disposition,
    LeaveKind,
    QueueReason,
    RiskLevel,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.households import Relation
from csm_tui.domain.models import (
    Client,
    NewClient,
    NewContactRecord,
    NewRiskAssessment,
    NewTask,
    Staff,
)
from csm_tui.i18n import catalog
from csm_tui.policy import LeaveCalls, Measure, Policy
from csm_tui.services.calls import appointments, outcomes
from csm_tui.services.calls.leave_queue import spread_backlog
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.calls.preparation import prepare
from csm_tui.services.calls.queue import QueueItem, today_queue
from csm_tui.services.checklist import day_list
from csm_tui.services.clients import client_detail, households
from csm_tui.services.clients.referrals import refer_to_wode
from csm_tui.services.leave import (
    away_today,
    calls_covered,
    cancel_leave,
    change_cover,
    colleagues,
    record_leave,
    upcoming,
)
from csm_tui.services.policy_audit import record_policy
from csm_tui.services.ports import AccessDenied, SessionEnded
from csm_tui.services.rows import Candidate
from csm_tui.services.scoreboard.quarter_scores import Quarter, csm_view, records
from csm_tui.services.selling import attempts
from csm_tui.services.workstation import Workstation
from screens.call_session import CallSession
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, numbered_rid
from tests.support.pilot import notices, open_client_page, press_settled, recording_notices
from tests.support.selling_branch import answers

TZ = "Asia/Shanghai"
TODAY = dt.date(2026, 11, 27)  # a Friday
NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
LAST = dt.date(2026, 12, 1)  # the leave's last day, a Tuesday
BACK = dt.date(2026, 12, 2)  # the first day back


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def with_leave(calls: LeaveCalls = LeaveCalls.COVER, target: int = 10) -> Policy:
    p = Policy()
    return p.model_copy(
        update={
            "leave": p.leave.model_copy(update={"calls": calls}),
            "calls": p.calls.model_copy(update={"daily_target": target}),
        }
    )


@dataclass
class Branch:
    factory: SqlUnitOfWorkFactory
    clock: FrozenClock
    staff: dict[str, Staff]
    clients: dict[str, int]

    def ws(self, login: str, policy: Policy | None = None) -> Workstation:
        staff = self.staff[login]
        return Workstation(
            uow=self.factory.acting_as(staff), staff=staff, outlet=None, time=BranchTime(self.clock, TZ),
            policy=policy or with_leave(), demo=False,
        )  # fmt: skip

    def id(self, login: str) -> int:
        staff_id = self.staff[login].id
        assert staff_id is not None
        return staff_id

    def task(self, client: str, kind: TaskKind, due_on: dt.date, login: str = "wang") -> int:
        with self.factory(write=True) as tx:
            task = tx.tasks.add(
                NewTask(
                    client_id=self.clients[client], staff_id=self.id(login), kind=kind, due_on=due_on,
                    origin=TaskOrigin.MANUAL, created_at=NOW - dt.timedelta(days=20),
                )
            )  # fmt: skip
            tx.commit()
        assert task.id is not None
        return task.id

    def client(self, name: str, login: str = "wang") -> int:
        n = len(self.clients) + 1
        with self.factory(write=True) as tx:
            added = tx.clients.add(
                NewClient(
                    number=f"C{n:04d}", name=name, resident_id=numbered_rid(n), mobile=f"1390000{n:04d}",
                    manager_id=self.id(login), avg_3m=Decimal("80000.00"),
                )
            )  # fmt: skip
            tx.commit()
        assert added.id is not None
        self.clients[name] = added.id
        return added.id


@pytest.fixture
def branch(engine: Engine, clock: FrozenClock) -> Branch:
    factory = SqlUnitOfWorkFactory(engine, clock)
    with factory(write=True) as tx:
        build = BranchBuilder(tx)
        a = build.outlet("A01", "营业部")
        b = build.outlet("B01", "徐汇支行")
        build.outlet_id = a  # everyone's outlet but zhao's
        sup = build.staff("sup", "张主管", Role.SUPERVISOR)
        sup2 = build.staff("sup2", "孙主管", Role.SUPERVISOR)
        admin = build.staff("admin", "管理员", Role.ADMIN, outlet_id=None)

        def csm(login: str, name: str, outlet: int, boss: Staff | None, **more: object) -> Staff:
            return build.staff(login, name, Role.CSM, outlet_id=outlet, supervisor_id=boss.id if boss else None, **more)

        staff = {
            "sup": sup,
            "sup2": sup2,
            "admin": admin,
            "wang": csm("wang", "王芳", a, sup),
            "li": csm("li", "李娜", a, sup),
            "zhou": csm("zhou", "周强", a, sup2),
            "zhao": csm("zhao", "赵敏", b, None),
            "chen": csm("chen", "陈静", a, sup, active=False),
            "gone": csm("gone", "吴离", a, sup, left_on=days(2)),
        }
        tx.commit()
    return Branch(factory, clock, staff, {})


def leave(b: Branch, by: str = "wang", who: str = "wang", cover: str | None = "li", **more: object) -> None:
    first = more.pop("first", TODAY)
    last = more.pop("last", LAST)
    record_leave(
        b.ws(by, more.pop("policy", None)),  # type: ignore[arg-type]
        b.id(who), first, last, LeaveKind.ANNUAL,  # type: ignore[arg-type]
        None if cover is None else b.id(cover),
    )  # fmt: skip


def audit_actions(b: Branch) -> list[str]:
    with b.factory() as tx:
        return [e.action for e in tx.audit.recent(200)]


# --- who may record leave ------------------------------------------------------------------------------------------


def test_a_csm_records_own_leave_covered_by_a_colleague_and_the_write_is_audited(branch: Branch) -> None:
    leave(branch)
    [row] = upcoming(branch.ws("wang"), branch.id("wang"))
    assert (row.leave.first_day, row.leave.last_day, row.cover_name) == (TODAY, LAST, "李娜")
    assert row.leave.recorded_by == branch.id("wang")
    assert "leave.record" in audit_actions(branch)
    assert "insert" in audit_actions(branch)  # the row itself, like every write


def test_a_csm_cannot_record_leave_for_a_colleague(branch: Branch) -> None:
    with pytest.raises(AccessDenied):
        leave(branch, by="li", who="wang", cover="li")
    with pytest.raises(AccessDenied):
        leave(branch, by="wang", who="li", cover="wang")
    assert upcoming(branch.ws("sup"), branch.id("wang")) == []


def test_a_supervisor_records_leave_for_the_team_only_and_the_admin_for_anyone(branch: Branch) -> None:
    with pytest.raises(AccessDenied):
        leave(branch, by="sup2", who="wang")  # another team's supervisor
    leave(branch, by="sup", who="wang")
    leave(branch, by="admin", who="zhou", cover="wang", first=days(10), last=days(12))
    assert [r.cover_name for r in upcoming(branch.ws("sup2"), branch.id("zhou"))] == ["王芳"]


def test_only_an_active_csm_or_supervisor_goes_on_leave_and_a_supervisors_names_no_cover(branch: Branch) -> None:
    with pytest.raises(DomainError, match="leave_supervisor_no_cover"):
        leave(branch, by="admin", who="sup", cover="li")
    with pytest.raises(DomainError, match="leave_not_csm"):
        leave(branch, by="admin", who="chen", cover="li")
    leave(branch, by="sup", who="sup", cover=None)  # the supervisor's own leave, nothing to cover
    assert [r.cover_name for r in upcoming(branch.ws("admin"), branch.id("sup"))] == [""]


# --- who may cover -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cover", "code"),
    [
        ("chen", "leave_cover_not_csm"),  # inactive
        ("sup", "leave_cover_not_csm"),  # not a CSM
        ("zhao", "leave_cover_other_outlet"),
        ("gone", "leave_cover_off_staff"),  # leaves the bank before the leave ends
        ("wang", "leave_cover_self"),
    ],
)
def test_the_colleague_must_be_an_active_csm_of_the_same_outlet_on_staff_then(
    branch: Branch, cover: str, code: str
) -> None:
    with pytest.raises(DomainError, match=code):
        leave(branch, by="admin", cover=cover)
    with branch.factory() as tx:
        assert tx.leave.overlapping(branch.id("wang"), TODAY, LAST) == []


def test_a_colleague_away_on_any_of_the_days_cannot_cover(branch: Branch) -> None:
    leave(branch, who="li", by="li", cover="zhou", first=LAST, last=days(8))
    with pytest.raises(DomainError, match="leave_cover_away"):
        leave(branch)


def test_a_csm_covering_for_someone_cannot_go_on_leave_then(branch: Branch) -> None:
    leave(branch, by="li", who="li", cover="wang", first=days(3), last=days(5))
    with pytest.raises(DomainError, match="leave_while_covering"):
        leave(branch)  # wang would be away while covering for li


def test_the_policy_says_whether_a_colleague_covers_or_the_calls_wait(branch: Branch) -> None:
    with pytest.raises(DomainError, match="leave_cover_required"):
        leave(branch, cover=None)
    waiting = with_leave(LeaveCalls.WAIT)
    with pytest.raises(DomainError, match="leave_cover_not_used"):
        leave(branch, policy=waiting)
    leave(branch, cover=None, policy=waiting)
    assert upcoming(branch.ws("wang"), branch.id("wang"))[0].cover_name == ""


def test_colleagues_offered_are_the_outlets_other_active_csms(branch: Branch) -> None:
    names = [s.name for s in colleagues(branch.ws("wang"), branch.id("wang"))]
    assert names == ["吴离", "李娜", "周强"]  # by login; the days are checked when saving


# --- overlapping leave and a race ----------------------------------------------------------------------------------


def test_overlapping_leave_is_refused_and_a_cancelled_one_frees_its_days(branch: Branch) -> None:
    leave(branch)
    with pytest.raises(DomainError, match="leave_overlaps"):
        leave(branch, first=LAST, last=days(9))
    leave(branch, first=days(5), last=days(9))  # the next day on: no overlap
    first = upcoming(branch.ws("wang"), branch.id("wang"))[0].leave
    assert first.id is not None
    with pytest.raises(AccessDenied):
        cancel_leave(branch.ws("li"), first.id)
    cancel_leave(branch.ws("wang"), first.id)
    leave(branch, first=TODAY, last=days(1))
    assert "leave.cancel" in audit_actions(branch)


def test_leave_is_recorded_no_further_back_or_ahead_than_the_policy_allows(branch: Branch) -> None:
    with pytest.raises(DomainError, match="leave_out_of_range"):
        leave(branch, first=days(-31), last=days(-30))
    with pytest.raises(DomainError, match="leave_days"):
        leave(branch, first=LAST, last=TODAY)


def test_two_sessions_recording_overlapping_leave_at_once_keep_exactly_one(branch: Branch) -> None:
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def one(by: str, first: dt.date) -> None:
        start.wait()
        try:
            leave(branch, by=by, first=first, last=LAST)
            outcomes.append("saved")
        except DomainError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=one, args=args) for args in (("wang", TODAY), ("sup", days(1)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["leave_overlaps", "saved"]
    with branch.factory() as tx:
        assert len(tx.leave.overlapping(branch.id("wang"), TODAY, LAST)) == 1


def test_a_colleague_named_as_cover_while_going_on_leave_in_another_session_keeps_one_of_the_two(
    branch: Branch,
) -> None:
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def one(who: str, cover: str, first: dt.date, last: dt.date) -> None:
        start.wait()
        try:
            leave(branch, by="sup", who=who, cover=cover, first=first, last=last)
            outcomes.append("saved")
        except DomainError as exc:
            outcomes.append(exc.code)

    threads = [
        threading.Thread(target=one, args=("wang", "li", TODAY, LAST)),
        threading.Thread(target=one, args=("li", "zhou", days(1), days(3))),  # Saturday to Monday
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes.count("saved") == 1
    assert set(outcomes) - {"saved"} <= {"leave_cover_away", "leave_while_covering"}


def test_the_database_refuses_a_leave_covered_by_the_one_away_or_ending_before_it_starts(branch: Branch) -> None:
    sql = text(
        "INSERT INTO staff_leave (staff_id, kind, first_day, last_day, starts_at, ends_at, cover_id, note, "
        "recorded_at) VALUES (:s, 'annual', :f, :l, :a, :e, :c, '', :a)"
    )
    wang, li = branch.id("wang"), branch.id("li")
    start, end = dt.datetime(2026, 11, 26, 16), dt.datetime(2026, 11, 27, 16)
    for params in ({"c": wang, "f": TODAY, "l": TODAY}, {"c": li, "f": TODAY, "l": days(-1)}):
        with branch.factory.engine.begin() as conn, pytest.raises(IntegrityError):
            conn.execute(sql, {"s": wang, "a": start, "e": end, **params})


# --- the queue during the leave ------------------------------------------------------------------------------------


def names(b: Branch, items: list[QueueItem]) -> list[tuple[str, str]]:
    by_id = {v: k for k, v in b.clients.items()}
    return [(by_id[i.client_id], i.cover_for) for i in items]


@pytest.fixture
def covered(branch: Branch) -> Branch:
    branch.client("甲客户")
    branch.task("甲客户", TaskKind.FOLLOW_UP, TODAY)
    branch.client("乙客户")
    branch.task("乙客户", TaskKind.CALLBACK, days(-1))
    branch.client("丙客户", login="li")
    branch.task("丙客户", TaskKind.FOLLOW_UP, TODAY, login="li")
    leave(branch)
    return branch


def test_the_absent_csms_due_calls_are_in_the_colleagues_queue_marked_whose_they_are(covered: Branch) -> None:
    assert names(covered, today_queue(covered.ws("li"))) == [("乙客户", "王芳"), ("甲客户", "王芳"), ("丙客户", "")]
    assert today_queue(covered.ws("wang")) == []  # away: nothing in the absent CSM's own queue
    assert names(covered, today_queue(covered.ws("zhou"))) == []  # nobody else's


def test_when_the_calls_wait_no_colleague_sees_them_and_they_are_there_on_return(branch: Branch) -> None:
    branch.client("甲客户")
    branch.task("甲客户", TaskKind.FOLLOW_UP, TODAY)
    waiting = with_leave(LeaveCalls.WAIT)
    leave(branch, cover=None, policy=waiting)
    assert today_queue(branch.ws("li", waiting)) == []
    assert today_queue(branch.ws("wang", waiting)) == []
    branch.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))
    assert names(branch, today_queue(branch.ws("wang", waiting))) == [("甲客户", "")]


def test_the_cover_ends_with_the_leave(covered: Branch) -> None:
    covered.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))  # Wednesday: back
    assert [c for _, c in names(covered, today_queue(covered.ws("li")))] == [""]
    with pytest.raises(AccessDenied):
        prepare(covered.ws("li"), covered.clients["甲客户"])
    assert {n for n, _ in names(covered, today_queue(covered.ws("wang")))} == {"甲客户", "乙客户"}


def test_the_cover_begins_on_the_first_day_and_stops_when_the_leave_is_cancelled(branch: Branch) -> None:
    client_id = branch.client("甲客户")
    branch.task("甲客户", TaskKind.FOLLOW_UP, TODAY)
    leave(branch, first=days(3), last=days(4))  # Monday and Tuesday
    with pytest.raises(AccessDenied):
        prepare(branch.ws("li"), client_id)  # not yet
    assert today_queue(branch.ws("li")) == []
    branch.clock.set(dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC))
    assert prepare(branch.ws("li"), client_id).client_id == client_id
    [entry] = upcoming(branch.ws("wang"), branch.id("wang"))
    assert entry.leave.id is not None
    cancel_leave(branch.ws("sup"), entry.leave.id)
    with pytest.raises(AccessDenied):
        prepare(branch.ws("li"), client_id)
    assert names(branch, today_queue(branch.ws("wang"))) == [("甲客户", "")]


def test_a_csm_back_early_ends_the_leave_under_way_and_the_days_away_stay_on_record(branch: Branch) -> None:
    client_id = branch.client("甲客户")
    branch.task("甲客户", TaskKind.FOLLOW_UP, TODAY)
    leave(branch, first=days(3), last=days(5))  # Monday to Wednesday
    branch.clock.set(dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC))  # Tuesday: back a day early
    assert prepare(branch.ws("li"), client_id).client_id == client_id  # the cover works the client until now
    [entry] = upcoming(branch.ws("wang"), branch.id("wang"))
    ended = cancel_leave(branch.ws("wang"), entry.leave.id)
    assert (ended.cancelled_at, ended.first_day, ended.last_day) == (None, days(3), days(3))  # Monday stays leave
    assert ended.ends_at == dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC)  # Tuesday's start in Shanghai
    with pytest.raises(AccessDenied):
        prepare(branch.ws("li"), client_id)  # the cover ends at once
    assert names(branch, today_queue(branch.ws("wang"))) == [("甲客户", "")]
    assert upcoming(branch.ws("wang"), branch.id("wang")) == []
    leave(branch, first=days(5), last=days(5))  # Wednesday is free to record again
    assert "leave.end_early" in audit_actions(branch) and "leave.cancel" not in audit_actions(branch)


def test_leave_already_over_is_corrected_by_the_supervisor_never_by_the_csm(branch: Branch) -> None:
    leave(branch, first=days(3), last=days(4))  # Monday and Tuesday
    [entry] = upcoming(branch.ws("wang"), branch.id("wang"))
    branch.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))  # Wednesday: over
    with pytest.raises(DomainError, match="leave_over_by_supervisor"):
        cancel_leave(branch.ws("wang"), entry.leave.id)  # else days away would vanish from the record after the fact
    cancelled = cancel_leave(branch.ws("sup"), entry.leave.id)
    assert cancelled.cancelled_at is not None and "leave.cancel" in audit_actions(branch)


def test_a_colleague_sees_the_number_to_dial_audited_never_the_full_id(covered: Branch) -> None:
    client_id = covered.clients["甲客户"]
    card = prepare(covered.ws("li"), client_id)
    assert card.mobile.startswith("139") and "*" in card.masked_id
    with covered.factory() as tx:
        opened = next(e for e in tx.audit.recent(20) if e.action == "call.open")
    assert opened.staff_id == covered.id("li") and opened.detail["cover_for"] == covered.id("wang")
    with pytest.raises(AccessDenied):
        client_detail.reveal(covered.ws("li"), client_id, "回访")
    with pytest.raises(AccessDenied):
        prepare(covered.ws("zhou"), client_id)  # not the one covering


def test_the_colleagues_call_is_theirs_the_follow_up_stays_the_csms(covered: Branch) -> None:
    ws = covered.ws("li")
    [item] = [i for i in today_queue(ws) if i.client_id == covered.clients["甲客户"]]
    receipt = record(ws, item.client_id, Outcome(Disposition.INTERESTED), task_id=item.main.task_id, started_at=NOW)
    assert item.main.task_id in receipt.closed_tasks
    with covered.factory() as tx:
        contact = tx.contacts.for_client(item.client_id)[0]
        follow_up = tx.tasks.get(receipt.created_tasks[0])
    assert contact.staff_id == covered.id("li")
    assert follow_up is not None and follow_up.staff_id == covered.id("wang")
    quarter = Quarter.of(TODAY)
    li_calls = records(covered.ws("li"), covered.id("li"), Measure.CALLS_VS_TARGET, quarter)
    wang_calls = records(covered.ws("wang"), covered.id("wang"), Measure.CALLS_VS_TARGET, quarter)
    assert [r.client for r in li_calls] == ["甲客户"] and wang_calls == []


def test_a_follow_up_the_colleague_adds_by_hand_is_called_after_the_leave(covered: Branch) -> None:
    """``t`` on a covered client's page, due after the leave: the client stays the CSM's, so does the call (as a
    call's follow-up does); on the day it is due it is in somebody's queue."""
    client_id = covered.client("丁客户")  # nothing else to call them about
    appointments.add_follow_up(covered.ws("li"), client_id, BACK, "到期前再联系")
    covered.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))  # Wednesday: back
    queued = [login for login in ("wang", "li") for i in today_queue(covered.ws(login)) if i.client_id == client_id]
    assert queued == ["wang"]


def test_a_meeting_the_colleague_books_for_after_the_leave_is_confirmed_the_day_before(covered: Branch) -> None:
    client_id = covered.client("丁客户")
    appointments.book(covered.ws("li"), client_id, dt.datetime(2026, 12, 3, 2, tzinfo=dt.UTC), "面谈")  # Thursday
    covered.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))  # Wednesday: back, the day before
    reasons = [i.reason for login in ("wang", "li") for i in today_queue(covered.ws(login)) if i.client_id == client_id]
    assert reasons == [QueueReason.APPOINTMENT_CONFIRM]


def test_a_meeting_the_colleague_books_in_a_call_for_after_the_leave_is_the_csms(covered: Branch) -> None:
    """The call session's ``a`` outcome on a covered client, for a day the CSM is back: the CSM's meeting, whose
    confirmation call the day before is theirs; one during the leave stays the colleague's, who meets the client."""
    client_id = covered.client("丁客户")
    li = covered.ws("li")
    thursday, monday = dt.datetime(2026, 12, 3, 2, tzinfo=dt.UTC), dt.datetime(2026, 11, 30, 6, tzinfo=dt.UTC)
    booked = [record(li, client_id, Outcome(Disposition.APPOINTMENT, at=t), started_at=NOW) for t in (thursday, monday)]
    with li.uow() as tx:
        hosts = [m.staff_id for r in booked if r.appointment_id and (m := tx.appointments.get(r.appointment_id))]
    assert hosts == [covered.staff["wang"].id, covered.staff["li"].id]
    assert [r.booked_for for r in booked] == ["王芳", ""]  # the session names whose the first one is
    covered.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))  # Wednesday: back, the day before
    reasons = [i.reason for login in ("wang", "li") for i in today_queue(covered.ws(login)) if i.client_id == client_id]
    assert reasons == [QueueReason.APPOINTMENT_CONFIRM]


def test_a_colleague_cannot_close_another_csms_task_through_a_covered_client(covered: Branch) -> None:
    other = covered.task("丙客户", TaskKind.CALLBACK, TODAY, login="li")
    with pytest.raises(AccessDenied):
        record(
            covered.ws("li"), covered.clients["甲客户"], Outcome(Disposition.INTERESTED), task_id=other,
            started_at=NOW,
        )  # fmt: skip


# --- the return: the backlog spread --------------------------------------------------------------------------------


def test_on_return_the_queue_shows_the_days_fixed_calls_and_the_target_highest_priority_first(
    branch: Branch,
) -> None:
    waiting = with_leave(LeaveCalls.WAIT, target=3)
    for n in range(6):
        branch.client(f"跟进{n}")
        branch.task(f"跟进{n}", TaskKind.FOLLOW_UP, days(n % 3))  # due Friday to Sunday, while away
    branch.client("回电")
    branch.task("回电", TaskKind.CALLBACK, BACK)
    branch.client("回访")
    branch.task("回访", TaskKind.SERVICE_CALLBACK, LAST)
    leave(branch, cover=None, policy=waiting)
    branch.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))
    items = today_queue(branch.ws("wang", waiting))
    fixed = [i for i in items if i.reason in FIXED_REASONS]
    rest = [i for i in items if i.reason not in FIXED_REASONS]
    assert len(fixed) == 2 and len(rest) == 3
    assert [i.main.due_on for i in rest] == [days(0), days(0), days(1)]  # the longest overdue first
    for item in rest:  # today's three made: the next three wait for tomorrow
        record(branch.ws("wang", waiting), item.client_id, Outcome(Disposition.INTERESTED), task_id=item.main.task_id,
               started_at=branch.clock.now().datetime)  # fmt: skip
    assert [i for i in today_queue(branch.ws("wang", waiting)) if i.reason not in FIXED_REASONS] == []
    branch.clock.set(dt.datetime(2026, 12, 3, 2, tzinfo=dt.UTC))
    later = [i for i in today_queue(branch.ws("wang", waiting)) if i.reason not in FIXED_REASONS]
    assert len(later) == 3


def _item(reason: QueueReason, due_on: dt.date) -> QueueItem:
    return QueueItem(Candidate(1, "客户", reason, due_on, Decimal(0)))


@given(
    reasons=st.lists(st.tuples(st.sampled_from(list(QueueReason)), st.integers(-10, 0)), max_size=40),
    target=st.integers(1, 20),
    calls=st.integers(0, 25),
)
def test_a_spread_backlog_never_shows_more_than_the_target_besides_the_fixed_calls(
    reasons: list[tuple[QueueReason, int]], target: int, calls: int
) -> None:
    items = [_item(reason, days(offset)) for reason, offset in reasons]
    shown = spread_backlog(items, target, calls, days(-1))
    fixed = [i for i in items if i.reason in FIXED_REASONS]
    assert [i for i in shown if i.reason in FIXED_REASONS] == fixed  # every fixed call, in order
    others = [i for i in shown if i.reason not in FIXED_REASONS]
    backlog = any(i.reason not in FIXED_REASONS and i.main.due_on <= days(-1) for i in items)
    if backlog:
        assert len(others) <= max(0, target - calls)
        assert others == [i for i in items if i.reason not in FIXED_REASONS][: len(others)]  # by priority
    else:
        assert shown == items
    assert spread_backlog(items, target, calls, None) == items


# --- the checklist and the team view -------------------------------------------------------------------------------


def test_on_a_day_away_the_call_target_is_zero_and_the_team_view_says_who_covers(covered: Branch) -> None:
    own = day_list.load_list(covered.ws("wang"))
    [calls] = [s.progress for s in own.items if s.item.measure is ChecklistMeasure.CALLS]
    assert calls is not None and (calls.total, calls.complete) == (0, True)
    assert own.leave is not None
    rows = {r.staff.name: r for r in day_list.team_lists(covered.ws("sup"), TODAY)}
    assert rows["王芳"].leave is not None and rows["王芳"].leave.cover_name == "李娜"
    assert rows["李娜"].leave is None and rows["李娜"].calls.total == 10
    monday = day_list.load_list(covered.ws("wang"), days(-1))  # the day before: a normal day
    assert monday.leave is None


def test_the_leave_of_a_colleague_is_not_read_by_another_csm(covered: Branch) -> None:
    with covered.factory.acting_as(covered.staff["zhou"])() as tx, pytest.raises(AccessDenied):
        tx.leave.for_staff(covered.id("wang"), TODAY)
    with covered.factory.acting_as(covered.staff["zhou"])() as tx, pytest.raises(AccessDenied):
        tx.views.covered_queue_sources(covered.id("wang"), None)  # type: ignore[arg-type]


def test_the_scoreboard_leaves_the_days_away_out_of_the_call_target(covered: Branch) -> None:
    """Two calls each, the quarter so far: the CSM away today has one working day fewer behind the target."""
    for login, client in (("wang", "乙客户"), ("li", "丙客户")):
        for hours in (-30, -54):
            with covered.factory.acting_as(covered.staff[login])(write=True) as tx:
                tx.contacts.add(
                    NewContactRecord(
                        client_id=covered.clients[client], staff_id=covered.id(login), channel=Channel.PHONE,
                        started_at=NOW + dt.timedelta(hours=hours), disposition=Disposition.INTERESTED,
                    )
                )  # fmt: skip
                tx.commit()
    days_so_far = Policy().calendar.working_days_between(dt.date(2026, 10, 1), TODAY)

    def calls_vs_target(login: str) -> Decimal | None:
        view = csm_view(covered.ws(login))
        assert view.card is not None
        return next(line.actual for line in view.card.lines if line.measure is Measure.CALLS_VS_TARGET)

    assert calls_vs_target("li") == (Decimal(200) / (days_so_far * 10)).quantize(Decimal("0.01"))
    assert calls_vs_target("wang") == (Decimal(200) / ((days_so_far - 1) * 10)).quantize(Decimal("0.01"))


# --- what a covering colleague may do (a cover makes the calls; the client's record and sales stay the CSM's,
# their supervisor's and the admin's) ------------------------------------------------------------------------


def test_a_covering_colleague_may_not_sell_assess_edit_link_or_refer_a_covered_client(covered: Branch) -> None:
    ws = covered.ws("li")
    client_id = covered.clients["甲客户"]
    relative = covered.clients["丙客户"]
    with pytest.raises(AccessDenied):
        attempts.context(ws, client_id)  # the sale wizard: no sale to a colleague's client while covering
    with pytest.raises(AccessDenied):
        attempts.assess(ws, client_id, answers(RiskLevel.C3), face_to_face=True)
    with pytest.raises(AccessDenied):
        client_detail.edit(ws, client_detail_client(covered, client_id), note="改一下")
    with pytest.raises(AccessDenied):
        households.link(ws, client_id, relative, Relation.SPOUSE)
    with pytest.raises(AccessDenied):
        households.set_birthday_lunar(ws, client_id, True)
    with pytest.raises(AccessDenied):
        refer_to_wode(ws, client_id, covered.id("admin"))
    assert prepare(ws, client_id).client_id == client_id  # the call itself, yes


def test_the_storage_refuses_a_covering_colleagues_sale_records_on_its_own(covered: Branch) -> None:
    client_id = covered.clients["甲客户"]
    with covered.factory.acting_as(covered.staff["li"])(write=True) as tx:
        assert tx.clients.get(client_id).id == client_id  # reads the client for the call
        with pytest.raises(AccessDenied):
            tx.clients.update(client_id, 1, note="x")
        with pytest.raises(AccessDenied):
            tx.assessments.add(
                NewRiskAssessment(
                    client_id=client_id, staff_id=covered.id("li"), taken_at=NOW, answers={}, score=50,
                    level=RiskLevel.C3, face_to_face=True, valid_until=days(365),
                )
            )  # fmt: skip


def client_detail_client(b: Branch, client_id: int) -> Client:
    with b.factory() as tx:
        return tx.clients.get(client_id)


# --- the days a leave may take ----------------------------------------------------------------------------------------


def test_a_csm_may_not_record_leave_for_days_already_gone_only_the_supervisor_may(branch: Branch) -> None:
    """A CSM backdating their own leave would take past days out of their call target after the fact."""
    with pytest.raises(DomainError) as refused:
        leave(branch, first=days(-3), last=days(-1))
    assert refused.value.code == "leave_past_by_supervisor"
    leave(branch, by="sup", first=days(-3), last=days(-1))  # a forgotten sick day, recorded by the supervisor
    leave(branch, first=TODAY, last=LAST)  # from today on, the CSM's own


def test_a_supervisor_neither_backdates_nor_erases_own_leave_only_the_admin_may(branch: Branch) -> None:
    """A supervisor on leave decides no AML report: backdating their own leave, or cancelling one already over, would
    rewrite who could decide what after the fact. Their own days gone are the admin's to record or correct."""
    with pytest.raises(DomainError) as refused:
        leave(branch, by="sup", who="sup", cover=None, first=days(-3), last=days(-1))
    assert refused.value.code == "leave_own_past_by_admin"
    leave(branch, by="admin", who="sup", cover=None, first=days(-3), last=days(-1))  # the admin records it
    leave(branch, by="sup", who="sup", cover=None, first=days(3), last=days(4))  # from today on: their own
    [entry] = upcoming(branch.ws("sup"), branch.id("sup"))
    assert entry.leave.id is not None
    branch.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))  # Wednesday: over
    with pytest.raises(DomainError) as refused:
        cancel_leave(branch.ws("sup"), entry.leave.id)
    assert refused.value.code == "leave_own_over_by_admin"
    assert cancel_leave(branch.ws("admin"), entry.leave.id).cancelled_at is not None


def test_a_leave_without_a_working_day_is_refused(branch: Branch) -> None:
    with pytest.raises(DomainError) as refused:
        leave(branch, first=days(1), last=days(2))  # Saturday and Sunday
    assert refused.value.code == "leave_no_working_day"


def test_the_cover_opens_and_closes_at_the_branchs_midnight_not_utcs(branch: Branch) -> None:
    client_id = branch.client("甲客户")
    leave(branch, first=days(3), last=days(4))  # Monday 30 November and Tuesday, in Shanghai
    for at, covering in (
        (dt.datetime(2026, 11, 29, 15, 59, tzinfo=dt.UTC), False),  # Sunday 23:59 in Shanghai
        (dt.datetime(2026, 11, 29, 16, 0, tzinfo=dt.UTC), True),  # Monday 00:00
        (dt.datetime(2026, 12, 1, 15, 59, tzinfo=dt.UTC), True),  # Tuesday 23:59
        (dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.UTC), False),  # Wednesday 00:00: back
    ):
        branch.clock.set(at)
        with branch.factory.acting_as(branch.staff["li"])() as tx:
            try:
                tx.clients.get(client_id)
                seen = True
            except AccessDenied:
                seen = False
        assert seen is covering, at


def test_a_supervisor_demoted_after_signing_in_records_and_cancels_no_more_team_leave(branch: Branch) -> None:
    ws = branch.ws("sup")  # signed in as a supervisor
    leave(branch, by="sup", who="li", cover="wang", first=days(3), last=days(4))
    [entry] = upcoming(ws, branch.id("li"))
    with branch.factory.engine.begin() as conn:
        conn.execute(text("UPDATE staff SET role = 'csm' WHERE login = 'sup'"))
    with pytest.raises(AccessDenied):
        record_leave(ws, branch.id("wang"), days(5), days(6), LeaveKind.ANNUAL, branch.id("li"))
    assert entry.leave.id is not None
    with pytest.raises(AccessDenied):
        cancel_leave(ws, entry.leave.id)


# --- the cover gone, the policy changed, the leave ended early -----------------------------------------------------


def test_a_cover_deactivated_mid_leave_leaves_the_calls_waiting_and_the_supervisor_is_told(covered: Branch) -> None:
    covered.clock.set(dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC))  # Monday, the leave under way
    with covered.factory.engine.begin() as conn:  # by plain SQL, as a staff import or a DBA would
        conn.execute(text("UPDATE staff SET active = :no WHERE login = 'li'"), {"no": False})
    with pytest.raises(SessionEnded):
        today_queue(covered.ws("li"))  # nobody works the calls in the name of someone gone
    assert names(covered, today_queue(covered.ws("zhou"))) == []  # nor anyone else
    [row] = [r for r in day_list.team_lists(covered.ws("sup"), days(3)) if r.staff.name == "王芳"]
    assert row.leave is not None and row.leave.cover_gone and row.leave.cover_name == "李娜"
    assert not calls_covered(covered.ws("sup"), row.leave)  # the team view says nobody covers
    away = away_today(covered.ws("wang"))
    assert away is not None and not calls_covered(covered.ws("wang"), away)  # the CSM's queue: the calls wait
    covered.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))  # Wednesday: back, the backlog is there
    assert {n for n, _ in names(covered, today_queue(covered.ws("wang")))} == {"甲客户", "乙客户"}


def test_the_supervisor_names_a_new_cover_for_a_leave_under_way_held_to_the_checks_of_recording_leave(
    covered: Branch,
) -> None:
    covered.clock.set(dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC))  # Monday, the leave under way
    with covered.factory.engine.begin() as conn:
        conn.execute(text("UPDATE staff SET active = :no WHERE login = 'li'"), {"no": False})
    sup = covered.ws("sup")
    [entry] = [e for e in upcoming(sup, covered.id("wang")) if e.leave.first_day <= days(3)]
    leave_id = entry.leave.id
    assert leave_id is not None and entry.cover_gone
    with pytest.raises(AccessDenied):
        change_cover(covered.ws("wang"), leave_id, covered.id("zhou"))  # not by the CSM away
    refusals = {"li": "leave_cover_not_csm", "chen": "leave_cover_not_csm", "zhao": "leave_cover_other_outlet",
                "wang": "leave_cover_self", "gone": "leave_cover_off_staff"}  # fmt: skip
    for login, code in refusals.items():
        with pytest.raises(DomainError) as refused:
            change_cover(sup, leave_id, covered.id(login))
        assert refused.value.code == code, login
    changed = change_cover(sup, leave_id, covered.id("zhou"))
    assert changed.cover_id == covered.id("zhou")
    assert {n for n, owner in names(covered, today_queue(covered.ws("zhou"))) if owner == "王芳"} == {
        "甲客户",
        "乙客户",
    }
    assert "leave.cover_change" in audit_actions(covered)
    admin = covered.ws("admin")
    later = record_leave(admin, covered.id("zhou"), days(10), days(12), LeaveKind.ANNUAL, covered.id("wang"))
    assert later.id is not None
    with pytest.raises(DomainError) as refused:
        change_cover(admin, later.id, covered.id("wang"))  # a leave to come is recorded again instead
    assert refused.value.code == "leave_cover_not_under_way"


def test_a_cover_leaving_the_bank_before_the_leave_ends_covers_no_more_and_the_team_view_agrees(
    covered: Branch,
) -> None:
    """A staff import sets the colleague's last day on staff to Monday, before the leave's Tuesday, and leaves them
    active: as the leave could not have named them so, they work the absent CSM's clients no more from then (the
    queue, the card, the outcome), and the supervisor's team view says the calls wait — the two agree."""
    client_id = covered.clients["甲客户"]
    assert prepare(covered.ws("li"), client_id).client_id == client_id
    with covered.factory.engine.begin() as conn:  # as the staff import writes it
        conn.execute(text("UPDATE staff SET left_on = :day WHERE login = 'li'"), {"day": days(3)})
    li = covered.ws("li")
    with pytest.raises(AccessDenied):
        prepare(li, client_id)
    with pytest.raises(AccessDenied):
        record(li, client_id, Outcome(Disposition.INTERESTED), started_at=NOW)
    assert names(covered, today_queue(li)) == [("丙客户", "")]
    [row] = [r for r in day_list.team_lists(covered.ws("sup"), TODAY) if r.staff.name == "王芳"]
    assert row.leave is not None and row.leave.cover_gone
    assert not calls_covered(covered.ws("sup"), row.leave)


def test_switching_the_policy_to_wait_mid_leave_ends_the_covers_access_at_once(covered: Branch, tmp_path: Path) -> None:
    client_id = covered.clients["甲客户"]
    li = covered.ws("li")  # signed in under the policy that lets a colleague cover
    assert prepare(li, client_id).client_id == client_id
    waiting = tmp_path / "wait.toml"
    waiting.write_text('[leave]\ncalls = "wait"\n', encoding="utf-8")
    assert record_policy(covered.factory, with_leave(LeaveCalls.WAIT), waiting)  # another workstation starts with it
    with pytest.raises(AccessDenied):
        prepare(li, client_id)  # li's own workstation still holds the old policy: the database's decides
    with pytest.raises(AccessDenied):
        record(li, client_id, Outcome(Disposition.INTERESTED), started_at=NOW)
    assert names(covered, today_queue(li)) == [("丙客户", "")]
    with covered.factory.acting_as(covered.staff["li"])() as tx, pytest.raises(AccessDenied):
        tx.clients.get(client_id)  # the repositories ask the same
    entry = away_today(covered.ws("wang"))
    assert entry is not None and not calls_covered(covered.ws("wang"), entry)
    back = tmp_path / "cover.toml"
    back.write_text('[leave]\ncalls = "cover"\n', encoding="utf-8")
    assert record_policy(covered.factory, with_leave(), back)
    assert prepare(li, client_id).client_id == client_id  # the leave still names li: the cover resumes


def test_a_workstation_whose_own_policy_lets_the_calls_wait_covers_nothing(covered: Branch) -> None:
    """The branch's recorded policy still says cover; a workstation started with a file saying wait is stricter."""
    client_id = covered.clients["甲客户"]
    li = covered.staff["li"]
    waiting = Workstation(
        uow=covered.factory.acting_as(li, LeaveCalls.WAIT), staff=li, outlet=None, time=BranchTime(covered.clock, TZ),
        policy=with_leave(LeaveCalls.WAIT), demo=False,
    )  # fmt: skip
    with pytest.raises(AccessDenied):
        prepare(waiting, client_id)
    assert names(covered, today_queue(waiting)) == [("丙客户", "")]
    assert prepare(covered.ws("li"), client_id).client_id == client_id  # another workstation, under cover


@pytest.mark.parametrize("raw", ["{not json", '{"leave.calls": "sometimes"}', "[]"])
def test_a_recorded_policy_that_cannot_be_read_lets_nobody_cover(covered: Branch, raw: str) -> None:
    with covered.factory.engine.begin() as conn:
        conn.execute(text("INSERT INTO branch_meta (key, value) VALUES ('policy_values', :v)"), {"v": raw})
    with pytest.raises(AccessDenied):
        prepare(covered.ws("li"), covered.clients["甲客户"])


def test_after_the_switch_to_wait_the_covers_open_session_skips_snoozes_undoes_and_adds_nothing(
    covered: Branch, tmp_path: Path
) -> None:
    """The cover's queue was read and a call made under cover; another workstation then starts with a policy that
    lets the calls wait: the items still on the cover's screen are refused, and so is undoing the call made."""
    li = covered.ws("li")
    first, second = [i for i in today_queue(li) if i.cover_for]
    receipt = record(li, first.client_id, Outcome(Disposition.INTERESTED), task_id=first.main.task_id, started_at=NOW)
    waiting = tmp_path / "wait.toml"
    waiting.write_text('[leave]\ncalls = "wait"\n', encoding="utf-8")
    assert record_policy(covered.factory, with_leave(LeaveCalls.WAIT), waiting)
    later = next(iter(outcomes.snooze_choices(li).values()))
    before = audit_actions(covered)
    for attempt in (
        lambda: outcomes.skip(li, second, next(iter(outcomes.SkipReason))),
        lambda: outcomes.snooze(li, second, later),
        lambda: outcomes.undo(li, receipt),
        lambda: appointments.add_follow_up(li, second.client_id, days(3)),
        lambda: client_detail.reveal(li, second.client_id, "回访核实"),
    ):
        with pytest.raises(AccessDenied):
            attempt()
    assert audit_actions(covered) == before  # nothing written, not even a reveal's entry
    with covered.factory() as tx:
        task = tx.tasks.get(second.main.task_id or 0)
    assert task is not None and task.status is TaskStatus.OPEN  # the absent CSM's task is still open, as it was


def test_a_supervisor_ends_a_leave_under_way_from_today_the_cover_ends_and_the_backlog_returns(
    covered: Branch,
) -> None:
    covered.clock.set(dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC))  # Monday: the CSM is back a day early
    client_id = covered.clients["甲客户"]
    li = covered.ws("li")
    assert prepare(li, client_id).client_id == client_id
    [entry] = upcoming(covered.ws("wang"), covered.id("wang"))
    assert entry.leave.id is not None
    ended = cancel_leave(covered.ws("sup"), entry.leave.id)
    assert (ended.first_day, ended.last_day, ended.cancelled_at) == (TODAY, days(2), None)  # Friday to Sunday kept
    with covered.factory() as tx:
        [audited] = [e for e in tx.audit.recent(50) if e.action == "leave.end_early"]
    assert audited.staff_id == covered.id("sup") and audited.detail["last"] == days(2).isoformat()
    with pytest.raises(AccessDenied):
        prepare(li, client_id)  # from today's start, at once
    assert names(covered, today_queue(li)) == [("丙客户", "")]
    assert {n for n, _ in names(covered, today_queue(covered.ws("wang")))} == {"甲客户", "乙客户"}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_client_page_names_the_csm_away_a_meeting_or_follow_up_is_booked_for(
    covered: Branch, lang: str
) -> None:
    """``o`` and ``t`` on a covered client's page: a meeting for a day the CSM is back, and a follow-up, are the
    CSM's — the notice says so, by name; a meeting during the leave is the colleague's own, simply saved."""
    client_id = covered.client("丁客户")
    words = catalog(lang)
    app = recording_notices(CsmApp(covered.ws("li"), lang=lang))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client_page(pilot, client_id)
        for key, day, said in (
            ("o", "2026-12-03", words["leave.booked_for"].format(name="王芳")),
            ("o", "2026-11-30", words["call.saved"]),
            ("t", "2026-12-02", words["leave.follow_up_for"].format(name="王芳")),
        ):
            await press_settled(pilot, key)
            dialog = app.screen
            dialog.query_one("#date", Input).value = day
            dialog.query_one("#note", Input).focus()
            await press_settled(pilot, "enter")
            assert notices(app)[-1] == said


def test_what_the_colleague_books_for_after_the_leave_comes_back_as_the_csms(covered: Branch) -> None:
    """The service returns whose the meeting or follow-up is: the screen names the CSM away from it."""
    client_id = covered.client("丁客户")
    li = covered.ws("li")
    after = appointments.book(li, client_id, dt.datetime(2026, 12, 3, 2, tzinfo=dt.UTC), "面谈")
    during = appointments.book(li, client_id, dt.datetime(2026, 11, 30, 6, tzinfo=dt.UTC), "面谈")
    follow_up = appointments.add_follow_up(li, client_id, BACK, "再联系").task
    wang = covered.id("wang")
    assert (after.staff_id, during.staff_id, follow_up.staff_id) == (wang, covered.id("li"), wang)
    assert client_detail.load(li, client_id).staff_names[wang] == "王芳"  # type: ignore[union-attr]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_call_session_names_the_csm_away_a_meeting_is_booked_for(covered: Branch, lang: str) -> None:
    """``a`` in a call on the CSM's client, for a day they are back: the notice names whose meeting it is."""
    app = recording_notices(CsmApp(covered.ws("li"), lang=lang))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "2", "c")
        assert isinstance(app.screen, CallSession) and app.screen.item.client_id == covered.clients["乙客户"]
        await press_settled(pilot, "a")
        app.screen.query_one("#date", Input).value = "2026-12-03"
        app.screen.query_one("#time", Input).value = "10:00"
        await press_settled(pilot, "enter")
        assert notices(app)[-1] == catalog(lang)["leave.booked_for"].format(name="王芳")
