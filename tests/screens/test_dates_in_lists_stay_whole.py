"""A list squeezed into 80 columns gives way in its words, never in a date: the lobby's referrals in English (eight
columns) still show each referral's date whole rather than a lone "…"."""

from __future__ import annotations

import re

import pytest

from csm_tui.i18n import set_language
from tests.support.pilot import make_app, settle
from widgets.table import KeyTable

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(autouse=True)
def _chinese_after() -> object:
    yield
    set_language("zh_CN")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_lobbys_referrals_show_whole_dates_at_80_columns(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang, login="lobby01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#referrals", KeyTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows and all(DATE.fullmatch(row[0]) for row in rows), [row[0] for row in rows[:3]]
