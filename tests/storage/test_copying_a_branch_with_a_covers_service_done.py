"""A branch moves whole to another database (``csm admin copy``) after a colleague covering a leave logged a 回访
done that answered two purchases' 回访, and the client was then given to another CSM: every row the app wrote
before goes across, whatever the guards of migration 0024 look at now (the client's manager of today).

The clock on Friday 27 November 2026, 10:00 in Shanghai; the source a SQLite branch, the target each backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Channel, Disposition, LeaveKind, Role, TaskKind
from csm_tui.domain.models import NewTask, Staff
from csm_tui.policy import LeaveCalls, Policy
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.leave import record_leave
from csm_tui.services.workstation import Workstation
from storage.copy import copy_branch
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder

TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'source.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


def test_a_branch_whose_covered_service_done_answered_two_purchases_moves_after_the_client_changed_manager(
    source: Engine, engine: Engine, clock: FrozenClock
) -> None:
    system = SqlUnitOfWorkFactory(source, clock)
    with system(write=True) as tx:
        build = BranchBuilder(tx, as_of=None)
        build.outlet()
        names = ((1, "王芳"), (2, "李娜"), (3, "周强"))
        wang, li, zhou = (build.staff(f"csm0{n}", name, Role.CSM) for n, name in names)
        zs = build.client("C0001", "张三", "11010519491231002X", wang, mobile="13800138001")
        first, _second = (
            tx.tasks.add(
                NewTask(client_id=zs, staff_id=wang.id, kind=TaskKind.SERVICE_CALLBACK, due_on=TODAY, created_at=NOW)
            )
            for _ in range(2)
        )
        tx.commit()
    policy = Policy()
    policy = policy.model_copy(update={"leave": policy.leave.model_copy(update={"calls": LeaveCalls.COVER})})

    def ws(staff: Staff) -> Workstation:
        return Workstation(
            uow=system.acting_as(staff), staff=staff, outlet=None, time=BranchTime(clock, "Asia/Shanghai"),
            policy=policy, demo=False,
        )  # fmt: skip

    assert wang.id is not None and li.id is not None and zhou.id is not None
    record_leave(ws(wang), wang.id, TODAY, TODAY + dt.timedelta(days=4), LeaveKind.ANNUAL, li.id)
    done = record(
        ws(li), zs, Outcome(Disposition.SERVICE_DONE, Channel.PHONE, satisfaction=5), task_id=first.id, started_at=NOW
    )
    assert len(done.closed_tasks) == 2  # both purchases' 回访, on the cover's one contact
    with system(write=True) as tx:
        tx.clients.assign(zs, zhou.id)  # by the admin, later
        tx.commit()
    copied = {c.table: c.rows for c in copy_branch(source, engine)}
    assert copied["contacts"] == 1 and copied["contact_tasks"] == 1
