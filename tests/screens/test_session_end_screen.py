"""The app of a staff member deactivated while signed in: the next action shows why the session ended, in the
user's language, allows nothing but leaving, and the app exits cleanly (no traceback)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import update
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

import screens.dialogs as dialogs
from csm_tui.i18n import catalog, t
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.workstation import Workstation
from screens.clients import ClientsScreen
from screens.session_ended import SessionEndedScreen
from storage.orm import StaffRow
from tests.support.pilot import make_app, notices, press_settled, settle
from tests.support.snapshots import LANGS, SIZES, SnapCompare
from widgets.key_bar import KeyBar


def _deactivate_csm01(app: App[None]) -> None:
    """The admin deactivates the signed-in staff member from another workstation."""
    with app.ws.uow.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(update(StaffRow).where(StaffRow.login == "csm01").values(active=False))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_deactivated_staff_member_s_next_action_ends_the_session_with_a_message(
    demo_url: str, lang: str
) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        _deactivate_csm01(app)
        await pilot.press("3")  # the next action: the clients list
        await settle(pilot)
        assert isinstance(app.screen, SessionEndedScreen)
        shown = str(app.screen.query_one("#session-ended").render())
        assert shown == t("session.ended")
        await pilot.press("2")  # nothing else can be done
        await settle(pilot)
        assert isinstance(app.screen, SessionEndedScreen)
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 0


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_end_of_a_session_shows_only_the_key_that_still_works(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        _deactivate_csm01(app)
        await press_settled(pilot, "3")
        assert isinstance(app.screen, SessionEndedScreen)
        bar = app.screen.query_one(KeyBar)
        assert bar.region.bottom == 24 and bar.region.height == 2  # over the whole bar of the screen below
        assert str(bar.render()).split() == ["⏎", t("key.quit")]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_end_of_a_session_is_said_once_by_its_screen_and_by_no_notice(demo_url: str, lang: str) -> None:
    """The refused action's own notice would say again what the screen says, and stay over it or not by timing."""
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        _deactivate_csm01(app)
        await press_settled(pilot, "3")
        below = app.screen_stack[-2]
        assert isinstance(below, ClientsScreen)
        below.reload()  # it reads again: a second unit refused
        await settle(pilot)
        assert isinstance(app.screen, SessionEndedScreen)
        assert [type(screen) for screen in app.screen_stack].count(SessionEndedScreen) == 1
        assert [n.severity for n in app._notifications] == []


async def test_a_save_ending_after_the_session_did_leaves_its_screen_up_and_says_what_it_saved(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export written just before the staff member was deactivated hands its result back after the session-ended
    screen came up (a background check found the session over): that screen stays, the only key still works, and
    the file written is told, not the refusal."""
    written, handed_back, exported = threading.Event(), threading.Event(), []

    def export_then_wait(ws: Workstation, kind: ExportKind, path: Path) -> int:
        rows = export_list(ws, kind, path)
        exported.append(rows)
        written.set()
        handed_back.wait(30)
        return rows

    monkeypatch.setattr(dialogs, "export_list", export_then_wait)
    app = make_app(demo_url, lang="en")
    target = tmp_path / "tasks.xlsx"
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.action_export(ExportKind.TASKS.value)
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        while not written.is_set():
            await pilot.pause(0.02)
        _deactivate_csm01(app)
        app.check_walk_ins()  # the background check finds the session over
        while not isinstance(app.screen, SessionEndedScreen):
            await pilot.pause(0.02)
        handed_back.set()
        await settle(pilot)
        assert isinstance(app.screen, SessionEndedScreen)
        assert notices(app)[-1] == t("export.done", rows=exported[0], path=target)
        assert [n.severity for n in app._notifications] == ["information"]
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 0 and target.exists()


def test_the_chinese_catalog_says_enter_as_huiche_everywhere() -> None:
    """One word for the Enter key in Chinese: 回车, as every dialog's hint says it."""
    said = [key for key, text in catalog("zh_CN").items() if "Enter" in text]
    assert said == []


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
@pytest.mark.parametrize("lang", LANGS)
def test_snapshot_of_the_end_of_a_session(
    demo_url: str, snap_compare: SnapCompare, lang: str, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        _deactivate_csm01(pilot.app)
        await press_settled(pilot, "3")
        assert isinstance(pilot.app.screen, SessionEndedScreen)

    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=size, run_before=run_before)
