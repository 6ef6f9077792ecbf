"""A callback the cadence books after an unanswered call says in the queue's 详情 what it tries again and which call
it is ("第 3 次拨打：售后回访 购买后一周回访"), like every other row: the queue's read model follows the
retries back to the task of the first call (a retry of a retry too), on SQLite and PostgreSQL; a callback the client
asked for is no retry.

The clock: Friday 27 November 2026, 10:00 in Shanghai (retries later the same day).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from csm_tui.cli import open_workstation
from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Disposition, Role, TaskKind
from csm_tui.domain.models import NewTask
from csm_tui.i18n import catalog, label, set_language
from csm_tui.policy import Policy
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.calls.queue import QueueItem, today_queue
from csm_tui.services.rows import Retry
from csm_tui.services.workstation import Workstation
from storage.engine import make_engine
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder
from tests.support.calls_branch import NOW, TODAY, CallsBranch
from tests.support.clock import FROZEN_AT
from tests.support.pilot import make_app, press_settled, table_rows, whole_rows
from widgets.cells import reason_detail

NOTE = "购买后一周回访"
UNANSWERED = Outcome(Disposition.NO_ANSWER)


class Desk:
    def __init__(self, engine: Engine, clock: FrozenClock) -> None:
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

    def task(self, kind: TaskKind, note: str = "") -> int:
        with self.system(write=True) as tx:
            task = tx.tasks.add(
                NewTask(
                    client_id=self.client, staff_id=self.csm.id or 0, kind=kind, due_on=TODAY, note=note,
                    created_at=NOW - dt.timedelta(days=3),
                )
            )  # fmt: skip
            tx.commit()
        return task.id

    def call(self, task_id: int | None, outcome: Outcome = UNANSWERED) -> int:
        """The call made on ``task_id`` (None: with no task), and the callback it booked."""
        (booked,) = record(self.ws, self.client, outcome, task_id=task_id, started_at=NOW).created_tasks
        return booked

    def row(self) -> QueueItem:
        (item,) = today_queue(self.ws)
        return item


@pytest.fixture
def desk(engine: Engine, clock: FrozenClock) -> Desk:
    return Desk(engine, clock)


@pytest.mark.parametrize("calls", [1, 2])
def test_a_retry_names_the_task_of_the_first_unanswered_call_and_its_attempt(desk: Desk, calls: int) -> None:
    task = desk.task(TaskKind.SERVICE_CALLBACK, NOTE)
    for _ in range(calls):
        task = desk.call(task)
    item = desk.row()
    assert (item.main.task_id, item.main.retry) == (task, Retry(calls + 1, TaskKind.SERVICE_CALLBACK, NOTE))
    detail = reason_detail(item.main, str)
    assert detail == f"第 {calls + 1} 次拨打：售后回访 {NOTE}"


def test_a_retry_of_a_call_made_with_no_task_says_its_attempt(desk: Desk) -> None:
    desk.call(None)
    item = desk.row()
    assert item.main.retry == Retry(2)
    assert reason_detail(item.main, str) == "第 2 次拨打（前次未接通）"


def test_a_retry_keeps_the_note_typed_on_the_unanswered_call_beside_what_it_retries(desk: Desk) -> None:
    desk.call(desk.task(TaskKind.FOLLOW_UP), Outcome(Disposition.NO_ANSWER, note="响铃无人接听"))
    assert reason_detail(desk.row().main, str) == "第 2 次拨打：意向跟进 · 响铃无人接听"


def test_a_callback_the_client_asked_for_is_no_retry(desk: Desk) -> None:
    desk.call(desk.task(TaskKind.FOLLOW_UP), Outcome(Disposition.BUSY, note="客户开会", at=NOW + dt.timedelta(hours=3)))
    item = desk.row()
    assert item.main.retry is None
    assert reason_detail(item.main, str) == "客户开会"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_queue_shows_what_a_retry_tries_again(calls_branch: CallsBranch, lang: str) -> None:
    """csm01's 回访 of client 9 goes unanswered: its retry's row says so, at 80×24."""
    app = make_app(calls_branch.url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot)
        record(app.ws, calls_branch.clients[9], Outcome(Disposition.NO_ANSWER), task_id=calls_branch.tasks[9],
               started_at=NOW)  # fmt: skip
        await press_settled(pilot, "2")
        set_language(lang)
        said = catalog(lang)["queue.retry_of"].format(attempt=2, what=label(TaskKind.SERVICE_CALLBACK))
        shown = next(r for r in table_rows(app) if r[1] == "客户9")[3]
        assert next(r for r in whole_rows(app) if r[1] == "客户9")[3] == said
        assert shown == said or (shown.endswith("…") and said.startswith(shown[:-1]))  # cut to the column at 80×24


CJK = re.compile(r"[\u3400-\u9fff]")


async def test_the_demos_retries_say_what_they_retry_in_english_with_no_chinese(demo_url: str) -> None:
    """The demo books a retry after no answer as the app does (no note of its own): in English, each CSM's queue
    says of every retry what it tries again in English words, and the painted row too."""
    set_language("en")
    retries = {}
    for login in [f"csm{k:02d}" for k in range(1, 7)]:
        ws = open_workstation(make_engine(demo_url), FrozenClock(FROZEN_AT), Policy(), login)
        retries[login] = [i for i in today_queue(ws) if i.main.retry is not None]
    assert any(retries.values())
    for items in retries.values():
        for item in items:
            assert not CJK.search(reason_detail(item.main, str)), reason_detail(item.main, str)
    login, items = next((login, items) for login, items in retries.items() if items)
    app = make_app(demo_url, lang="en", login=login)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "2")
        names = {item.main.client_name for item in items}
        shown = [row[3] for row in whole_rows(app) if row[1] in names]
        assert shown and all(not CJK.search(detail) for detail in shown), shown
