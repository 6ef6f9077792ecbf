"""The lobby opens events to check people in at the door (issue 18, a fresh reviewer's findings): it is not offered
the planners' keys the services refuse it (a new event, invitations, answers, the export), neither in the key bar nor
in F1, and they do nothing; a CSM keeps them.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import pytest

from csm_tui.app import CsmApp
from screens.events import EventScreen, EventsScreen
from tests.support.pilot import f1_keys, key_bar_text, make_app, notices, press_settled

LIST_PLANNING = ["n", "r"]
EVENT_PLANNING = ["x", "a", "d", "0", "i", "u"]


def bar_keys(app: CsmApp) -> set[str]:
    """The keys the key bar names (each shown as `` key Description``)."""
    bar = key_bar_text(app)
    return {k for k in LIST_PLANNING + EVENT_PLANNING if f" {k} " in f" {bar}"}


@pytest.mark.parametrize(("login", "planner"), [("lobby01", False), ("csm01", True)])
async def test_the_planners_event_keys_are_offered_to_planners_only(demo_url: str, login: str, planner: bool) -> None:
    app = make_app(demo_url, login=login, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "7")
        assert isinstance(app.screen, EventsScreen)
        listed = await f1_keys(pilot)
        assert (set(LIST_PLANNING) <= listed) is planner and (set(LIST_PLANNING) & listed != set()) is planner
        assert (bar_keys(app) == set(LIST_PLANNING)) is planner
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, EventScreen)
        listed = await f1_keys(pilot)
        assert (set(EVENT_PLANNING) <= listed) is planner and (set(EVENT_PLANNING) & listed != set()) is planner
        if not planner:
            event = app.screen
            assert bar_keys(app) == set()
            await press_settled(pilot, "i", "x")  # nothing opens, nothing is refused
            assert app.screen is event and notices(app) == []
