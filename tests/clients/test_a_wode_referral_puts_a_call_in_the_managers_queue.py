"""A CSM's 沃德 referral puts a call in the 沃德 client manager's queue, in the same transaction, on SQLite and
PostgreSQL: a referral task due the day it is made, its note the client's need, labelled 沃德转介 and pending while
open; returning the referral cancels it, accepting keeps it; a referral refused, or one written by another path,
leaves no call.

The clients' small branch (``support/clients_branch``): A (周主管's team) has 张三丰 (at the 沃德 standard) and
王小明 (below it)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from csm_tui.domain.enums import QueueReason, TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import NewTask, Staff
from csm_tui.services.calls import queue
from csm_tui.services.clients import referrals
from csm_tui.services.ports import AccessDenied
from storage.orm import StaffRow, TaskRow
from tests.support.clients_branch import NOW, Branch
from tests.support.wode import open_referral

NEED = "日均52万，有意向资产配置"


def _wode_queue(branch: Branch) -> dict[int, tuple[QueueReason, bool]]:
    """The 沃德 client manager's queue today: client → (reason, referral still to decide)."""
    return {i.client_id: (i.reason, i.referral_pending) for i in queue.today_queue(branch.ws(branch.wealth))}


def _calls(branch: Branch) -> list[tuple[int, int, TaskKind, TaskOrigin | None, int | None, dt.date, str, TaskStatus]]:
    with Session(branch.engine) as session:
        rows = session.scalars(select(TaskRow).where(TaskRow.staff_id == branch.wealth.id).order_by(TaskRow.id)).all()
        return [
            (r.client_id, r.staff_id, TaskKind(r.kind), r.origin and TaskOrigin(r.origin), r.origin_id, r.due_on,
             r.note, TaskStatus(r.status))
            for r in rows
        ]  # fmt: skip


def test_a_wode_referral_puts_a_call_due_today_in_the_wode_managers_queue(branch: Branch) -> None:
    assert branch.wealth.id is not None
    referral = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id, note=NEED)
    today = NOW.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert _calls(branch) == [
        (branch.zsf, branch.wealth.id, TaskKind.REFERRAL, TaskOrigin.REFERRAL, referral.id, today, NEED,
         TaskStatus.OPEN)
    ]  # fmt: skip
    assert _wode_queue(branch) == {branch.zsf: (QueueReason.WODE_REFERRAL, True)}


def test_returning_the_referral_cancels_its_call_and_accepting_keeps_it(branch: Branch) -> None:
    assert branch.wealth.id is not None
    csm, wealth = branch.ws(branch.csm_a), branch.ws(branch.wealth)
    referral = referrals.refer_to_wode(csm, branch.zsf, branch.wealth.id, note=NEED)
    released = referrals.decide(wealth, referral, accept=False, reason="客户暂无意向")
    assert released == referrals.Released(calls=1, meetings=0)
    assert [c[-1] for c in _calls(branch)] == [TaskStatus.CANCELLED]
    assert _wode_queue(branch) == {}

    again = referrals.refer_to_wode(csm, branch.zsf, branch.wealth.id, note=NEED)
    referrals.decide(wealth, again, accept=True)
    assert [(c[4], c[-1]) for c in _calls(branch)] == [(referral.id, TaskStatus.CANCELLED), (again.id, TaskStatus.OPEN)]
    assert _wode_queue(branch) == {branch.zsf: (QueueReason.WODE_REFERRAL, False)}


def test_a_referral_refused_or_written_by_another_path_leaves_no_call(branch: Branch) -> None:
    assert branch.wealth.id is not None
    with pytest.raises(DomainError, match="below_wode"):
        referrals.refer_to_wode(branch.ws(branch.csm_a), branch.wxm, branch.wealth.id, note=NEED)
    open_referral(branch, branch.zsf, branch.wealth)  # as an import or SQL writes one: the referral alone
    assert _calls(branch) == []
    with pytest.raises(DomainError, match="referral_open"):
        referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id, note=NEED)
    assert _calls(branch) == []


def test_a_wode_referral_to_a_manager_who_left_is_refused_and_queues_nothing(branch: Branch) -> None:
    """A 沃德 client manager deactivated (the staff import, a picker opened before): no referral, no call in a queue
    nobody works."""
    assert branch.wealth.id is not None
    with branch.engine.begin() as conn:
        conn.execute(update(StaffRow).where(StaffRow.id == branch.wealth.id).values(active=False))
    with pytest.raises(DomainError) as refused:
        referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id, note=NEED)
    assert refused.value.code == "not_a_wealth_manager"
    assert _calls(branch) == []


def test_a_referral_made_on_a_day_off_is_called_on_the_next_working_day(branch: Branch) -> None:
    assert branch.wealth.id is not None
    branch.clock.advance(dt.timedelta(days=1))  # Saturday
    referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id, note=NEED)
    assert [call[5] for call in _calls(branch)] == [dt.date(2026, 11, 30)]  # Monday


def _planted(branch: Branch, staff: Staff, origin_id: int | None, to: Staff) -> None:
    """``staff``'s session writes a referral's call on 张三丰 for ``to`` by the task repository itself."""
    with branch.ws(staff).uow(write=True) as tx:
        tx.tasks.add(
            NewTask(
                client_id=branch.zsf, staff_id=to.id or 0, kind=TaskKind.REFERRAL, due_on=dt.date(2026, 11, 27),
                origin=TaskOrigin.REFERRAL, origin_id=origin_id, note="保本高收益，稳赚不赔", created_at=NOW,
            )
        )  # fmt: skip
        tx.commit()


def test_a_referrals_call_is_written_only_on_an_open_referral_its_writer_made_of_that_client_to_that_manager(
    branch: Branch,
) -> None:
    """Past the services: a CSM cannot plant a "referral" call first in another's queue, with no referral, on
    another's referral, for someone else than the referral's receiver, or on a referral decided already."""
    assert branch.wealth.id is not None
    referral = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id, note=NEED)
    for staff, origin_id, to in (
        (branch.csm_b, None, branch.csm_a),  # no referral at all, on A's client for A
        (branch.csm_b, referral.id, branch.wealth),  # A's referral, by B
        (branch.csm_a, referral.id, branch.csm_b),  # A's referral, for someone it was not made to
    ):
        with pytest.raises(AccessDenied):
            _planted(branch, staff, origin_id, to)
    referrals.decide(branch.ws(branch.wealth), referral, accept=False, reason="客户暂不考虑")
    with pytest.raises(AccessDenied):
        _planted(branch, branch.csm_a, referral.id, branch.wealth)  # decided: no call any more
    assert [call[2:5] for call in _calls(branch)] == [(TaskKind.REFERRAL, TaskOrigin.REFERRAL, referral.id)]
    for staff in (branch.csm_a, branch.csm_b):
        assert all(item.reason is not QueueReason.REFERRAL for item in queue.today_queue(branch.ws(staff)))
