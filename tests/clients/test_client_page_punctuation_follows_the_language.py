"""The lines the client page composes at run time from several parts (the accounts, the opt-outs) take the
punctuation of the user's language (issue 18.5): full-width in Chinese (``借记卡 ****1234；代发工资卡 ****5678``),
ASCII in English; never an ASCII ``;`` or ``,`` in a Chinese line, nor a full-width mark in an English one.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai) at 80×24.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update
from textual.widgets import Static

from csm_tui.i18n import catalog
from screens.client_detail import ClientDetailScreen
from storage.engine import make_engine
from storage.orm import AccountRow, ClientRow, StaffRow
from tests.support.pilot import make_app, settle
from tests.support.words import FULL_WIDTH

ASCII_MARKS = re.compile(r"[,;:()?!]")


def _client_with_accounts(url: str) -> int:
    """csm01's client with the most accounts (two or more), opted out of phone calls and SMS both."""
    engine = make_engine(url)
    with engine.begin() as conn:
        csm = conn.execute(select(StaffRow.id).where(StaffRow.login == "csm01")).scalar_one()
        client_id, count = conn.execute(
            select(AccountRow.client_id, func.count())
            .join(ClientRow, ClientRow.id == AccountRow.client_id)
            .where(ClientRow.manager_id == csm)
            .group_by(AccountRow.client_id)
            .order_by(func.count().desc(), AccountRow.client_id)
        ).first()  # type: ignore[misc]
        assert count >= 2
        conn.execute(update(ClientRow).where(ClientRow.id == client_id).values(phone_opt_out=True, sms_opt_out=True))
    engine.dispose()
    return client_id


def _line(identity: str, template: str) -> str:
    prefix = template.split("{value}")[0]
    return next(line for line in identity.splitlines() if line.startswith(prefix)).removeprefix(prefix)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_accounts_and_opt_outs_lines_use_the_languages_own_punctuation(demo_url: str, lang: str) -> None:
    words = catalog(lang)
    client_id = _client_with_accounts(demo_url)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(ClientDetailScreen(app.ws, client_id))
        await settle(pilot)
        identity = str(app.screen.query_one("#identity", Static).content)
    accounts = _line(identity, words["detail.accounts"])
    opt_outs = _line(identity, words["detail.opt_outs"])
    assert words["list.items"] in accounts and words["list.separator"] in opt_outs  # several of each
    for composed in (accounts, opt_outs):
        if lang == "zh_CN":
            assert not ASCII_MARKS.findall(composed), composed
        else:
            assert not FULL_WIDTH.findall(composed) and "、" not in composed, composed
