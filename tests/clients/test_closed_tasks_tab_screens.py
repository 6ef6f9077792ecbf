"""Issue 18: a skipped task's reason is read on the client page, not only in the export. The tasks tab lists the open
tasks, then the closed ones (newest first) with the day, who closed them, the outcome and the skip's reason in the
user's words; → or Enter opens the row whole. In both languages, at 80×24.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai): csm01 skips the first call of the
queue, then opens that client's page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from textual.widgets import Input, Select, Static, TabbedContent

from csm_tui.domain.enums import Channel, Disposition, SkipReason, TaskKind, TaskStatus
from csm_tui.domain.models import ClientSummary, NewTask
from csm_tui.i18n import catalog, label
from csm_tui.services.calls import outcomes
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.clients import client_detail
from screens.client_detail import COLUMNS, ClientDetailScreen
from screens.dialogs import LogContactDialog
from storage.engine import make_engine
from storage.orm import AppointmentRow, ClientRow, ContactRow, StaffRow, TaskRow
from tests.support.branch import open_desk
from tests.support.calls_branch import CallsBranch
from tests.support.pilot import first_own_client, make_app, open_client_page, settle, skip_said
from widgets.row_detail import RowDetail
from widgets.table import KeyTable


def _skip_first_call(url: str) -> int:
    ws = open_desk(url, "csm01")
    first = today_queue(ws)[0]
    outcomes.skip(ws, first, SkipReason.CONTACTED_ELSEWHERE, "柜台已办理")
    return first.main.client_id


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("key", ["right", "enter"])
async def test_a_skipped_task_shows_on_the_client_page_with_its_reason_and_opens_whole(
    demo_url: str, lang: str, key: str
) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, _skip_first_call(demo_url))  # skipped at another desk, then the page read
        app.screen.query_one(TabbedContent).active = "tasks"
        table = app.screen.query_one("#todo", KeyTable)
        rows = [[cell.plain for cell in row] for row in table.full]
        status, note, by = (COLUMNS["todo"].index(n) for n in ("status", "note", "staff"))
        skipped = next(i for i, row in enumerate(rows) if row[status] == label(TaskStatus.SKIPPED))
        opened = [i for i, row in enumerate(rows) if row[status] == label(TaskStatus.OPEN)]
        assert all(i < skipped for i in opened)  # the open tasks first
        said = skip_said(lang, SkipReason.CONTACTED_ELSEWHERE, "柜台已办理")
        assert said in rows[skipped][note] and "[contacted_elsewhere]" not in rows[skipped][note]
        assert rows[skipped][by] == app.ws.staff.name  # who closed it
        assert not app.screen.query_one("#todo-limit", Static).display  # fewer than the limit: nothing to say
        table.focus()
        table.move_cursor(row=skipped)
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, RowDetail)
        text = str(app.screen.query_one("#row-text", Static).render())
        assert said in text and app.ws.staff.name in text and catalog(lang)["detail.task_closed_by"] in text
        assert "2026-11-27" in text  # closed today, the day and time said


async def test_the_tab_says_when_only_the_last_closed_tasks_are_listed(demo_url: str) -> None:
    """More closed tasks than the tab lists (the demo's own among them): the newest 50 and a line saying so."""
    ws = open_desk(demo_url, "csm01")
    client_id = first_own_client(demo_url).client_id
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        for n in range(client_detail.CLOSED_TASKS + 1):
            task = NewTask(
                client_id=client_id, staff_id=ws.staff.id, kind=TaskKind.FOLLOW_UP, due_on=now.date(),
                note=f"跟进{n}", created_at=now,
            )  # fmt: skip
            tx.tasks.close(tx.tasks.add(task).id, TaskStatus.DONE, now)
        tx.commit()
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, client_id)
        app.screen.query_one(TabbedContent).active = "tasks"
        await settle(pilot)
        status = COLUMNS["todo"].index("status")
        rows = app.screen.query_one("#todo", KeyTable).full
        assert sum(r[status].plain == label(TaskStatus.DONE) for r in rows) == client_detail.CLOSED_TASKS
        limit = app.screen.query_one("#todo-limit", Static)
        assert limit.display and str(limit.render()) == catalog("zh_CN")["detail.closed_limit"].format(count=50)


def _closed_by_a_call(url: str) -> tuple[int, int, str, Disposition]:
    """One of csm01's demo tasks closed by a call (the contact recorded on it), the call not csm01's own session, of
    a client with no meeting booked: its client, the task, who called and the outcome."""
    ws = open_desk(url, "csm01")
    engine = make_engine(url)
    with engine.connect() as conn:
        task_id, client_id, staff_id, disposition = conn.execute(
            select(TaskRow.id, TaskRow.client_id, ContactRow.staff_id, ContactRow.disposition)
            .join(ContactRow, ContactRow.task_id == TaskRow.id)
            .join(ClientRow, ClientRow.id == TaskRow.client_id)
            .where(
                TaskRow.status == TaskStatus.DONE,
                ClientRow.manager_id == ws.staff.id,
                ~select(AppointmentRow.id).where(AppointmentRow.client_id == TaskRow.client_id).exists(),
            )
            .order_by(TaskRow.closed_at.desc())
            .limit(1)
        ).one()
        name = conn.scalar(select(StaffRow.name).where(StaffRow.id == staff_id))
    engine.dispose()
    return client_id, task_id, name or "", Disposition(disposition)


async def test_a_task_closed_by_a_call_names_the_caller_and_the_outcome_and_opens_from_the_tab(demo_url: str) -> None:
    """The demo's calls wrote no audit entry for the tasks they closed: the contact on the task says who and how.
    At 80×24, the tab's focus is on the tasks, not on the empty list of meetings above them: Enter opens the row."""
    client_id, task_id, caller, outcome = _closed_by_a_call(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, client_id)
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "tasks"
        assert not app.screen.query_one("#meetings", KeyTable).row_count  # the client has no meeting booked
        table = app.screen.query_one("#todo", KeyTable)
        assert app.focused is table  # the tab's first list with rows
        rows = [[cell.plain for cell in row] for row in table.full]
        by, said = COLUMNS["todo"].index("staff"), COLUMNS["todo"].index("outcome")
        row = next(i for i, r in enumerate(rows) if r[said] == label(outcome) and r[by] == caller)
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RowDetail)
        text = str(app.screen.query_one("#row-text", Static).render())
        assert caller in text and label(outcome) in text
    found = client_detail.load(open_desk(demo_url, "csm01"), client_id)
    assert not isinstance(found, ClientSummary)
    closed = next(c for c in found.closed_tasks if c.task.id == task_id)
    assert (closed.closed_by is not None, closed.outcome) == (True, outcome)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_service_callback_closed_by_a_hand_logged_service_done_shows_its_outcome(
    calls_branch: CallsBranch, lang: str
) -> None:
    """csm01 logs a 回访 done by hand (a visit, ``l`` on the page) for client 9, whose 回访 is due: the tasks tab's
    closed 回访 says 回访完成 and csm01."""
    app = make_app(calls_branch.url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, calls_branch.clients[9])
        await pilot.press("l")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, LogContactDialog)
        dialog.query_one("#channel", Select).value = Channel.VISIT
        dialog.query_one("#outcome", Select).value = Disposition.SERVICE_DONE
        dialog.query_one("#satisfaction", Input).value = "5"
        dialog.query_one("#note", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        app.screen.query_one(TabbedContent).active = "tasks"
        await settle(pilot)
        rows = [[cell.plain for cell in row] for row in app.screen.query_one("#todo", KeyTable).full]
        by, said = COLUMNS["todo"].index("staff"), COLUMNS["todo"].index("outcome")
        closed = [(r[by], r[said]) for r in rows if label(TaskKind.SERVICE_CALLBACK) in r]
        assert closed == [(app.ws.staff.name, label(Disposition.SERVICE_DONE))]
