"""The lobby's home at 80×24, in either language: the referrals show each date whole (a list squeezed into 80 columns
gives way in its words, never in a date cut to a lone "…"); the walk-in search takes no room until it has found
someone (the list starts under the search box), and Escape in the search box goes back to the list, the key bar
saying so while typing."""

from __future__ import annotations

import re

import pytest

from csm_tui.i18n import t
from tests.support.pilot import make_app, settle
from widgets.key_bar import KeyBar
from widgets.table import KeyTable

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_lobbys_referrals_show_whole_dates_and_escape_leaves_the_search_for_them(
    demo_url: str, lang: str
) -> None:
    app = make_app(demo_url, lang=lang, login="lobby01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        listed = app.screen.query_one("#referrals", KeyTable)
        dates = [str(listed.get_row_at(i)[0]) for i in range(listed.row_count)]
        assert dates and all(DATE.fullmatch(d) for d in dates), dates[:3]
        search = app.screen.query_one("#walk-in-search")
        assert listed.region.y <= search.region.bottom + 1  # no blank block between the box and the list
        await pilot.press("n", *"zzzz")
        await settle(pilot)
        assert app.screen.focused is search
        assert f"esc {t('key.to_list')}" in str(app.screen.query_one(KeyBar).render())
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.focused is listed
        bar = str(app.screen.query_one(KeyBar).render())
        assert f"n {t('key.walk_in')}" in bar and t("key.to_list") not in bar
