"""The lobby opens events to check people in at the door (issue 18, a fresh reviewer's findings): it is not offered
the planners' keys the services refuse it (a new event, invitations, answers, the export), neither in the key bar nor
in F1, and they do nothing; a CSM keeps them.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from csm_tui.app import CsmApp
from screens.events import EventScreen, EventsScreen
from screens.help import HelpScreen
from tests.support.pilot import make_app, notices, press_settled
from widgets.key_bar import KeyBar
from widgets.table import KeyTable

LIST_PLANNING = ["n", "r"]
EVENT_PLANNING = ["x", "a", "d", "0", "i", "u"]


def bar_keys(app: CsmApp) -> set[str]:
    """The keys the key bar names (each shown as `` key Description``)."""
    bar = str(app.screen.query_one(KeyBar).render()).replace("\n", " ")
    return {k for k in LIST_PLANNING + EVENT_PLANNING if f" {k} " in f" {bar}"}


async def f1_keys(app: CsmApp, pilot: Pilot[None]) -> set[str]:
    """The keys F1 lists over the screen shown now."""
    await press_settled(pilot, "f1")
    assert isinstance(app.screen, HelpScreen)
    keys = {str(row.value) for row in app.screen.query_one(KeyTable).rows}
    await press_settled(pilot, "escape")
    return keys


@pytest.mark.parametrize(("login", "planner"), [("lobby01", False), ("csm01", True)])
async def test_the_planners_event_keys_are_offered_to_planners_only(demo_url: str, login: str, planner: bool) -> None:
    app = make_app(demo_url, login=login, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "7")
        assert isinstance(app.screen, EventsScreen)
        listed = await f1_keys(app, pilot)
        assert (set(LIST_PLANNING) <= listed) is planner and (set(LIST_PLANNING) & listed != set()) is planner
        assert (bar_keys(app) == set(LIST_PLANNING)) is planner
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, EventScreen)
        listed = await f1_keys(app, pilot)
        assert (set(EVENT_PLANNING) <= listed) is planner and (set(EVENT_PLANNING) & listed != set()) is planner
        if not planner:
            event = app.screen
            assert bar_keys(app) == set()
            await press_settled(pilot, "i", "x")  # nothing opens, nothing is refused
            assert app.screen is event and notices(app) == []
