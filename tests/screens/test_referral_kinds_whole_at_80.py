"""The referrals list at 80 columns: each referral's kind is read whole (short words, the column they fit)."""

from __future__ import annotations

import pytest

from csm_tui.domain.enums import ReferralKind
from csm_tui.i18n import label, t
from screens.referrals import ReferralsScreen
from tests.support.pilot import make_app, press_settled
from widgets.table import KeyTable


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_every_referral_kind_is_shown_whole_at_80x24(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "6")
        assert isinstance(app.screen, ReferralsScreen)
        table = app.screen.query_one("#referrals", KeyTable)
        kind = table.headers.index(t("detail.col.kind"))
        shown = {str(table.get_row_at(i)[kind]) for i in range(table.row_count)}
        assert shown and shown <= {label(k) for k in ReferralKind}
