"""The app of a staff member deactivated while signed in: the next action shows why the session ended, in the
user's language, allows nothing but leaving, and the app exits cleanly (no traceback)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import arrow
import pytest
from sqlalchemy import update
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

import screens.dialogs as dialogs
from csm_tui.app import CsmApp
from csm_tui.i18n import catalog, t
from csm_tui.services.calls import appointments
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.workstation import Workstation
from screens.clients import ClientsScreen
from screens.dialogs import MeetingDialog
from screens.session_ended import SessionEndedScreen
from storage.orm import StaffRow
from tests.support.pilot import make_app, notices, open_own_client, press_settled, settle
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
@pytest.mark.usefixtures("lasting_notices")
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
        assert [n.severity for n in app._notifications] == []  # none shown (none expires: ``lasting_notices``)


@pytest.fixture
def lasting_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notices shown until the test ends: one not shown was never given, not given and gone."""
    monkeypatch.setattr(CsmApp, "NOTIFICATION_TIMEOUT", 3600)


async def _until(pilot: Pilot[None], done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not done():
        assert time.monotonic() < deadline, "waited 30 s"
        await pilot.pause(0.02)


def _found_over(app: CsmApp, stop: threading.Event) -> Callable[[], None]:
    """In a worker whose read is done: the staff member deactivated meanwhile, a background check finds the session
    over, and the worker hands its result back only once ``stop`` is set (after the session-ended screen is up)."""

    def found() -> None:
        _deactivate_csm01(app)
        app.call_from_thread(app.check_walk_ins)
        stop.wait(30)

    return found


@pytest.mark.usefixtures("lasting_notices")
async def test_a_save_ending_after_the_session_did_leaves_its_screen_up_and_says_what_it_saved(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export written just before the staff member was deactivated hands its result back after the session-ended
    screen came up (a background check found the session over): that screen stays, the only key still works, and
    the file written is told, not the refusal."""
    app = make_app(demo_url, lang="en")
    handed_back, exported = threading.Event(), []
    found_over = _found_over(app, handed_back)

    def export_then_found_over(ws: Workstation, kind: ExportKind, path: Path) -> int:
        exported.append(export_list(ws, kind, path))
        found_over()
        return exported[0]

    monkeypatch.setattr(dialogs, "export_list", export_then_found_over)
    target = tmp_path / "tasks.xlsx"
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.action_export(ExportKind.TASKS.value)
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await _until(pilot, lambda: isinstance(app.screen, SessionEndedScreen))
        handed_back.set()
        await settle(pilot)
        assert isinstance(app.screen, SessionEndedScreen)
        assert t("export.done", rows=exported[0], path=target) in notices(app)
        assert [n.severity for n in app._notifications] == ["information"]  # that one, not the refusal
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 0 and target.exists()


async def test_a_dialog_a_read_opens_after_the_session_ended_is_covered_by_the_end(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``o`` on a client reads the next free slot, then opens the meeting dialog with it: when the session ended
    meanwhile, the dialog opens under the session-ended screen, and Enter leaves."""
    app = make_app(demo_url, lang="en")
    handed_back = threading.Event()
    found_over, suggested = _found_over(app, handed_back), appointments.suggested_slot

    def slot_then_found_over(ws: Workstation, client_id: int | None = None) -> arrow.Arrow:
        slot = suggested(ws, client_id)
        found_over()
        return slot

    monkeypatch.setattr(appointments, "suggested_slot", slot_then_found_over)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_own_client(pilot)
        await pilot.press("o")
        await _until(pilot, lambda: isinstance(app.screen, SessionEndedScreen))
        handed_back.set()
        await settle(pilot)
        assert isinstance(app.screen, SessionEndedScreen)
        assert any(isinstance(screen, MeetingDialog) for screen in app.screen_stack)
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 0


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
