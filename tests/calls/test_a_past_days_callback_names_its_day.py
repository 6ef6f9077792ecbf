"""A callback agreed for yesterday or earlier and not yet made names its day with its time, in the language's
words, in the queue's Due column and in the script's apology — never the time alone, which reads as today's.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai): the client, busy on a call, named
15:00 the day before (Thursday) or 13:00 on Tuesday 24 November.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rich.console import Group
from textual.widgets import Static

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Disposition
from csm_tui.i18n import catalog
from csm_tui.policy import Policy
from csm_tui.services.calls.outcomes import Outcome, record
from screens.call_session import CallSession
from storage.engine import make_engine
from tests.support.pilot import first_own_client, make_app, press_settled, table_rows
from widgets.script_panel import ScriptPanel

CASES = {
    # asked at (UTC), the time named (UTC), how each language names it
    "yesterday": (
        dt.datetime(2026, 11, 26, 6, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 26, 7, tzinfo=dt.UTC),
        {"zh_CN": "昨天 15:00", "en": "15:00 yesterday"},
    ),
    "tuesday": (
        dt.datetime(2026, 11, 24, 3, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 24, 5, tzinfo=dt.UTC),
        {"zh_CN": "11月24日 13:00", "en": "13:00 on Nov 24"},
    ),
}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("day", list(CASES))
async def test_a_callback_of_a_past_day_names_its_day_in_the_queue_and_the_script(
    demo_url: str, lang: str, day: str
) -> None:
    asked, named, said = CASES[day]
    own = first_own_client(demo_url)
    ws = open_workstation(make_engine(demo_url), FrozenClock(asked.isoformat()), Policy(), "csm01")
    record(ws, own.client_id, Outcome(Disposition.BUSY, at=named), started_at=asked)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "2")
        [due] = [row[0] for row in table_rows(app) if row[1] == own.name]
        assert due == said[lang]
        screen = app.screen
        index = next(i for i, item in enumerate(screen.shown) if item.client_id == own.client_id)  # type: ignore[attr-defined]
        await app.push_screen(CallSession(app.ws, screen.shown, index))  # type: ignore[attr-defined]
        await press_settled(pilot)
        content = app.screen.query_one(ScriptPanel, Static).content
        assert isinstance(content, Group)
        script = "\n".join(str(line) for line in content.renderables)
        assert catalog(lang)["script.purpose.callback_late"].format(time=said[lang]) in script
