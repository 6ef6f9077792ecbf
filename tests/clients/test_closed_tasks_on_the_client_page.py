"""Issue 18: the client page's tasks tab lists the client's closed tasks too — done, skipped, cancelled — with the
day, who closed them (the audit log's actor of the closing write, not the task's owner), the outcome and a skip's
reason, newest first after the open ones, the last ``CLOSED_TASKS`` only; to whoever reads the client in full, and
to no one else (the repository refuses). On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from csm_tui.domain.enums import Channel, Disposition, SkipReason, TaskKind, TaskStatus
from csm_tui.domain.models import ClientSummary, NewContactRecord, NewTask
from csm_tui.domain.task_notes import skip_note
from csm_tui.services.calls import outcomes
from csm_tui.services.calls.outcomes import Outcome
from csm_tui.services.clients import client_detail
from csm_tui.services.ports import AccessDenied
from tests.support.clients_branch import NOW, Branch


def _task(branch: Branch, kind: TaskKind = TaskKind.FOLLOW_UP, note: str = "") -> int:
    with branch.ws(branch.csm_a).uow(write=True) as tx:
        task = tx.tasks.add(
            NewTask(
                client_id=branch.zsf, staff_id=branch.csm_a.id, kind=kind, due_on=NOW.date(), note=note,
                created_at=NOW,
            )
        )  # fmt: skip
        tx.commit()
    return task.id


def _close(branch: Branch, by: str, task_id: int, status: TaskStatus, note: str = "") -> None:
    staff = getattr(branch, by)
    ws = branch.ws(staff)
    with ws.uow(write=True) as tx:
        tx.tasks.close(task_id, status, ws.time.now().datetime, note)
        tx.commit()


def test_closed_tasks_come_newest_first_with_who_closed_them_and_the_skip_reason(branch: Branch) -> None:
    skipped = _task(branch, TaskKind.CALLBACK, "客户约定回电")
    _close(branch, "csm_a", skipped, TaskStatus.SKIPPED, skip_note(SkipReason.NOT_NOW, "客户出差"))
    branch.clock.advance(dt.timedelta(hours=1))
    done = _task(branch)
    _close(branch, "supervisor", done, TaskStatus.DONE)  # A's task, closed by the supervisor: named as the closer
    open_one = _task(branch)

    found = client_detail.load(branch.ws(branch.csm_a), branch.zsf)
    assert not isinstance(found, ClientSummary)
    assert [t.id for t in found.tasks] == [open_one]
    assert [(c.task.id, c.task.status, c.closed_by) for c in found.closed_tasks] == [
        (done, TaskStatus.DONE, branch.supervisor.id),
        (skipped, TaskStatus.SKIPPED, branch.csm_a.id),
    ]
    assert found.closed_tasks[1].task.note.endswith("[not_now] 客户出差")  # the code, said by each reader
    assert found.staff_names[branch.supervisor.id] == branch.supervisor.name


def test_only_the_newest_closed_tasks_are_read(branch: Branch) -> None:
    for n in range(client_detail.CLOSED_TASKS + 2):
        _close(branch, "csm_a", _task(branch, note=f"第{n}个"), TaskStatus.CANCELLED)
        branch.clock.advance(dt.timedelta(minutes=1))
    found = client_detail.load(branch.ws(branch.csm_a), branch.zsf)
    assert not isinstance(found, ClientSummary)
    assert len(found.closed_tasks) == client_detail.CLOSED_TASKS
    assert found.closed_tasks[0].task.note == f"第{client_detail.CLOSED_TASKS + 1}个"
    assert all(c.closed_by == branch.csm_a.id for c in found.closed_tasks)


def test_another_managers_client_closed_tasks_are_refused_and_the_page_shows_the_summary(branch: Branch) -> None:
    _close(branch, "csm_a", _task(branch, note="客户私事"), TaskStatus.DONE)
    other = branch.ws(branch.csm_b)
    with other.uow() as tx, pytest.raises(AccessDenied):
        tx.tasks.closed_for_client(branch.zsf, client_detail.CLOSED_TASKS)
    assert isinstance(client_detail.load(other, branch.zsf), ClientSummary)


def test_a_task_imported_already_closed_names_no_closer(branch: Branch) -> None:
    """No closing write in the log (it arrived closed): the closer is not known, and not guessed."""
    with branch.ws(branch.csm_a).uow(write=True) as tx:
        tx.tasks.add(
            NewTask(
                client_id=branch.zsf, staff_id=branch.csm_a.id, kind=TaskKind.FOLLOW_UP, due_on=NOW.date(),
                status=TaskStatus.DONE, created_at=NOW, closed_at=NOW - dt.timedelta(days=3),
            )
        )  # fmt: skip
        tx.commit()
    found = client_detail.load(branch.ws(branch.csm_a), branch.zsf)
    assert not isinstance(found, ClientSummary)
    assert [c.closed_by for c in found.closed_tasks] == [None]


def test_a_task_closed_by_a_call_names_the_caller_and_the_outcome(branch: Branch) -> None:
    task = _task(branch, TaskKind.CALLBACK)
    ws = branch.ws(branch.csm_a)
    outcomes.record(ws, branch.zsf, Outcome(Disposition.INTERESTED), task_id=task, started_at=NOW)
    found = client_detail.load(ws, branch.zsf)
    assert not isinstance(found, ClientSummary)
    closed = next(c for c in found.closed_tasks if c.task.id == task)
    assert (closed.task.status, closed.closed_by, closed.outcome) == (
        TaskStatus.DONE, branch.csm_a.id, Disposition.INTERESTED,
    )  # fmt: skip


def test_a_task_closed_by_a_call_with_no_closing_write_in_the_log_names_the_caller(branch: Branch) -> None:
    """A call the demo (or an import) wrote with its task already closed: the contact on the task says who and how."""
    with branch.ws(branch.csm_a).uow(write=True) as tx:
        task = tx.tasks.add(
            NewTask(
                client_id=branch.zsf, staff_id=branch.csm_a.id, kind=TaskKind.SERVICE_CALLBACK, due_on=NOW.date(),
                status=TaskStatus.DONE, created_at=NOW, closed_at=NOW - dt.timedelta(days=2),
            )
        )  # fmt: skip
        tx.contacts.add(
            NewContactRecord(
                client_id=branch.zsf, staff_id=branch.csm_a.id, channel=Channel.PHONE,
                started_at=NOW - dt.timedelta(days=2), disposition=Disposition.SERVICE_DONE, satisfaction=5,
                task_id=task.id,
            )
        )  # fmt: skip
        tx.commit()
    found = client_detail.load(branch.ws(branch.csm_a), branch.zsf)
    assert not isinstance(found, ClientSummary)
    assert [(c.closed_by, c.outcome) for c in found.closed_tasks] == [(branch.csm_a.id, Disposition.SERVICE_DONE)]


@pytest.mark.parametrize("retried", [False, True])
def test_a_hand_logged_service_done_names_its_outcome_on_the_service_callback_it_closes(
    branch: Branch, retried: bool
) -> None:
    """回访完成 logged by hand (no task called) closes the 回访 due, or the retry of one the client did not answer:
    the contact is recorded on that task, so its closed row says how, and who."""
    ws = branch.ws(branch.csm_a)
    task = _task(branch, TaskKind.SERVICE_CALLBACK)
    if retried:
        (task,) = outcomes.record(
            ws, branch.zsf, Outcome(Disposition.NO_ANSWER), task_id=task, started_at=NOW
        ).created_tasks
    done = Outcome(Disposition.SERVICE_DONE, Channel.VISIT, satisfaction=5, feedback="很满意")
    receipt = outcomes.record(ws, branch.zsf, done, started_at=NOW)
    found = client_detail.load(ws, branch.zsf)
    assert not isinstance(found, ClientSummary)
    closed = next(c for c in found.closed_tasks if c.task.id == task)
    assert (closed.task.status, closed.closed_by, closed.outcome) == (
        TaskStatus.DONE, branch.csm_a.id, Disposition.SERVICE_DONE,
    )  # fmt: skip
    assert receipt.closed_tasks == (task,)
    with ws.uow() as tx:
        contact = next(c for c in tx.contacts.for_client(branch.zsf) if c.id == receipt.contact_id)
    assert contact.task_id == task
