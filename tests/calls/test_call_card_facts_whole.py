"""The call card's facts are read whole at 80×24, in either language: the session has no key to open the card in a
pane, so a line longer than the card (three maturing holdings, a tier with its flags, an assessment with its date)
goes on under itself rather than ending in "…" — never a date cut to "202…"."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from csm_tui.services.calls.preparation import Maturing
from screens.call_session import CallSession
from tests.support.pilot import make_app, open_session, settle
from tests.support.words import screen_text
from widgets.client_card import ClientCard

HOLDINGS = (
    Maturing("得利宝·稳添利63天", Decimal("125000.00"), dt.date(2026, 12, 3)),
    Maturing("整存整取6个月", Decimal("55000.00"), dt.date(2026, 12, 9)),
    Maturing("交银理财稳享固收增强一年定开", Decimal("300000.00"), dt.date(2026, 12, 18)),
)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_long_fact_on_the_call_card_wraps_instead_of_being_cut(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        screen = app.screen
        assert isinstance(screen, CallSession) and screen.card is not None
        card = dataclasses.replace(screen.card, maturing=HOLDINGS, quick_wealth=True)
        screen.query_one(ClientCard).show_card(card, app.ws.time.today(), screen.item.main, app.ws.time.local)
        await settle(pilot)
        region = screen.query_one(ClientCard).region
        painted = screen_text(app).splitlines()[region.y : region.bottom]
        joined = "".join(line.strip("│ ") for line in painted)
        assert not any(line.rstrip(" │").endswith("…") for line in painted), painted
        assert "2026-12-18" in joined and "300,000.00" in joined
