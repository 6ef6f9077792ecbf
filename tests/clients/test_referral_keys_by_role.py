"""The referrals list shows each role only the keys its services allow: the counter (lobby, tellers) records
walk-ins but is referred nobody, so it is not shown accept and return (which only refused it); a CSM, who is
referred walk-ins, accepts and returns, and is not shown the counter's walk-in key.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai), at 80×24 in both languages.
"""

from __future__ import annotations

import pytest

from csm_tui.i18n import t
from screens.referrals import ReferralsScreen
from tests.support.pilot import make_app, notices, press_settled, settle
from widgets.key_bar import KeyBar


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(("login", "shown", "hidden"), [
    ("lobby01", ["key.walk_in"], ["key.accept", "key.return"]),
    ("teller01", ["key.walk_in"], ["key.accept", "key.return"]),
    ("csm01", ["key.accept", "key.return"], ["key.walk_in"]),
])  # fmt: skip
async def test_the_referrals_list_shows_each_role_only_the_keys_it_may_use(
    demo_url: str, lang: str, login: str, shown: list[str], hidden: list[str]
) -> None:
    app = make_app(demo_url, lang=lang, login=login)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if not isinstance(app.screen, ReferralsScreen):
            await press_settled(pilot, "6")
        assert isinstance(app.screen, ReferralsScreen)
        bar = str(app.screen.query_one(KeyBar).render())
        assert all(t(words) in bar for words in shown), bar
        assert not any(t(words) in bar for words in hidden), bar
        if "key.accept" in hidden:
            await press_settled(pilot, "a")
            assert notices(app) == []  # not a key of theirs: no refusal
