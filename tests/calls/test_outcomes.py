"""Recording outcomes (``services.calls.outcomes``) on SQLite and PostgreSQL: record, undo, skip, snooze, SMS sent.

One save writes the contact, closes what it settles and schedules what comes next, in one transaction; a save that
fails writes nothing; undo takes a save back whole; every write is in the audit log with the acting staff id.
The clock stands on Friday 27 November 2026, 10:00 in Shanghai (02:00Z); the next working day is Monday.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import (
    AppointmentStatus,
    Channel,
    Disposition,
    QueueReason,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Client, NewTask, Staff, Task
from csm_tui.policy import Policy
from csm_tui.services.calls.outcomes import Outcome, Receipt, SkipReason, mark_sms_sent, record, skip, snooze, undo
from csm_tui.services.calls.queue import QueueItem
from csm_tui.services.ports import AccessDenied, TaskNotOpen
from csm_tui.services.rows import Candidate
from csm_tui.services.workstation import Workstation
from storage import audit
from storage.orm import AuditRow, Base
from storage.repositories import ClientRepository
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder

TZ = "Asia/Shanghai"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
MONDAY = dt.date(2026, 11, 30)
TUESDAY = dt.date(2026, 12, 1)
WATCHED = ("contacts", "tasks", "appointments", "clients")


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI).astimezone(dt.UTC)


@dataclass
class Desk:
    engine: Engine
    clock: FrozenClock
    system: SqlUnitOfWorkFactory
    ws: Workstation
    csm: Staff
    other: Staff
    client: int  # ours
    neighbour: int  # ours too
    theirs: int  # the other CSM's

    def task(
        self,
        kind: TaskKind,
        due_on: dt.date = TODAY,
        client: int | None = None,
        staff: Staff | None = None,
        **more: Any,
    ) -> int:
        with self.system(write=True) as tx:
            task = tx.tasks.add(
                NewTask(
                    client_id=client or self.client,
                    staff_id=(staff or self.csm).id or 0,
                    kind=kind,
                    due_on=due_on,
                    created_at=NOW - dt.timedelta(days=3),
                    **more,
                )
            )
            tx.commit()
        assert task.id is not None
        return task.id

    def get(self, task_id: int) -> Task:
        with self.system() as tx:
            task = tx.tasks.get(task_id)
        assert task is not None
        return task

    def client_row(self, client_id: int | None = None) -> Client:
        with self.system() as tx:
            return tx.clients.get(client_id or self.client)


@pytest.fixture
def desk(engine: Engine, clock: FrozenClock) -> Desk:
    system = SqlUnitOfWorkFactory(engine, clock)
    with system(write=True) as tx:
        build = BranchBuilder(tx, as_of=None)
        build.outlet()
        csm = build.staff("csm01", "王芳", Role.CSM)
        other = build.staff("csm02", "李娜", Role.CSM)
        ids = [
            build.client(f"C000{n}", name, resident_id, manager, mobile=f"1380013800{n}", balance=Decimal("1000.00"))
            for n, (name, resident_id, manager) in enumerate(
                [
                    ("张三", "11010519491231002X", csm),
                    ("李四", "310101198001191234", csm),
                    ("王五", "110105196001010017", other),
                ]
            )
        ]
        tx.commit()
    ws = Workstation(
        uow=system.acting_as(csm),
        staff=csm,
        outlet=None,
        time=BranchTime(clock, TZ),
        policy=Policy(),
        demo=False,
    )
    return Desk(engine, clock, system, ws, csm, other, *ids)


def dump(engine: Engine, tables: tuple[str, ...] = WATCHED) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as conn:
        return {t: [dict(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id")).mappings()] for t in tables}


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(t)) or 0 for name, t in Base.metadata.tables.items()}


def audit_after(engine: Engine, last_id: int) -> list[AuditRow]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditRow).where(AuditRow.id > last_id).order_by(AuditRow.id)))


def last_audit_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.max(AuditRow.id))) or 0


def tasks_of(desk: Desk, client: int | None = None) -> dict[int, Task]:
    with desk.system() as tx:
        rows = tx.session.execute(text("SELECT id FROM tasks WHERE client_id = :c"), {"c": client or desk.client})
        return {r.id: t for r in rows if (t := tx.tasks.get(r.id)) is not None}


def contacts_of(desk: Desk, client: int | None = None) -> list[Any]:
    with desk.system() as tx:
        return tx.contacts.for_client(client or desk.client)


def call(desk: Desk, outcome: Outcome, task_id: int | None = None, client: int | None = None) -> Receipt:
    return record(desk.ws, client or desk.client, outcome, task_id=task_id, started_at=desk.clock.now().datetime)


# --- record --------------------------------------------------------------------------------------------------


def test_record_writes_the_contact_closes_what_it_settles_and_schedules_the_next(
    desk: Desk, commits: list[int]
) -> None:
    cause = desk.task(TaskKind.FOLLOW_UP)
    overdue_callback = desk.task(TaskKind.CALLBACK, TODAY - dt.timedelta(days=2))
    maturity = desk.task(TaskKind.MATURITY)
    confirm = desk.task(TaskKind.APPOINTMENT_CONFIRM)
    service = desk.task(TaskKind.SERVICE_CALLBACK)  # a 回访 is settled only by a 回访
    sms = desk.task(TaskKind.SMS)
    later = desk.task(TaskKind.FOLLOW_UP, MONDAY)
    colleague = desk.task(TaskKind.CALLBACK, staff=desk.other)
    neighbour = desk.task(TaskKind.CALLBACK, client=desk.neighbour)
    before = counts(desk.engine)
    started = NOW - dt.timedelta(minutes=3)
    commits.clear()

    receipt = record(
        desk.ws,
        desk.client,
        Outcome(Disposition.INTERESTED, note="对季度开放产品感兴趣", feedback="下周再谈"),
        task_id=cause,
        started_at=started,
        duration_s=95,
    )

    assert len(commits) == 1  # one transaction
    [contact] = contacts_of(desk)
    assert contact.model_dump(exclude={"id"}) == {
        "client_id": desk.client,
        "staff_id": desk.csm.id,
        "channel": Channel.PHONE,
        "started_at": started,
        "duration_s": 95,
        "disposition": Disposition.INTERESTED,
        "note": "对季度开放产品感兴趣",
        "feedback": "下周再谈",
        "satisfaction": None,
        "task_id": cause,
    }
    tasks = tasks_of(desk)
    for closed in (cause, overdue_callback, maturity, confirm):
        assert (tasks[closed].status, tasks[closed].closed_at) == (TaskStatus.DONE, NOW), closed
    for still in (service, sms, later, colleague):
        assert (tasks[still].status, tasks[still].closed_at) == (TaskStatus.OPEN, None), still
    assert desk.get(neighbour).status is TaskStatus.OPEN
    [new] = [t for t in tasks.values() if t.id in receipt.created_tasks]
    assert new.model_dump(exclude={"id"}) == {
        "client_id": desk.client,
        "staff_id": desk.csm.id,
        "kind": TaskKind.FOLLOW_UP,
        "due_on": MONDAY,
        "due_at": None,
        "status": TaskStatus.OPEN,
        "origin": TaskOrigin.CONTACT,
        "origin_id": contact.id,
        "note": "对季度开放产品感兴趣",
        "created_at": NOW,
        "closed_at": None,
    }
    assert receipt.client_id == desk.client and receipt.contact_id == contact.id
    assert receipt.closed_tasks[0] == cause
    assert sorted(receipt.closed_tasks) == sorted([cause, overdue_callback, maturity, confirm])
    assert (receipt.appointment_id, receipt.flags_before) == (None, {})
    after = counts(desk.engine)
    assert after["contacts"] == before["contacts"] + 1
    assert after["tasks"] == before["tasks"] + 1
    assert after["appointments"] == before["appointments"]


def test_a_service_callback_done_closes_the_回访_too(desk: Desk) -> None:
    service = desk.task(TaskKind.SERVICE_CALLBACK)
    callback = desk.task(TaskKind.CALLBACK)
    receipt = call(desk, Outcome(Disposition.SERVICE_DONE, satisfaction=5, feedback="很满意"), task_id=service)
    assert sorted(receipt.closed_tasks) == sorted([service, callback])
    assert receipt.created_tasks == ()
    [contact] = contacts_of(desk)
    assert (contact.satisfaction, contact.feedback, contact.disposition) == (5, "很满意", Disposition.SERVICE_DONE)
    assert {t.status for t in tasks_of(desk).values()} == {TaskStatus.DONE}


@pytest.mark.parametrize("outcome", [Disposition.POLITE_DECLINE, Disposition.FIRM_DECLINE, Disposition.DO_NOT_CALL])
def test_every_reached_outcome_settles_today_s_calls(desk: Desk, outcome: Disposition) -> None:
    callback = desk.task(TaskKind.CALLBACK)
    follow_up = desk.task(TaskKind.FOLLOW_UP, TODAY - dt.timedelta(days=1))
    service = desk.task(TaskKind.SERVICE_CALLBACK)
    receipt = call(desk, Outcome(outcome))
    assert sorted(receipt.closed_tasks) == sorted([callback, follow_up])
    assert desk.get(service).status is TaskStatus.OPEN


def test_no_answer_closes_only_the_causing_task_and_retries_twice_today(desk: Desk) -> None:
    cause = desk.task(TaskKind.MATURITY)
    follow_up = desk.task(TaskKind.FOLLOW_UP)
    first = call(desk, Outcome(Disposition.NO_ANSWER), task_id=cause)
    assert first.closed_tasks == (cause,)
    assert desk.get(follow_up).status is TaskStatus.OPEN
    [retry] = first.created_tasks
    assert (desk.get(retry).kind, desk.get(retry).due_on, desk.get(retry).due_at) == (
        TaskKind.CALLBACK,
        TODAY,
        local(TODAY, 12),
    )
    assert desk.get(retry).origin_id == first.contact_id

    desk.clock.set(local(TODAY, 12))
    second = call(desk, Outcome(Disposition.NO_ANSWER), task_id=retry)
    [retry2] = second.created_tasks
    assert (desk.get(retry2).due_on, desk.get(retry2).due_at) == (TODAY, local(TODAY, 14))

    desk.clock.set(local(TODAY, 14))
    third = call(desk, Outcome(Disposition.NO_ANSWER), task_id=retry2)
    [retry3] = third.created_tasks
    assert (desk.get(retry3).due_on, desk.get(retry3).due_at) == (MONDAY, None)
    assert len(contacts_of(desk)) == 3
    assert desk.get(follow_up).status is TaskStatus.OPEN


def test_busy_closes_only_the_causing_task_and_calls_back_at_the_time_named(desk: Desk) -> None:
    cause = desk.task(TaskKind.FOLLOW_UP)
    other = desk.task(TaskKind.CALLBACK)
    at = local(TODAY, 15, 30)
    receipt = call(desk, Outcome(Disposition.BUSY, at=at), task_id=cause)
    assert receipt.closed_tasks == (cause,)
    assert desk.get(other).status is TaskStatus.OPEN
    [new] = receipt.created_tasks
    assert (desk.get(new).kind, desk.get(new).due_on, desk.get(new).due_at) == (TaskKind.CALLBACK, TODAY, at)


def test_agreed_to_buy_without_a_visit_books_no_meeting(desk: Desk) -> None:
    cause = desk.task(TaskKind.FOLLOW_UP)
    receipt = call(desk, Outcome(Disposition.AGREED_TO_BUY, note="电话里同意购买"), task_id=cause)
    assert (receipt.appointment_id, receipt.created_tasks, receipt.closed_tasks) == (None, (), (cause,))
    with desk.system() as tx:
        assert tx.appointments.between(desk.csm.id or 0, local(TODAY, 0), local(TODAY + dt.timedelta(30), 0)) == []


@pytest.mark.parametrize("outcome", [Disposition.APPOINTMENT, Disposition.AGREED_TO_BUY])
def test_an_appointment_books_the_meeting_and_its_confirmation(desk: Desk, outcome: Disposition) -> None:
    cause = desk.task(TaskKind.FOLLOW_UP)
    at = local(TUESDAY, 10)
    receipt = call(desk, Outcome(outcome, note="资产配置面谈", at=at), task_id=cause)
    assert receipt.appointment_id is not None
    with desk.system() as tx:
        [meeting] = tx.appointments.between(desk.csm.id or 0, local(TUESDAY, 0), local(TUESDAY + dt.timedelta(1), 0))
    assert meeting.model_dump(exclude={"id"}) == {
        "client_id": desk.client,
        "staff_id": desk.csm.id,
        "starts_at": at,
        "minutes": 30,
        "purpose": "资产配置面谈",
        "place": "",
        "status": AppointmentStatus.BOOKED,
        "confirmed_at": None,
        "marked_at": None,
    }
    assert meeting.id == receipt.appointment_id
    [confirm] = receipt.created_tasks
    task = desk.get(confirm)
    assert (task.kind, task.due_on, task.origin, task.origin_id) == (
        TaskKind.APPOINTMENT_CONFIRM,
        MONDAY,
        TaskOrigin.APPOINTMENT,  # tied to the meeting: moving or cancelling it moves or drops the call
        receipt.appointment_id,
    )


def test_a_wrong_number_marks_the_number_invalid_and_asks_to_verify_it(desk: Desk) -> None:
    cause = desk.task(TaskKind.CALLBACK)
    follow_up = desk.task(TaskKind.FOLLOW_UP)
    version = desk.client_row().version
    receipt = call(desk, Outcome(Disposition.WRONG_NUMBER), task_id=cause)
    client = desk.client_row()
    assert (client.mobile_invalid, client.phone_opt_out) == (True, False)
    assert client.version == version + 1
    assert receipt.flags_before == {"mobile_invalid": False}
    assert receipt.closed_tasks == (cause,)  # not reached: the other calls stay (the number is out anyway)
    assert desk.get(follow_up).status is TaskStatus.OPEN
    [verify] = receipt.created_tasks
    assert (desk.get(verify).kind, desk.get(verify).due_on) == (TaskKind.VERIFY_NUMBER, TODAY)


def test_do_not_call_records_the_opt_out_and_schedules_nothing(desk: Desk) -> None:
    receipt = call(desk, Outcome(Disposition.DO_NOT_CALL, note="客户要求不再来电"))
    client = desk.client_row()
    assert (client.phone_opt_out, client.mobile_invalid, client.sms_opt_out) == (True, False, False)
    assert receipt.flags_before == {"phone_opt_out": False}
    assert receipt.created_tasks == ()
    assert [c.disposition for c in contacts_of(desk)] == [Disposition.DO_NOT_CALL]


# --- saves that fail write nothing ---------------------------------------------------------------------------


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.VISIT])
def test_a_回访_spoken_without_satisfaction_is_refused_and_nothing_written(desk: Desk, channel: Channel) -> None:
    service = desk.task(TaskKind.SERVICE_CALLBACK)
    before, rows = counts(desk.engine), dump(desk.engine)
    with pytest.raises(DomainError) as err:
        call(desk, Outcome(Disposition.SERVICE_DONE, channel, note="回访"), task_id=service)
    assert err.value.code == "satisfaction_required"
    assert counts(desk.engine) == before
    assert dump(desk.engine) == rows


def test_a_回访_by_letter_needs_no_satisfaction(desk: Desk) -> None:
    service = desk.task(TaskKind.SERVICE_CALLBACK)
    call(desk, Outcome(Disposition.SERVICE_DONE, Channel.LETTER), task_id=service)
    assert desk.get(service).status is TaskStatus.DONE


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        (Outcome(Disposition.APPOINTMENT), "time_required"),
        (Outcome(Disposition.BUSY), "time_required"),
        (Outcome(Disposition.APPOINTMENT, at=NOW - dt.timedelta(minutes=1)), "time_in_past"),
        (Outcome(Disposition.BUSY, at=NOW), "time_in_past"),
    ],
)
def test_a_missing_or_past_time_is_refused_and_nothing_written(desk: Desk, outcome: Outcome, code: str) -> None:
    cause = desk.task(TaskKind.FOLLOW_UP)
    before, rows = counts(desk.engine), dump(desk.engine)
    with pytest.raises(DomainError) as err:
        call(desk, outcome, task_id=cause)
    assert err.value.code == code
    assert counts(desk.engine) == before
    assert dump(desk.engine) == rows


def test_a_task_closed_meanwhile_fails_the_save_whole(desk: Desk) -> None:
    cause = desk.task(TaskKind.CALLBACK)
    desk.task(TaskKind.FOLLOW_UP)  # would be settled by the call
    with desk.system(write=True) as tx:  # another session got there first
        tx.tasks.close(cause, TaskStatus.DONE, NOW - dt.timedelta(minutes=1))
        tx.commit()
    before, rows = counts(desk.engine), dump(desk.engine)
    with pytest.raises(TaskNotOpen):
        call(desk, Outcome(Disposition.APPOINTMENT, at=local(TUESDAY, 10)), task_id=cause)
    assert counts(desk.engine) == before
    assert dump(desk.engine) == rows


def test_a_failure_at_the_last_step_leaves_nothing_written(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    cause = desk.task(TaskKind.CALLBACK)

    def broken(*_args: Any, **_kw: Any) -> dict[str, bool]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ClientRepository, "set_flags", broken)
    before, rows = counts(desk.engine), dump(desk.engine)
    with pytest.raises(RuntimeError, match="disk full"):
        call(desk, Outcome(Disposition.WRONG_NUMBER), task_id=cause)
    assert counts(desk.engine) == before
    assert dump(desk.engine) == rows


def test_another_csm_s_client_is_refused_and_nothing_written(desk: Desk) -> None:
    theirs = desk.task(TaskKind.CALLBACK, client=desk.theirs, staff=desk.other)
    before, rows = counts(desk.engine), dump(desk.engine)
    with pytest.raises(AccessDenied):
        call(desk, Outcome(Disposition.DO_NOT_CALL), task_id=theirs, client=desk.theirs)
    with pytest.raises(AccessDenied):
        call(desk, Outcome(Disposition.INTERESTED), client=desk.theirs)
    assert counts(desk.engine) == before
    assert dump(desk.engine) == rows


def test_a_task_of_another_csm_s_client_is_not_closed_by_our_call(desk: Desk) -> None:
    theirs = desk.task(TaskKind.CALLBACK, client=desk.theirs, staff=desk.other)
    with contextlib.suppress(Exception):
        call(desk, Outcome(Disposition.INTERESTED), task_id=theirs)
    assert desk.get(theirs).status is TaskStatus.OPEN


# --- undo ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "outcome",
    [
        Outcome(Disposition.INTERESTED, note="感兴趣"),
        Outcome(Disposition.APPOINTMENT, note="面谈", at=local(TUESDAY, 10)),
        Outcome(Disposition.NO_ANSWER),
        Outcome(Disposition.WRONG_NUMBER),
        Outcome(Disposition.DO_NOT_CALL),
        Outcome(Disposition.SERVICE_DONE, satisfaction=4),
    ],
    ids=lambda o: o.disposition.value,
)
def test_undo_restores_the_database_exactly(desk: Desk, outcome: Outcome) -> None:
    cause = desk.task(TaskKind.FOLLOW_UP, note="上次说考虑一下")
    desk.task(TaskKind.CALLBACK, TODAY - dt.timedelta(days=1))
    desk.task(TaskKind.SERVICE_CALLBACK)
    desk.task(TaskKind.FOLLOW_UP, MONDAY)
    rows = dump(desk.engine)

    receipt = call(desk, outcome, task_id=cause)
    assert dump(desk.engine) != rows
    undo(desk.ws, receipt)

    after = dump(desk.engine)
    if receipt.flags_before:
        # The client's version is an optimistic-lock counter: undo is a new write, so it moves on, never back.
        [was], [now] = rows["clients"][:1], after["clients"][:1]
        assert now["version"] == was["version"] + 2
        for row in (*rows["clients"], *after["clients"]):
            row.pop("version")
    assert after == rows
    # The task that caused the call can be worked again.
    call(desk, Outcome(Disposition.INTERESTED), task_id=cause)


def test_undo_is_audited_as_the_staff_member(desk: Desk) -> None:
    receipt = call(desk, Outcome(Disposition.WRONG_NUMBER), task_id=desk.task(TaskKind.CALLBACK))
    mark = last_audit_id(desk.engine)
    undo(desk.ws, receipt)
    entries = audit_after(desk.engine, mark)
    assert {e.staff_id for e in entries} == {desk.csm.id}
    assert ("delete", "contacts", str(receipt.contact_id)) in {(e.action, e.entity, e.entity_id) for e in entries}
    assert {(e.action, e.entity) for e in entries} >= {("delete", "tasks"), ("update", "tasks"), ("update", "clients")}


# --- skip and snooze -----------------------------------------------------------------------------------------


def item(desk: Desk, reason: QueueReason, task_id: int | None = None) -> QueueItem:
    return QueueItem(
        Candidate(
            client_id=desk.client,
            client_name="张三",
            reason=reason,
            due_on=TODAY,
            avg_3m=Decimal("1000.00"),
            task_id=task_id,
        )
    )


def test_skip_closes_the_task_as_skipped_with_the_reason(desk: Desk) -> None:
    task = desk.task(TaskKind.FOLLOW_UP, note="客户有意向")
    mark = last_audit_id(desk.engine)
    skip(desk.ws, item(desk, QueueReason.FOLLOW_UP, task), SkipReason.NOT_NOW, "出差中")
    got = desk.get(task)
    assert (got.status, got.closed_at, got.note) == (TaskStatus.SKIPPED, NOW, "客户有意向\n[not_now] 出差中")
    assert contacts_of(desk) == []
    assert [(e.action, e.entity, e.entity_id, e.staff_id) for e in audit_after(desk.engine, mark)] == [
        ("update", "tasks", str(task), desk.csm.id)
    ]


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        (QueueReason.MATURITY, TaskKind.MATURITY),
        (QueueReason.ASSESSMENT, TaskKind.ASSESSMENT_RENEWAL),
        (QueueReason.APPOINTMENT_CONFIRM, TaskKind.APPOINTMENT_CONFIRM),
        (QueueReason.IDLE_DEPOSITS, TaskKind.FOLLOW_UP),
    ],
)
def test_skipping_a_reason_without_a_task_records_a_skipped_task(
    desk: Desk, reason: QueueReason, kind: TaskKind
) -> None:
    skip(desk.ws, item(desk, reason), SkipReason.CONTACTED_ELSEWHERE)
    [task] = tasks_of(desk).values()
    assert task.model_dump(exclude={"id"}) == {
        "client_id": desk.client,
        "staff_id": desk.csm.id,
        "kind": kind,
        "due_on": TODAY,
        "due_at": None,
        "status": TaskStatus.SKIPPED,
        "origin": TaskOrigin.SYSTEM,
        "origin_id": None,
        "note": "[contacted_elsewhere]",
        "created_at": NOW,
        "closed_at": NOW,
    }


def test_snooze_moves_the_task_to_the_time_chosen(desk: Desk) -> None:
    task = desk.task(TaskKind.FOLLOW_UP, TODAY - dt.timedelta(days=1), note="客户有意向")
    mark = last_audit_id(desk.engine)
    snooze(desk.ws, item(desk, QueueReason.FOLLOW_UP, task), local(TODAY, 14), "在开会")
    got = desk.get(task)
    assert (got.status, got.due_on, got.due_at, got.note) == (
        TaskStatus.OPEN,
        TODAY,
        local(TODAY, 14),
        "客户有意向\n在开会",
    )
    assert [(e.action, e.entity, e.entity_id, e.staff_id) for e in audit_after(desk.engine, mark)] == [
        ("update", "tasks", str(task), desk.csm.id)
    ]


def test_snooze_to_the_next_working_morning(desk: Desk) -> None:
    task = desk.task(TaskKind.CALLBACK, due_at=local(TODAY, 16, 40))
    desk.clock.set(local(TODAY, 16, 45))
    snooze(desk.ws, item(desk, QueueReason.CALLBACK, task), local(MONDAY, 9))
    got = desk.get(task)
    assert (got.status, got.due_on, got.due_at) == (TaskStatus.OPEN, MONDAY, local(MONDAY, 9))


@pytest.mark.parametrize(
    ("at", "code"),
    [
        (local(TODAY, 9), "snooze_in_past"),
        (local(TODAY + dt.timedelta(days=1), 10), "call_not_working_day"),  # Saturday
        (local(TODAY, 20), "call_outside_hours"),
    ],
)
def test_snooze_refuses_a_time_past_on_a_day_off_or_after_hours_and_changes_nothing(
    desk: Desk, at: dt.datetime, code: str
) -> None:
    task = desk.task(TaskKind.FOLLOW_UP, TODAY, note="客户有意向")
    before = desk.get(task)
    with pytest.raises(DomainError) as refused:
        snooze(desk.ws, item(desk, QueueReason.FOLLOW_UP, task), at, "x")
    assert refused.value.code == code
    assert desk.get(task) == before


def test_snoozing_a_reason_without_a_task_schedules_one(desk: Desk) -> None:
    snooze(desk.ws, item(desk, QueueReason.MATURITY), local(TODAY, 11), "稍后")
    [task] = tasks_of(desk).values()
    assert (task.status, task.due_on, task.due_at, task.origin, task.note, task.staff_id) == (
        TaskStatus.OPEN,
        TODAY,
        local(TODAY, 11),
        TaskOrigin.SYSTEM,
        "稍后",
        desk.csm.id,
    )


def test_a_snoozed_maturity_stays_a_maturity(desk: Desk) -> None:
    snooze(desk.ws, item(desk, QueueReason.MATURITY), local(TODAY, 11))
    [task] = tasks_of(desk).values()
    assert task.kind is TaskKind.MATURITY


# --- SMS -----------------------------------------------------------------------------------------------------


def test_mark_sms_sent_records_an_sms_contact_and_closes_the_task(desk: Desk) -> None:
    sms = desk.task(TaskKind.SMS, note="婉拒一周后发送产品短信")
    desk.clock.set(local(TODAY, 14))
    receipt = mark_sms_sent(desk.ws, desk.client, sms, note="已发送季度产品短信")
    [contact] = contacts_of(desk)
    assert (contact.channel, contact.disposition, contact.started_at, contact.note, contact.task_id) == (
        Channel.SMS,
        Disposition.INFORMED,
        local(TODAY, 14),
        "已发送季度产品短信",
        sms,
    )
    assert (desk.get(sms).status, desk.get(sms).closed_at) == (TaskStatus.DONE, local(TODAY, 14))
    assert receipt.created_tasks == ()


def test_mark_sms_sent_leaves_the_client_s_calls_open(desk: Desk) -> None:
    sms = desk.task(TaskKind.SMS)
    callback = desk.task(TaskKind.CALLBACK, due_at=local(TODAY, 15))
    mark_sms_sent(desk.ws, desk.client, sms)
    assert desk.get(callback).status is TaskStatus.OPEN


# --- audit ---------------------------------------------------------------------------------------------------


def test_every_write_is_audited_with_the_acting_staff_id(desk: Desk) -> None:
    cause = desk.task(TaskKind.FOLLOW_UP)
    settled = desk.task(TaskKind.MATURITY)
    mark = last_audit_id(desk.engine)

    first = call(desk, Outcome(Disposition.APPOINTMENT, at=local(TUESDAY, 10)), task_id=cause)
    second = call(desk, Outcome(Disposition.WRONG_NUMBER))

    entries = audit_after(desk.engine, mark)
    assert {e.staff_id for e in entries} == {desk.csm.id}
    logged = {(e.action, e.entity, e.entity_id) for e in entries}
    expected = {
        ("insert", "contacts", str(first.contact_id)),
        ("update", "tasks", str(cause)),
        ("update", "tasks", str(settled)),
        *{("insert", "tasks", str(t)) for t in first.created_tasks},
        ("insert", "appointments", str(first.appointment_id)),
        ("insert", "contacts", str(second.contact_id)),
        *{("insert", "tasks", str(t)) for t in second.created_tasks},
        ("update", "clients", str(desk.client)),
    }
    assert logged == expected
    closing = next(e for e in entries if (e.action, e.entity_id) == ("update", str(cause)))
    assert closing.detail["status"] == ["open", "done"]
    with desk.engine.connect() as conn:
        assert audit.verify(conn) is None
