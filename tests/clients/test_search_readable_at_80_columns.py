"""F3 at 80×24 (issue 18.6): the results show each client's name, age, tier, masked mobile and masked ID readable, in
both languages; what gives way is the masked ID's hidden middle (``310106…1234``), measured in terminal cells.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import pytest
from rich.text import Text

from csm_tui.i18n import catalog
from tests.support.pilot import make_app, settle
from widgets.table import ELLIPSIS, KeyTable, clip_middle

# the columns of F3's results
NUMBER, NAME, AGE, TIER, MOBILE, ID, WHOSE = range(7)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_f3_at_80_columns_shows_name_age_tier_mobile_and_id_of_every_result_readable(
    demo_url: str, lang: str
) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "王")  # a surname: namesakes, told apart by age, tier and masked mobile
        await settle(pilot)
        table = app.screen.query_one(KeyTable)
        assert table.row_count > 10
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= 80
        tiers = {catalog(lang)[f"tier.{t}"] for t in ("ordinary", "jiaoyin", "wode", "quick_wealth")}
        assert any(str(table.get_row_at(i)[TIER]) in tiers for i in range(table.row_count))
        for i, full in enumerate(table.full):
            shown = [str(cell) for cell in table.get_row_at(i)]
            for column in (NUMBER, NAME, AGE, TIER, MOBILE, WHOSE):
                assert shown[column] == full[column].plain, (shown, column)  # whole, never cut
            masked_id = full[ID].plain
            assert shown[ID] == masked_id or (
                shown[ID].startswith(masked_id[:6]) and shown[ID].endswith(ELLIPSIS + masked_id[-4:])
            ), shown  # the area code and the last four stay


def test_a_middle_cut_drops_a_masked_numbers_hidden_digits_first_and_counts_terminal_cells() -> None:
    assert clip_middle(Text("310106********1234"), 18).plain == "310106********1234"
    assert clip_middle(Text("310106********1234"), 11).plain == "310106…1234"
    assert clip_middle(Text("310106********1234"), 10).plain == "31010…1234"
    cut = clip_middle(Text("新疆维吾尔自治区乌鲁木齐"), 10)
    assert cut.plain == "新疆…木齐" and cut.cell_len <= 10
