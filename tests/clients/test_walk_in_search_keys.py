"""The lobby's home at 80×24: the walk-in search takes no room until it has found someone (the referrals list starts
under the search box), and Escape in the search box goes back to the list, the key bar saying so while typing."""

from __future__ import annotations

import pytest

from csm_tui.i18n import set_language, t
from tests.support.pilot import make_app, settle
from widgets.key_bar import KeyBar
from widgets.table import KeyTable


@pytest.fixture(autouse=True)
def _chinese_after() -> object:
    yield
    set_language("zh_CN")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_escape_leaves_the_walk_in_search_for_the_list_and_the_key_bar_says_so(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang, login="lobby01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        listed = app.screen.query_one("#referrals", KeyTable)
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
        assert f"a {t('key.accept')}" in bar and t("key.to_list") not in bar
