"""F3 at 80×24 in English tells two clients apart by what the issue names — age, tier and masked mobile — each
whole: the tier is never cut to "Ordin…" while the list gives way in the masked ID."""

from __future__ import annotations

from csm_tui.domain.enums import Tier
from csm_tui.i18n import label
from tests.support.pilot import make_app, press_settled
from widgets.table import KeyTable


async def test_the_search_results_show_the_whole_tier_at_80_columns_in_english(demo_url: str) -> None:
    app = make_app(demo_url, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "f3", "王")
        table = app.screen.query_one("#search-results", KeyTable)
        tiers = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert tiers and set(tiers) <= {"", *(label(tier) for tier in Tier)}, tiers[:3]  # "": another's, not said
