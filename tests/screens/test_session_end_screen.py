"""The app of a staff member deactivated while signed in: the next action shows why the session ended, in the
user's language, allows nothing but leaving, and the app exits cleanly (no traceback)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from csm_tui.i18n import t
from screens.session_ended import SessionEndedScreen
from storage.orm import StaffRow
from tests.support.pilot import make_app, settle


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_deactivated_staff_member_s_next_action_ends_the_session_with_a_message(
    demo_url: str, lang: str
) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        engine = app.ws.uow.engine  # type: ignore[attr-defined]
        with engine.begin() as conn:  # the admin deactivates the staff member from another workstation
            conn.execute(update(StaffRow).where(StaffRow.login == "csm01").values(active=False))
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
