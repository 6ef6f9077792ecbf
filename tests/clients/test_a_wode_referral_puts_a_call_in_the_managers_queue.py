"""A CSM's 沃德 referral puts a call in the 沃德 client manager's queue, in the same transaction, on SQLite and
PostgreSQL: a referral task due the day it is made, its note the client's need, labelled 沃德转介 and pending while
open; returning the referral cancels it, accepting keeps it; a referral refused, or one written by another path,
leaves no call.

The clients' small branch (``support/clients_branch``): A (周主管's team) has 张三丰 (at the 沃德 standard) and
王小明 (below it)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csm_tui.domain.enums import QueueReason, TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.services.calls import queue
from csm_tui.services.clients import referrals
from storage.orm import TaskRow
from tests.support.clients_branch import NOW, Branch
from tests.support.wode import open_referral

NEED = "日均52万，有意向资产配置"


def _wode_queue(branch: Branch) -> dict[int, tuple[QueueReason, bool]]:
    """The 沃德 client manager's queue today: client → (reason, referral still to decide)."""
    return {i.client_id: (i.reason, i.referral_pending) for i in queue.today_queue(branch.ws(branch.wealth))}


def _calls(branch: Branch) -> list[tuple[int, int, TaskKind, TaskOrigin | None, int | None, dt.date, str, TaskStatus]]:
    with Session(branch.engine) as session:
        rows = session.scalars(select(TaskRow).where(TaskRow.staff_id == branch.wealth.id)).all()
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
