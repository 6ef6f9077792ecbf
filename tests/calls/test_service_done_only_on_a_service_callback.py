"""回访 done (``d``, with a satisfaction score) answers a 回访 and nothing else: the call session offers it on a
回访's card only — in the outcome panel, in F1 and as a key —, and the outcome service refuses it on a call of
another kind, in its write transaction (nothing written), unless the client has a 回访 due that the same call raises.

The call session's branch: csm01's nine callbacks due this morning, then one 回访 (the queue's last row); the clock
on Friday 27 November 2026, 10:00 in Shanghai.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Channel, ChecklistMeasure, Disposition, QueueReason, Role, TaskKind, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import ClientSummary, NewContactRecord, NewTask
from csm_tui.i18n import catalog
from csm_tui.policy import Policy
from csm_tui.services.calls.outcomes import Outcome, record, undo
from csm_tui.services.checklist.day_list import load_list
from csm_tui.services.clients import client_detail
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import Progress
from csm_tui.services.workstation import Workstation
from screens.call_session import CallSession
from screens.client_detail import ClientDetailScreen
from screens.dialogs import LogContactDialog, OutcomeDialog
from screens.help import HelpScreen
from storage.orm import AuditRow, ContactRow, ContactTaskRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, rid
from tests.support.calls_branch import CallsBranch
from tests.support.pilot import make_app, press_settled, table_rows, whole_rows
from widgets.outcome_panel import OutcomePanel

TODAY = dt.date(2026, 11, 27)
NOW_UTC = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
SERVICE_DONE = "call.service_done"


def _offered(app: object) -> set[str | None]:
    screen = app.screen  # type: ignore[attr-defined]
    return {a.binding.id for a in screen.active_bindings.values()}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_call_session_offers_service_done_on_a_service_callbacks_card_only(
    calls_branch: CallsBranch, lang: str
) -> None:
    app = make_app(calls_branch.url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "2", "c")  # the first callback
        session = app.screen
        assert isinstance(session, CallSession)
        assert session.item.client_id == calls_branch.clients[0]
        assert SERVICE_DONE not in _offered(app)
        panel = session.query_one(OutcomePanel)
        assert "d" not in [key for key, _ in panel.entries()]
        await press_settled(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        assert "d" not in [row[0] for row in whole_rows(app)]
        await press_settled(pilot, "escape", "d")
        assert app.screen is session  # the key does nothing here: no dialog
        assert session.item.client_id == calls_branch.clients[0]

        await press_settled(pilot, "escape", "G", "c")  # the queue's last row: the 回访
        session = app.screen
        assert isinstance(session, CallSession)
        assert session.item.client_id == calls_branch.clients[9]
        assert SERVICE_DONE in _offered(app)
        assert "d" in [key for key, _ in session.query_one(OutcomePanel).entries()]
        await press_settled(pilot, "d")
        assert isinstance(app.screen, OutcomeDialog)


# --- the service ---------------------------------------------------------------------------------------------


class Desk:
    def __init__(self, engine: Engine, clock: FrozenClock) -> None:
        self.engine = engine
        self.system = SqlUnitOfWorkFactory(engine, clock)
        with self.system(write=True) as tx:
            build = BranchBuilder(tx, as_of=None)
            build.outlet()
            self.csm = build.staff("csm01", "王芳", Role.CSM)
            self.client = build.client(
                "C0001", "张三", "11010519491231002X", self.csm, mobile="13800138001", balance=Decimal("1000.00")
            )
            tx.commit()
        self.ws = Workstation(
            uow=self.system.acting_as(self.csm), staff=self.csm, outlet=None, time=BranchTime(clock, "Asia/Shanghai"),
            policy=Policy(), demo=False,
        )  # fmt: skip

    def task(self, kind: TaskKind, due_on: dt.date = TODAY) -> int:
        with self.system(write=True) as tx:
            task = tx.tasks.add(
                NewTask(
                    client_id=self.client, staff_id=self.csm.id or 0, kind=kind, due_on=due_on,
                    created_at=dt.datetime(2026, 11, 24, tzinfo=dt.UTC),
                )
            )  # fmt: skip
            tx.commit()
        assert task.id is not None
        return task.id

    def status(self, task_id: int) -> TaskStatus:
        with self.system() as tx:
            task = tx.tasks.get(task_id)
        assert task is not None
        return task.status

    def contacts(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(ContactRow)) or 0

    def done(self, task_id: int | None, channel: Channel = Channel.PHONE) -> None:
        outcome = Outcome(Disposition.SERVICE_DONE, channel, satisfaction=5, feedback="很满意")
        record(self.ws, self.client, outcome, task_id=task_id, started_at=self.ws.time.now().datetime)


@pytest.fixture
def desk(engine: Engine, clock: FrozenClock) -> Desk:
    return Desk(engine, clock)


@pytest.mark.parametrize("kind", [TaskKind.CALLBACK, TaskKind.FOLLOW_UP, TaskKind.MATURITY])
def test_the_service_refuses_service_done_on_a_call_of_another_kind(desk: Desk, kind: TaskKind) -> None:
    task = desk.task(kind)
    desk.task(TaskKind.SERVICE_CALLBACK, TODAY + dt.timedelta(days=3))  # a 回访 to come is not due on this call

    with pytest.raises(DomainError) as refused:
        desk.done(task)

    assert refused.value.code == "service_done_not_a_callback"
    assert desk.contacts() == 0  # nothing written: no contact, no score
    assert desk.status(task) is TaskStatus.OPEN


def test_the_service_records_service_done_on_a_service_callback(desk: Desk) -> None:
    service = desk.task(TaskKind.SERVICE_CALLBACK)
    desk.done(service)
    assert (desk.contacts(), desk.status(service)) == (1, TaskStatus.DONE)


def test_service_done_on_a_callback_also_answers_the_service_callback_due_on_the_same_call(desk: Desk) -> None:
    callback = desk.task(TaskKind.CALLBACK)  # the card's main reason; the 回访 raised on the same call
    service = desk.task(TaskKind.SERVICE_CALLBACK)
    desk.done(callback)
    assert (desk.contacts(), desk.status(callback), desk.status(service)) == (1, TaskStatus.DONE, TaskStatus.DONE)


@pytest.mark.parametrize("retries", [1, 2])
def test_service_done_answers_the_retry_of_an_unanswered_service_callback(desk: Desk, retries: int) -> None:
    """No answer on a 回访 closes its task and books a callback: the 回访 is done on that retry (a retry's too)."""
    task = desk.task(TaskKind.SERVICE_CALLBACK)
    for _ in range(retries):
        receipt = record(desk.ws, desk.client, Outcome(Disposition.NO_ANSWER), task_id=task, started_at=NOW_UTC)
        (task,) = receipt.created_tasks
    desk.done(task)
    assert (desk.contacts(), desk.status(task)) == (retries + 1, TaskStatus.DONE)


def test_service_done_is_refused_on_the_retry_of_an_ordinary_callback(desk: Desk) -> None:
    callback = desk.task(TaskKind.CALLBACK)
    retry = record(desk.ws, desk.client, Outcome(Disposition.NO_ANSWER), task_id=callback, started_at=NOW_UTC)
    with pytest.raises(DomainError, match="service_done_not_a_callback"):
        desk.done(retry.created_tasks[0])


async def test_the_retry_of_an_unanswered_service_callback_offers_service_done(calls_branch: CallsBranch) -> None:
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "2", "G", "c")  # the 回访, the queue's last row
        await press_settled(pilot, "n", "enter")  # no answer: a callback later today
        await press_settled(pilot, "escape")
        names = [row[1] for row in table_rows(app)]
        await press_settled(pilot, *["j"] * names.index("客户9"), "c")
        session = app.screen
        assert isinstance(session, CallSession)
        assert session.item.client_id == calls_branch.clients[9]
        assert session.item.reason is QueueReason.CALLBACK  # queued as the retry it is
        assert SERVICE_DONE in _offered(app)


def _contact_on(desk: Desk, task_id: int, disposition: Disposition = Disposition.SERVICE_DONE) -> NewContactRecord:
    return NewContactRecord(
        client_id=desk.client, staff_id=desk.csm.id or 0, channel=Channel.PHONE, started_at=NOW_UTC,
        disposition=disposition, satisfaction=5, task_id=task_id,
    )  # fmt: skip


def test_the_repository_refuses_service_done_on_a_task_that_is_no_service_callback_in_words(desk: Desk) -> None:
    """Past the service (``contacts.add`` called directly): a 回访 done on an ordinary call, on the retry of an
    ordinary callback or on no task, is refused in words, nothing written; on a 回访 and on the retry of one it is
    taken."""
    callback = desk.task(TaskKind.CALLBACK)
    retry = record(desk.ws, desk.client, Outcome(Disposition.NO_ANSWER), task_id=callback, started_at=NOW_UTC)
    wrong = [desk.task(kind) for kind in (TaskKind.CALLBACK, TaskKind.FOLLOW_UP, TaskKind.MATURITY)]
    for task_id in (*wrong, retry.created_tasks[0]):
        with desk.ws.uow(write=True) as tx, pytest.raises(DomainError) as refused:
            tx.contacts.add(_contact_on(desk, task_id))
        assert refused.value.code == "service_done_task_not_a_callback"
        assert {lang: catalog(lang)[f"error.{refused.value.code}"] for lang in ("zh_CN", "en")} == {
            "zh_CN": "“回访完成”只记在购买后的回访（或其未接通后的重拨）上：这项任务不是回访",
            "en": '"Service callback done" answers a purchase\'s service callback (or its retry after no answer): '
            "this task is not one",
        }
    with desk.ws.uow(write=True) as tx, pytest.raises(DomainError) as refused:
        tx.contacts.add(_contact_on(desk, task_id).model_copy(update={"task_id": None}))  # on no task at all
    assert refused.value.code == "service_done_without_task"
    assert catalog("zh_CN")[f"error.{refused.value.code}"] == "“回访完成”只记在购买后的回访上：没有指明回访的是哪项任务"
    assert desk.contacts() == 1  # the no answer only

    service = desk.task(TaskKind.SERVICE_CALLBACK)
    unanswered = record(desk.ws, desk.client, Outcome(Disposition.NO_ANSWER), task_id=service, started_at=NOW_UTC)
    with desk.ws.uow(write=True) as tx:
        tx.contacts.add(_contact_on(desk, service))
        tx.contacts.add(_contact_on(desk, unanswered.created_tasks[0]))
        tx.contacts.add(_contact_on(desk, wrong[1], Disposition.INFORMED))  # any other outcome, on any call
        tx.commit()
    assert desk.contacts() == 5


def _another_clients_service_callback(desk: Desk) -> int:
    """A 回访 of 李四, another client of the same CSM: its id."""
    with desk.system(write=True) as tx:
        other = BranchBuilder(tx, as_of=None).client(
            "C0002", "李四", rid("110105", dt.date(1960, 3, 1), 12), desk.csm, mobile="13800138002"
        )
        theirs = tx.tasks.add(
            NewTask(
                client_id=other, staff_id=desk.csm.id or 0, kind=TaskKind.SERVICE_CALLBACK, due_on=TODAY,
                created_at=NOW_UTC,
            )
        )  # fmt: skip
        tx.commit()
    assert theirs.id is not None
    return theirs.id


def test_the_repository_refuses_a_contact_on_another_clients_task(desk: Desk) -> None:
    theirs = _another_clients_service_callback(desk)
    for disposition in (Disposition.SERVICE_DONE, Disposition.INFORMED):
        with desk.ws.uow(write=True) as tx, pytest.raises(AccessDenied):
            tx.contacts.add(_contact_on(desk, theirs, disposition))
    assert desk.contacts() == 0


# --- a 回访 done logged by hand (``l`` on the client page), with no task called --------------------------------


@pytest.mark.parametrize("kind", [None, TaskKind.CALLBACK, TaskKind.FOLLOW_UP])
def test_a_hand_logged_service_done_is_refused_when_no_service_callback_is_due(
    desk: Desk, kind: TaskKind | None
) -> None:
    other = None if kind is None else desk.task(kind)
    desk.task(TaskKind.SERVICE_CALLBACK, TODAY + dt.timedelta(days=3))  # a 回访 to come is not due yet

    with pytest.raises(DomainError, match="service_done_not_a_callback"):
        desk.done(None)

    assert desk.contacts() == 0  # nothing written: no contact, no score
    assert other is None or desk.status(other) is TaskStatus.OPEN


@pytest.mark.parametrize("channel", [Channel.VISIT, Channel.WECHAT])
def test_a_hand_logged_service_done_closes_the_service_callback_due(desk: Desk, channel: Channel) -> None:
    service = desk.task(TaskKind.SERVICE_CALLBACK)
    desk.done(None, channel)
    assert (desk.contacts(), desk.status(service)) == (1, TaskStatus.DONE)


def test_a_hand_logged_service_done_closes_the_retry_of_an_unanswered_service_callback(desk: Desk) -> None:
    service = desk.task(TaskKind.SERVICE_CALLBACK)
    receipt = record(desk.ws, desk.client, Outcome(Disposition.NO_ANSWER), task_id=service, started_at=NOW_UTC)
    (retry,) = receipt.created_tasks
    desk.done(None, Channel.VISIT)
    assert (desk.contacts(), desk.status(retry)) == (2, TaskStatus.DONE)


def test_a_hand_logged_service_done_is_refused_on_the_retry_of_an_ordinary_callback(desk: Desk) -> None:
    callback = desk.task(TaskKind.CALLBACK)
    record(desk.ws, desk.client, Outcome(Disposition.NO_ANSWER), task_id=callback, started_at=NOW_UTC)
    with pytest.raises(DomainError, match="service_done_not_a_callback"):
        desk.done(None, Channel.VISIT)
    assert desk.contacts() == 1


@pytest.mark.parametrize(("row", "offered"), [(0, False), (9, True)])
async def test_the_hand_log_dialog_offers_service_done_only_with_a_service_callback_due(
    calls_branch: CallsBranch, row: int, offered: bool
) -> None:
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ClientDetailScreen(app.ws, calls_branch.clients[row]))  # 0: a callback; 9: a 回访
        await press_settled(pilot, "l")
        dialog = app.screen
        assert isinstance(dialog, LogContactDialog)
        assert (Disposition.SERVICE_DONE in dialog.outcomes) is offered
        assert Disposition.INFORMED in dialog.outcomes


# --- one 回访 done answers the 回访 of each of the client's purchases ----------------------------------------------


def _progress(desk: Desk, measure: ChecklistMeasure) -> Progress | None:
    return next(i.progress for i in load_list(desk.ws).items if i.item.measure is measure)


@pytest.mark.parametrize("called", [False, True], ids=["hand-logged", "called"])
def test_one_service_done_answers_each_open_service_callback_recorded_on_each_and_counted_once_as_a_call(
    desk: Desk, called: bool
) -> None:
    """Two purchases, two 回访 open: the client answered both in the one contact (logged by hand, or on the call to
    the first). Both close and each names the contact's outcome and who made it; the checklist and the day's
    figures count two 回访 made, one call, one contact; undone, both open again and nothing of it is left."""
    first, second = desk.task(TaskKind.SERVICE_CALLBACK), desk.task(TaskKind.SERVICE_CALLBACK)
    outcome = Outcome(Disposition.SERVICE_DONE, Channel.PHONE, satisfaction=5, feedback="很满意")
    receipt = record(desk.ws, desk.client, outcome, task_id=first if called else None, started_at=NOW_UTC)

    assert set(receipt.closed_tasks) == {first, second} and desk.contacts() == 1
    found = client_detail.load(desk.ws, desk.client)
    assert not isinstance(found, ClientSummary)
    closed = {c.task.id: (c.task.status, c.closed_by, c.outcome) for c in found.closed_tasks}
    assert closed == {t: (TaskStatus.DONE, desk.csm.id, Disposition.SERVICE_DONE) for t in (first, second)}
    assert _progress(desk, ChecklistMeasure.SERVICE_CALLBACKS) == Progress(2, 2)
    assert _progress(desk, ChecklistMeasure.CALLS) == Progress(1, desk.ws.policy.calls.daily_target)
    figures = load_list(desk.ws).figures
    assert (figures.calls, figures.contacts, figures.service_callbacks_done) == (1, 1, 2)

    undo(desk.ws, receipt)
    assert (desk.status(first), desk.status(second), desk.contacts()) == (TaskStatus.OPEN, TaskStatus.OPEN, 0)
    with desk.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ContactTaskRow)) == 0


def test_a_contact_is_not_recorded_on_another_clients_task(desk: Desk) -> None:
    """The repository refuses a further task of another client (or none at all): nothing written."""
    desk.done(desk.task(TaskKind.SERVICE_CALLBACK))
    theirs = _another_clients_service_callback(desk)
    with desk.ws.uow(write=True) as tx:
        (contact,) = tx.contacts.for_client(desk.client)
        for wrong in ([theirs], [10_000]):
            with pytest.raises(AccessDenied):
                tx.contacts.also_answers(contact.id, wrong)
    with desk.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ContactTaskRow)) == 0


def test_service_done_on_a_callback_counts_the_one_service_callback_it_answered(desk: Desk) -> None:
    """Called on an ordinary callback, the 回访 done answers the client's one 回访: one call, one contact, one 回访
    made — in the day's figures as on the checklist; the callback is settled by reaching the client."""
    callback, service = desk.task(TaskKind.CALLBACK), desk.task(TaskKind.SERVICE_CALLBACK)
    outcome = Outcome(Disposition.SERVICE_DONE, Channel.PHONE, satisfaction=5)
    receipt = record(desk.ws, desk.client, outcome, task_id=callback, started_at=NOW_UTC)

    assert set(receipt.closed_tasks) == {callback, service}
    figures = load_list(desk.ws).figures
    assert (figures.calls, figures.contacts, figures.service_callbacks_done) == (1, 1, 1)
    assert _progress(desk, ChecklistMeasure.SERVICE_CALLBACKS) == Progress(1, 1)
    with desk.ws.uow() as tx:
        (contact,) = tx.contacts.for_client(desk.client)
    assert contact.task_id == service  # what the 回访 done answers


@pytest.mark.parametrize("due_on", [TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=7)])
def test_service_done_answers_every_open_service_callback_of_the_client_due_or_not(desk: Desk, due_on: dt.date) -> None:
    """A purchase made today (its 回访 due later) or a 回访 snoozed to tomorrow: the client has just been asked about
    their purchases, so that 回访 is answered too, and the client is not called again for it."""
    service, later = desk.task(TaskKind.SERVICE_CALLBACK), desk.task(TaskKind.SERVICE_CALLBACK, due_on)
    desk.done(service)
    assert (desk.status(service), desk.status(later)) == (TaskStatus.DONE, TaskStatus.DONE)
    assert load_list(desk.ws).figures.service_callbacks_done == 2


def _contact_tasks(desk: Desk) -> set[tuple[int, int]]:
    with desk.engine.connect() as conn:
        return {(r.contact_id, r.task_id) for r in conn.execute(select(ContactTaskRow))}


def test_the_repository_records_only_open_service_callbacks_on_a_service_done_contact(desk: Desk) -> None:
    """Called directly, ``also_answers`` refuses (nothing written) what a 回访 done does not answer: ordinary calls,
    a 回访 already closed, another CSM's 回访 of the client, the contact's own task, or a contact whose outcome is not
    回访完成 — so the day's 回访 made cannot be inflated below the service."""
    service = desk.task(TaskKind.SERVICE_CALLBACK)
    desk.done(service)
    follow_ups = [desk.task(TaskKind.FOLLOW_UP) for _ in range(5)]
    closed = desk.task(TaskKind.SERVICE_CALLBACK)
    with desk.system(write=True) as tx:
        tx.tasks.close(closed, TaskStatus.DONE, NOW_UTC)
        colleague = BranchBuilder(tx, as_of=None).staff("csm02", "李娜", Role.CSM)
        theirs = tx.tasks.add(
            NewTask(
                client_id=desk.client, staff_id=colleague.id or 0, kind=TaskKind.SERVICE_CALLBACK, due_on=TODAY,
                created_at=NOW_UTC,
            )
        ).id  # fmt: skip
        tx.commit()
    open_one = desk.task(TaskKind.SERVICE_CALLBACK)
    record(desk.ws, desk.client, Outcome(Disposition.INFORMED, Channel.SMS), started_at=NOW_UTC)
    with desk.ws.uow() as tx:
        done, informed = sorted(tx.contacts.for_client(desk.client), key=lambda c: c.disposition != "service_done")
    assert done.disposition is Disposition.SERVICE_DONE and informed.disposition is Disposition.INFORMED

    for contact, tasks in (
        (done, follow_ups), (done, [closed]), (done, [theirs]), (done, [service]), (done, [open_one, *follow_ups[:1]]),
        (informed, [open_one]),
    ):  # fmt: skip
        with desk.ws.uow(write=True) as tx, pytest.raises(AccessDenied):
            tx.contacts.also_answers(contact.id or 0, tasks)
    assert _contact_tasks(desk) == set()
    assert load_list(desk.ws).figures.service_callbacks_done == 1

    with desk.ws.uow(write=True) as tx:  # an open 回访 of the client's, on the 回访 done: taken
        tx.contacts.also_answers(done.id or 0, [open_one])
        tx.commit()
    assert _contact_tasks(desk) == {(done.id, open_one)}


def test_undoing_a_service_done_audits_the_service_callbacks_it_no_longer_answers(desk: Desk) -> None:
    first, second = desk.task(TaskKind.SERVICE_CALLBACK), desk.task(TaskKind.SERVICE_CALLBACK)
    outcome = Outcome(Disposition.SERVICE_DONE, Channel.PHONE, satisfaction=5)
    receipt = record(desk.ws, desk.client, outcome, task_id=first, started_at=NOW_UTC)
    undo(desk.ws, receipt)
    with desk.engine.connect() as conn:
        deleted = conn.execute(
            select(AuditRow.entity, AuditRow.entity_id).where(AuditRow.action == "delete")
        ).all()  # fmt: skip
    assert ("contact_tasks", f"{receipt.contact_id},{second}") in deleted
    assert ("contacts", str(receipt.contact_id)) in deleted
    assert (desk.status(first), desk.status(second)) == (TaskStatus.OPEN, TaskStatus.OPEN)
