"""Enter on a list that gives it no other meaning opens the highlighted row whole, as → does, and F1 says so: the
referrals (a need cut in its column), a client's contacts, the shelf of products, F1's own list of keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.binding import Binding
from textual.pilot import Pilot

from csm_tui.i18n import t
from screens.help import HelpScreen
from tests.support.pilot import make_app, open_own_client, press_settled, settle, whole_rows
from widgets.row_detail import RowDetail
from widgets.table import KeyTable

Step = Callable[[Pilot[None]], Awaitable[None]]


async def _referrals(pilot: Pilot[None]) -> None:
    await press_settled(pilot, "6")


async def _contacts(pilot: Pilot[None]) -> None:
    await open_own_client(pilot)
    await pilot.press("right_square_bracket", "right_square_bracket")
    await settle(pilot)
    pilot.app.screen.query_one("#timeline", KeyTable).focus()  # from the tabs down into the list
    await settle(pilot)


async def _shelf(pilot: Pilot[None]) -> None:
    await settle(pilot)
    pilot.app.action_shelf()  # type: ignore[attr-defined]
    await settle(pilot)


async def _help(pilot: Pilot[None]) -> None:
    await press_settled(pilot, "f1")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(
    ("login", "step"),
    [("lobby01", _referrals), ("csm01", _referrals), ("csm01", _contacts), ("csm01", _shelf), ("csm01", _help)],
    ids=["lobby referrals", "csm referrals", "contacts", "shelf", "help"],
)
async def test_enter_opens_the_highlighted_row_whole_and_f1_says_so(
    demo_url: str, lang: str, login: str, step: Step
) -> None:
    app = make_app(demo_url, lang=lang, login=login)
    async with app.run_test(size=(80, 24)) as pilot:
        await step(pilot)
        table = app.screen.focused
        assert isinstance(table, KeyTable) and table.row_count, "a list with rows has the focus"
        if not isinstance(app.screen, HelpScreen):
            await pilot.press("f1")
            await settle(pilot)
            rows = {row[0]: row[1] for row in whole_rows(app)}
            assert rows.get(app.get_key_display(Binding("enter", ""))) == t("enter.row")
            await pilot.press("escape")
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, RowDetail)
        await pilot.press("enter")  # and Enter closes it again
        await settle(pilot)
        assert app.screen.focused is table
