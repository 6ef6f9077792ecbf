"""Snapshots of the F3 search (a name typed, its results), the SMS list and F1's help, at 80×24 and 120×40, in each
language: the integrator's eye on screens a CSM opens all day."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.support.pilot import make_app, settle

KEYS = {
    "search": ("f3", "王"),  # a surname: several clients, told apart by age, tier and masked mobile
    "sms": ("2", "m"),
    "help": ("f1",),
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("screen", list(KEYS))
def test_snapshot_of_search_sms_and_help(
    demo_url: str, snap_compare: object, lang: str, size: tuple[int, int], screen: str
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in KEYS[screen]:
            await pilot.press(key)
            await settle(pilot)

    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_f3_results_fit_80_columns_with_the_last_column_whole_or_cut_with_an_ellipsis(
    demo_url: str, lang: str
) -> None:
    from widgets.table import KeyTable

    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in KEYS["search"]:
            await pilot.press(key)
            await settle(pilot)
        table = app.screen.query_one(KeyTable)
        assert table.row_count > 10
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= 80
