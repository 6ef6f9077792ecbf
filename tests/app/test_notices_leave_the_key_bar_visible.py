"""A notice never hides the key bar (issue 18.4): at 80×24 the admin's warning of a year the holiday calendar lacks,
and any long notice on a screen whose key bar takes two lines, show above the bar, every key of it still in view.

Pilot tests on the demo branch; the admin's clock moved to 3 December 2026, when next year must be covered.
"""

from __future__ import annotations

import pytest
from textual.widgets._toast import Toast

from csm_tui.app import CsmApp
from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from storage.engine import make_engine
from tests.support.pilot import make_app, open_session, recording_notices, settle
from tests.support.words import screen_text
from widgets.key_bar import KeyBar

DECEMBER = "2026-12-03T02:00:00+00:00"  # 10:00 in Shanghai


def assert_key_bar_in_view(app: CsmApp) -> None:
    """A notice is shown, and the screen's last lines are the key bar's, whole."""
    assert app.screen.query(Toast), "no notice shown"
    bar = str(app.screen.query_one(KeyBar).render()).splitlines()
    shown = screen_text(app).splitlines()[-len(bar) :]
    assert [line.split() for line in shown] == [line.split() for line in bar]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_admins_calendar_warning_leaves_the_key_bar_in_view(demo_url: str, lang: str) -> None:
    ws = open_workstation(make_engine(demo_url), FrozenClock(DECEMBER), Policy(), "admin")
    if not ws.policy.calendar.uncovered_years(ws.time.today()):
        pytest.skip("the installed calendar already covers next year")
    app = recording_notices(CsmApp(ws, lang=lang))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert_key_bar_in_view(app)


async def test_a_long_notice_over_a_two_line_key_bar_leaves_every_key_in_view(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await open_session(pilot)
        assert len(str(app.screen.query_one(KeyBar).render()).splitlines()) == 2
        app.notify("通知" * 60, severity="warning", timeout=60)
        await settle(pilot)
        assert_key_bar_in_view(app)
