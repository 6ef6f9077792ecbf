"""The app of a staff member deactivated while signed in: the next action shows why the session ended, in the
user's language, allows nothing but leaving, and the app exits cleanly (no traceback)."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from textual.app import App
from textual.pilot import Pilot

from csm_tui.i18n import catalog, t
from screens.clients import ClientsScreen
from screens.session_ended import SessionEndedScreen
from storage.orm import StaffRow
from tests.support.pilot import make_app, press_settled, settle
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
        assert not app.screen.query("Toast")
        assert not list(app._notifications)


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
