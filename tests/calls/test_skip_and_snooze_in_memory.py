"""Skipping and snoozing a call (``services.calls.outcomes``) on a unit of work in memory (``tests/support/fake_uow``):
the service's own decisions — which task it closes or moves, to when, what the phrase check lets through and what
it audits, and that nothing is kept of a save that did not commit — fast and without a database. The same services
run on SQLite and PostgreSQL in ``test_outcomes`` and ``test_phrase_check``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Grade, QueueReason, Role, TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.models import NewTask, Staff
from csm_tui.policy import Policy
from csm_tui.rules.cadence import Cadence
from csm_tui.services.calls.outcomes import SkipReason, skip, snooze, snooze_choices
from csm_tui.services.calls.queue import QueueItem
from csm_tui.services.phrase_check import PHRASES_CONFIRMED, PHRASES_REFUSED, ForbiddenPhrases, PhrasesConfirmed
from csm_tui.services.rows import Candidate
from csm_tui.services.workstation import Workstation
from tests.support.branch import TODAY, TZ
from tests.support.clock import FROZEN_AT
from tests.support.fake_uow import FakeUnitOfWorkFactory

CSM = Staff(id=7, login="csm01", name="王芳", role=Role.CSM, grade=Grade.CSM)
CLIENT = 42


def desk(at: str = FROZEN_AT) -> tuple[Workstation, FakeUnitOfWorkFactory, int]:
    """csm01 signed in on the fake, with one open callback for the client due today; its id."""
    clock = FrozenClock(at)
    time = BranchTime(clock, TZ)
    uow = FakeUnitOfWorkFactory(CSM, lambda: clock.now().datetime)
    with uow(write=True) as tx:
        task = tx.tasks.add(
            NewTask(
                client_id=CLIENT, staff_id=CSM.id, kind=TaskKind.CALLBACK, due_on=time.today(),
                origin=TaskOrigin.MANUAL, created_at=clock.now().datetime - dt.timedelta(days=1),
            )
        )  # fmt: skip
        tx.commit()
    return Workstation(uow=uow, staff=CSM, outlet=None, time=time, policy=Policy(), demo=False), uow, task.id


def item(task_id: int | None) -> QueueItem:
    return QueueItem(Candidate(CLIENT, "张三丰", QueueReason.CALLBACK, TODAY, Decimal("1000.00"), task_id))


def test_a_skip_closes_the_callback_as_skipped_with_its_reason_and_note() -> None:
    ws, uow, task_id = desk()
    skip(ws, item(task_id), SkipReason.NOT_NOW, "出差到下周")
    task = uow.store.tasks[task_id]
    assert (task.status, task.closed_at, task.note) == (
        TaskStatus.SKIPPED,
        ws.time.now().datetime,
        "[not_now] 出差到下周",
    )
    assert len(uow.store.tasks) == 1 and uow.store.events == []


@given(minutes=st.integers(min_value=0, max_value=24 * 60 - 1))
def test_a_snooze_moves_the_callback_to_each_quick_time_offered_at_any_time_of_day(minutes: int) -> None:
    at = (dt.datetime(2026, 11, 26, 16, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)).isoformat()  # Friday, 00:00 on
    ws, uow, task_id = desk(at)
    now = ws.time.now().datetime
    for when in snooze_choices(ws).values():
        snooze(ws, item(task_id), when)
        later = Cadence(ws.policy).snooze_until(when, now)
        task = uow.store.tasks[task_id]
        assert (task.due_on, task.due_at, task.status) == (later.due_on, later.due_at, TaskStatus.OPEN)
        assert task.due_at is not None and task.due_at > now


def test_a_forbidden_phrase_is_refused_audited_on_its_own_and_the_task_left_open() -> None:
    ws, uow, task_id = desk()
    with pytest.raises(ForbiddenPhrases):
        skip(ws, item(task_id), SkipReason.OTHER, "这款保本")
    assert uow.store.tasks[task_id].status is TaskStatus.OPEN
    assert [(a, e, i) for a, e, i, _ in uow.store.events] == [(PHRASES_REFUSED, "clients", str(CLIENT))]


def test_a_confirmed_phrase_is_kept_with_its_reason_in_the_same_save() -> None:
    ws, uow, task_id = desk()
    confirmed = PhrasesConfirmed(frozenset({"保本"}), "客户原话")
    skip(ws, item(task_id), SkipReason.OTHER, "客户问：保本吗", confirmed)
    assert uow.store.tasks[task_id].status is TaskStatus.SKIPPED
    ((action, entity, entity_id, detail),) = uow.store.events
    assert (action, entity, entity_id, detail["reason"]) == (PHRASES_CONFIRMED, "clients", str(CLIENT), "客户原话")


def test_writes_left_without_a_commit_are_not_kept() -> None:
    _, uow, task_id = desk()
    with uow(write=True) as tx:
        tx.tasks.close(task_id, TaskStatus.DONE, dt.datetime(2026, 11, 27, 3, tzinfo=dt.UTC))
        tx.audit.record("x")
    assert uow.store.tasks[task_id].status is TaskStatus.OPEN and uow.store.events == []
