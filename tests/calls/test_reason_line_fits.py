"""The call session's reason line (why the client is in the queue, then its detail) is one line: when the reasons
and the detail are wider than the terminal, the line is cut with … rather than wrapped onto a hidden second line
that left it ending on a bare separator. A client with a callback and a 回访 due on the same call, the callback's
note longer than the line, at 80×24 in both languages, on the call session's branch (Friday 27 November 2026, 10:00
in Shanghai).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from textual.widgets import Static

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import TaskKind
from csm_tui.domain.models import NewTask
from screens.call_session import CallSession
from storage.engine import make_engine
from storage.orm import StaffRow, TaskRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.calls_branch import NOW, TODAY, CallsBranch
from tests.support.clock import FROZEN_AT
from tests.support.pilot import make_app, press_settled


def _service_callback_too(branch: CallsBranch) -> None:
    """The first client's callback (its note longer than the line) also raises a 回访 due today."""
    engine = make_engine(branch.url)
    with SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))(write=True) as tx:
        staff_id = tx.session.scalar(select(StaffRow.id).where(StaffRow.login == "csm01"))
        assert staff_id is not None
        tx.tasks.add(
            NewTask(
                client_id=branch.clients[0], staff_id=staff_id, kind=TaskKind.SERVICE_CALLBACK, due_on=TODAY,
                created_at=NOW - dt.timedelta(days=3),
            )
        )  # fmt: skip
        note = "客户说下午三点后方便，想了解大额存单和三年期国债的利率，以及孩子教育金的定投安排"
        tx.session.execute(update(TaskRow).where(TaskRow.id == branch.tasks[0]).values(note=note))
        tx.commit()
    engine.dispose()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_reason_line_is_one_line_cut_with_an_ellipsis_never_a_bare_separator(
    calls_branch: CallsBranch, lang: str
) -> None:
    _service_callback_too(calls_branch)
    app = make_app(calls_branch.url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "2", "c")
        session = app.screen
        assert isinstance(session, CallSession)
        assert session.item.client_id == calls_branch.clients[0] and session.item.also
        reason = session.query_one("#reason", Static)
        assert reason.size.height == 1
        whole = str(reason.render())
        shown = reason.render_line(0).text.rstrip()
        assert "+" in whole and "·" in whole  # two reasons and a detail
        assert not shown.endswith(("·", "+"))
        assert shown.endswith("…") or shown.strip() == whole.strip()
