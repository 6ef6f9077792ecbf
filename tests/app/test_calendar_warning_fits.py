"""The admin's warning of a year the holiday calendar lacks (issue 18.4 and 18.5): at 80×24, in either language,
the header says it whole, and the notice and the data-state screen name the policy's ``[calendar]`` section (once
lost as a markup tag).

Pilot tests on the demo branch, its clock moved to 3 December 2026: from 1 December the next year must be covered.
"""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets._header import HeaderTitle

from csm_tui.app import CsmApp
from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.i18n import t
from csm_tui.policy import Policy
from screens.data_state import DataStateScreen
from storage.engine import make_engine
from tests.support.pilot import notices, recording_notices, settle
from tests.support.words import screen_text

DECEMBER = "2026-12-03T02:00:00+00:00"  # 10:00 in Shanghai


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_admins_calendar_warning_is_whole_in_the_header_and_names_the_policys_section(
    demo_url: str, lang: str
) -> None:
    ws = open_workstation(make_engine(demo_url), FrozenClock(DECEMBER), Policy(), "admin")
    years = ws.policy.calendar.uncovered_years(ws.time.today())
    if not years:
        pytest.skip("the installed calendar already covers next year")
    app = recording_notices(CsmApp(ws, lang=lang))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        title = app.screen.query_one(HeaderTitle)
        said = f"{app.title} — {app.sub_title}"
        assert str(years[0]) in app.sub_title
        assert cell_len(said) <= title.content_region.width
        assert said in screen_text(app).splitlines()[0]
        assert any("[calendar]" in m for m in notices(app))
        app.action_data_state()
        await settle(pilot)
        assert isinstance(app.screen, DataStateScreen)
        assert "[calendar]" in str(app.screen.query_one("#data-facts").render())
        assert t("app.calendar_uncovered", years=years[0]) in str(app.screen.query_one("#data-facts").render())
