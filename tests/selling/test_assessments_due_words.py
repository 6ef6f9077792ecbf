"""The assessments due say when one expires in words: "today" and "tomorrow", never "in 0 days"."""

from __future__ import annotations

import datetime as dt

import pytest

from csm_tui.domain.enums import RiskLevel
from csm_tui.i18n import t
from csm_tui.services.rows import AssessmentDue
from screens.assessments_due import SuitabilityScreen
from tests.support.pilot import make_app, press_settled, table_rows


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_an_assessment_expiring_today_or_tomorrow_says_so_in_words(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "4")
        screen = app.screen
        assert isinstance(screen, SuitabilityScreen)
        today = app.ws.time.today()
        level = next(iter(RiskLevel))
        screen.show([AssessmentDue(n, f"客户{n}", level, today + dt.timedelta(days=n)) for n in (0, 1, 5)])
        await pilot.pause()
        statuses = [row[-1] for row in table_rows(app)]
        assert statuses == [
            t("suitability.expiring_today"), t("suitability.expiring_tomorrow"), t("suitability.expiring", days=5)
        ]  # fmt: skip
        assert statuses[:2] == (["今天到期", "明天到期"] if lang == "zh_CN" else ["Expires today", "Expires tomorrow"])
