"""The leave dialog and a covered queue, driven headless at 80×24 on the demo branch (clock frozen on Friday
27 November 2026, 10:00 in Shanghai)."""

from __future__ import annotations

import datetime as dt

from rich.cells import cell_len
from sqlalchemy import insert, update
from textual.pilot import Pilot
from textual.widgets import Input, Static

from csm_tui.domain.enums import Grade, LeaveKind, Role
from csm_tui.domain.models import Staff
from csm_tui.i18n import set_language, t
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.leave import colleagues, record_leave, upcoming
from screens.checklist import ChecklistScreen
from screens.dialogs import LeaveDialog
from screens.queue import QueueScreen
from screens.team_checklist import TeamChecklistScreen
from storage.engine import make_engine
from storage.orm import StaffRow
from tests.support.branch import demo_workstation
from tests.support.pilot import make_app, notices, press_settled, settle, table_rows
from widgets.choices import BoundText
from widgets.table import KeyTable

TODAY = dt.date(2026, 11, 27)


def _colleague(url: str) -> Staff:
    ws = demo_workstation(url, "csm01")
    assert ws.staff.id is not None
    return colleagues(ws, ws.staff.id)[0]


async def open_leave(pilot: Pilot[None]) -> LeaveDialog:
    """``o`` on the checklist: the leave dialog, at rest."""
    await pilot.press("o")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, LeaveDialog)
    return dialog


async def test_a_csm_records_leave_in_the_dialog_by_keys_and_the_checklist_says_so(demo_url: str) -> None:
    colleague = _colleague(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        dialog = await open_leave(pilot)
        listed = str(dialog.query_one("#leave-colleagues", BoundText).render())
        assert f"1 {colleague.name}" in listed
        for box in dialog.query(Input):  # every field within the 80×24 screen
            assert box.region.bottom <= 24 and box.region.right <= 80, box.id
        assert app.focused is not None and app.focused.id == "first"
        await pilot.press("tab")  # the last day: two days on
        dialog.query_one("#last", Input).value = "2026-11-29"
        dialog.query_one("#cover", Input).focus()
        await pilot.press("1", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, LeaveDialog)
        assert t("leave.on_leave") in str(app.screen.query_one("#screen-title", Static).render())
    ws = demo_workstation(demo_url, "csm01")
    assert ws.staff.id is not None
    [row] = upcoming(ws, ws.staff.id)
    assert (row.leave.first_day, row.leave.last_day, row.leave.kind, row.cover_name) == (
        TODAY,
        dt.date(2026, 11, 29),
        LeaveKind.ANNUAL,
        colleague.name,
    )


async def test_the_dialog_keeps_what_was_typed_and_says_why_a_leave_is_refused(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog = await open_leave(pilot)
        dialog.query_one("#cover", Input).focus()
        await pilot.press("9", "enter")  # no ninth colleague
        await settle(pilot)
        assert isinstance(app.screen, LeaveDialog)
        assert str(dialog.query_one("#dialog-error", Static).render()) == t("error.leave_cover_choice")
        dialog.query_one("#cover", Input).value = "1"
        dialog.query_one("#last", Input).value = "2026-11-26"
        await pilot.press("enter")
        await settle(pilot)
        assert str(dialog.query_one("#dialog-error", Static).render()) == t("error.leave_days")
        assert dialog.query_one("#cover", Input).value == "1"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)


async def test_the_colleagues_queue_marks_the_covered_calls_at_80_by_24_in_both_languages(demo_url: str) -> None:
    colleague = _colleague(demo_url)
    owner = demo_workstation(demo_url, "csm01")
    assert owner.staff.id is not None and colleague.id is not None
    record_leave(owner, owner.staff.id, TODAY, dt.date(2026, 12, 1), LeaveKind.SICK, colleague.id)
    covering = demo_workstation(demo_url, colleague.login)
    covered = [i for i in today_queue(covering) if i.cover_for]
    assert covered and {i.cover_for for i in covered} == {owner.staff.name}
    for lang in ("zh_CN", "en"):
        app = make_app(demo_url, login=colleague.login, lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
            marked = [row for row in table_rows(app) if t("queue.cover_for", name=owner.staff.name) in row[3]]
            assert len(marked) == len(covered)
            title = str(app.screen.query_one("#screen-title", Static).render())
            assert t("queue.covering", names=owner.staff.name) in title
        set_language("zh_CN")
    absent = make_app(demo_url)
    async with absent.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert table_rows(absent) == []  # away: the calls are in the colleague's queue


async def test_a_supervisor_records_a_members_leave_from_the_team_view_which_shows_who_covers(demo_url: str) -> None:
    app = make_app(demo_url, login="sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, TeamChecklistScreen)
        member = app.screen.rows[0].staff
        await pilot.press("o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, LeaveDialog) and dialog.staff.id == member.id
        cover = dialog.colleagues[0]
        dialog.query_one("#cover", Input).focus()
        await pilot.press("1", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TeamChecklistScreen)
        row = next(r for r in table_rows(app) if r[0] == member.name)
        assert row[3] == t("leave.team_covered", name=cover.name)
        calls = next(r for r in app.screen.rows if r.staff.id == member.id).calls
        assert calls.total == 0


async def test_the_team_view_tells_the_supervisor_when_the_colleague_covering_is_deactivated(demo_url: str) -> None:
    colleague = _colleague(demo_url)
    owner = demo_workstation(demo_url, "csm01")
    assert owner.staff.id is not None and colleague.id is not None
    record_leave(owner, owner.staff.id, TODAY, dt.date(2026, 12, 1), LeaveKind.SICK, colleague.id)
    engine = make_engine(demo_url)
    with engine.begin() as conn:  # deactivated mid-leave, as a staff import would
        conn.execute(update(StaffRow).where(StaffRow.id == colleague.id).values(active=False))
    engine.dispose()
    app = make_app(demo_url, login="sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "v")
        assert isinstance(app.screen, TeamChecklistScreen)
        row = next(r for r in table_rows(app) if r[0] == owner.staff.name)
        assert row[3] == t("leave.team_uncovered", name=colleague.name)


async def test_a_supervisor_records_own_leave_from_the_checklist_naming_no_cover(demo_url: str) -> None:
    """``o`` on the supervisor's own checklist (Escape from the team's): the dialog asks for no colleague and says
    why; the leave is saved."""
    app = make_app(demo_url, login="sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TeamChecklistScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        dialog = await open_leave(pilot)
        assert not dialog.query_one("#cover", Input).display
        said = str(dialog.query_one("#leave-colleagues", BoundText).render())
        assert said == t("leave.supervisor_no_cover")
        dialog.query_one("#last", Input).value = "2026-11-30"
        dialog.query_one("#note", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, LeaveDialog)
    ws = demo_workstation(demo_url, "sup01")
    assert ws.staff.id is not None
    [row] = upcoming(ws, ws.staff.id)
    assert (row.leave.first_day, row.leave.last_day, row.cover_name) == (TODAY, dt.date(2026, 11, 30), "")


async def test_the_supervisor_names_a_new_cover_from_the_team_view_when_the_one_covering_is_deactivated(
    demo_url: str,
) -> None:
    colleague = _colleague(demo_url)
    owner = demo_workstation(demo_url, "csm01")
    assert owner.staff.id is not None and colleague.id is not None
    record_leave(owner, owner.staff.id, TODAY, dt.date(2026, 12, 1), LeaveKind.SICK, colleague.id)
    engine = make_engine(demo_url)
    with engine.begin() as conn:  # deactivated mid-leave, and a CSM joins the outlet, as a staff import would
        conn.execute(update(StaffRow).where(StaffRow.id == colleague.id).values(active=False))
        conn.execute(
            insert(StaffRow).values(
                login="csm90", name="秦新", role=Role.CSM, grade=Grade.CSM, outlet_id=colleague.outlet_id,
                supervisor_id=colleague.supervisor_id, active=True,
            )
        )  # fmt: skip
    engine.dispose()
    app = make_app(demo_url, login="sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "v")
        assert isinstance(app.screen, TeamChecklistScreen)
        app.screen.query_one(KeyTable).move_cursor(row=[r.staff.id for r in app.screen.rows].index(owner.staff.id))
        await press_settled(pilot, "o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, LeaveDialog)
        assert [s.name for s in dialog.colleagues] == ["秦新"]  # the one deactivated is offered no more
        cover = dialog.colleagues[0]
        dialog.query_one("#cover", Input).focus()
        await pilot.press("1")
        await press_settled(pilot, "ctrl+o")
        assert isinstance(app.screen, TeamChecklistScreen)
        assert t("leave.cover_changed", name=cover.name) in notices(app)
        row = next(r for r in table_rows(app) if r[0] == owner.staff.name)
        assert row[3] == t("leave.team_covered", name=cover.name)
    [entry] = upcoming(demo_workstation(demo_url, "sup01"), owner.staff.id)
    assert entry.leave.cover_id == cover.id and not entry.cover_gone


async def test_the_absent_csms_empty_queue_says_they_are_away_and_who_covers_at_80_by_24(demo_url: str) -> None:
    colleague = _colleague(demo_url)
    owner = demo_workstation(demo_url, "csm01")
    assert owner.staff.id is not None and colleague.id is not None
    record_leave(owner, owner.staff.id, TODAY, dt.date(2026, 12, 1), LeaveKind.SICK, colleague.id)
    for lang in ("zh_CN", "en"):
        app = make_app(demo_url, lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen) and table_rows(app) == []
            title = app.screen.query_one("#screen-title", Static)
            said = t("queue.away_covered", last="12-01", name=colleague.name)
            assert said in str(title.render())
            assert title.region.right <= 80 and cell_len(f"{t('nav.queue')} · {said}") <= 78
        set_language("zh_CN")


async def test_a_leave_entered_wrong_is_cancelled_from_the_dialog_by_its_first_day(demo_url: str) -> None:
    colleague = _colleague(demo_url)
    owner = demo_workstation(demo_url, "csm01")
    assert owner.staff.id is not None and colleague.id is not None
    record_leave(owner, owner.staff.id, dt.date(2026, 11, 30), dt.date(2026, 12, 1), LeaveKind.ANNUAL, colleague.id)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog = await open_leave(pilot)
        assert t("leave.withdraw_hint") in str(dialog.query_one("#leave-withdraw", Static).render())
        await pilot.press("ctrl+r")  # the first day typed (today) starts no recorded leave
        await settle(pilot)
        assert isinstance(app.screen, LeaveDialog)
        error = str(dialog.query_one("#dialog-error", Static).render())
        assert error == t("leave.withdraw_none", first=TODAY.isoformat())
        dialog.query_one("#first", Input).value = "2026-11-30"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not isinstance(app.screen, LeaveDialog)
    assert upcoming(owner, owner.staff.id) == []


async def test_a_csm_back_early_ends_the_leave_under_way_from_the_dialog_and_is_told_so(demo_url: str) -> None:
    colleague = _colleague(demo_url)
    owner = demo_workstation(demo_url, "csm01")
    assert owner.staff.id is not None and colleague.id is not None
    admin = demo_workstation(demo_url, "admin")  # days gone are recorded by a supervisor or the admin
    record_leave(admin, owner.staff.id, dt.date(2026, 11, 26), dt.date(2026, 12, 1), LeaveKind.SICK, colleague.id)
    app = make_app(demo_url, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog = await open_leave(pilot)
        dialog.query_one("#first", Input).value = "2026-11-26"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not isinstance(app.screen, LeaveDialog)
        assert t("leave.ended", last="2026-11-26") in notices(app)
    set_language("zh_CN")
    assert upcoming(owner, owner.staff.id) == []  # back today: Thursday stays leave, the rest is gone
