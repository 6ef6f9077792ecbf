"""The referrals list offers ``a`` (accept) and ``x`` (return) on the highlighted row only when it is still open to
the reader (``referrals.decidable``; the service refuses the rest), in the key bar and F1 alike, following the
cursor, and ``a`` not on an open 沃德 referral whose client another 沃德 client manager holds or manages (only ``x``:
``ReferralRepository.close`` refuses accepting it, naming them); the service refuses to decide a referral twice,
writing nothing.

The clients' small branch (``support/clients_branch``): 张三丰 and 王小明 are A's, referred to 陈经理 (沃德); 王大海
is B's."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from csm_tui.app import CsmApp
from csm_tui.domain.enums import ReferralStatus
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import label, t
from csm_tui.services.clients import referrals
from screens.dialogs import CheckedTextDialog
from screens.referrals import ReferralsScreen
from storage.orm import ReferralRow
from tests.support.clients_branch import Branch
from tests.support.pilot import f1_keys, key_bar_text, press_settled, settle, table_rows
from tests.support.wode import open_referral, second_wealth_manager
from widgets.table import KeyTable

DECIDING = {"a": "key.accept", "x": "key.return"}


async def _keys_on(pilot: Pilot[None], app: CsmApp, row: int) -> dict[str, tuple[bool, bool]]:
    """For ``a`` and ``x`` with the cursor on ``row``: (named in the key bar, listed in F1)."""
    app.screen.query_one("#referrals", KeyTable).move_cursor(row=row)
    await settle(pilot)
    bar, listed = key_bar_text(app), await f1_keys(pilot)
    return {key: (t(words) in bar, key in listed) for key, words in DECIDING.items()}


async def _referrals_list(pilot: Pilot[None], app: CsmApp) -> ReferralsScreen:
    """The 沃德 client manager's referrals list (their home; ``6`` otherwise)."""
    await settle(pilot)
    if not isinstance(app.screen, ReferralsScreen):
        await press_settled(pilot, "6")
    assert isinstance(app.screen, ReferralsScreen)
    return app.screen


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_and_x_follow_the_highlighted_row(branch: Branch, lang: str) -> None:
    open_referral(branch, branch.zsf, branch.wealth)
    held = open_referral(branch, branch.wxm, branch.wealth)
    referrals.decide(branch.ws(branch.wealth), held, accept=True)
    app = CsmApp(branch.ws(branch.wealth), lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _referrals_list(pilot, app)
        rows = {r.client_id: i for i, r in enumerate(screen.rows)}
        assert await _keys_on(pilot, app, rows[branch.zsf]) == {"a": (True, True), "x": (True, True)}
        assert await _keys_on(pilot, app, rows[branch.wxm]) == {"a": (False, False), "x": (False, False)}
        await press_settled(pilot, "a")
        assert app.screen is screen and not isinstance(app.screen, CheckedTextDialog)  # not taken on that row
        assert await _keys_on(pilot, app, rows[branch.zsf]) == {"a": (True, True), "x": (True, True)}


def test_a_referral_decided_already_is_refused_writing_nothing(branch: Branch) -> None:
    referral = open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    referrals.decide(wealth, referral, accept=True)
    with pytest.raises(DomainError):
        referrals.decide(wealth, referral, accept=False, reason="不再跟进")
    assert branch.count(ReferralRow, client_id=branch.zsf, status=ReferralStatus.ACCEPTED) == 1


def _held_elsewhere(branch: Branch) -> tuple[int, int, int]:
    """Three referrals open to 陈经理: 张三丰, whom 钱经理 holds (accepted); 王小明, whom 钱经理 manages; 王大海,
    nobody's 沃德 client. The service keeps one open a client: the others come as an import or SQL writes them."""
    other = second_wealth_manager(branch)
    assert other.id is not None
    referrals.decide(branch.ws(other), open_referral(branch, branch.zsf, other), accept=True)
    with branch.system(write=True) as tx:
        tx.clients.assign(branch.wxm, other.id)
        tx.commit()
    zsf, wxm, wdh = (open_referral(branch, c, branch.wealth).id or 0 for c in (branch.zsf, branch.wxm, branch.wdh))
    return zsf, wxm, wdh


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_is_not_offered_on_a_referral_whose_client_another_wode_manager_holds(
    branch: Branch, lang: str
) -> None:
    _held_elsewhere(branch)
    app = CsmApp(branch.ws(branch.wealth), lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _referrals_list(pilot, app)
        rows = {r.client_id: i for i, r in enumerate(screen.rows) if r.to_staff_id == branch.wealth.id}
        only_return = {"a": (False, False), "x": (True, True)}
        assert await _keys_on(pilot, app, rows[branch.zsf]) == only_return
        await press_settled(pilot, "a")
        assert app.screen is screen  # not taken on that row
        assert await _keys_on(pilot, app, rows[branch.wxm]) == only_return
        assert await _keys_on(pilot, app, rows[branch.wdh]) == {"a": (True, True), "x": (True, True)}
        status = {r[2]: r[5] for r in table_rows(app) if r[4] == "陈经理"}  # why: whose the client is, as its status
        held = {"zh_CN": "已归钱经理", "en": "held by 钱经理"}[lang]
        assert (status["张三丰"], status["王小明"]) == (held, held) and status["王大海"] == label(ReferralStatus.OPEN)


def test_the_service_names_the_referrals_held_elsewhere_and_refuses_accepting_them(branch: Branch) -> None:
    zsf, wxm, wdh = _held_elsewhere(branch)
    wealth = branch.ws(branch.wealth)
    found, names = referrals.mine(wealth)
    assert names.held_elsewhere == {zsf: "钱经理", wxm: "钱经理"}
    with wealth.uow() as tx:
        assert tx.referrals.held_elsewhere([zsf, wxm, wdh]) == {zsf: "钱经理", wxm: "钱经理"}
    with branch.ws(branch.csm_a).uow() as tx:
        assert tx.referrals.held_elsewhere([zsf, wxm, wdh]) == {}  # not theirs to decide: nothing said of them
    for referral in (r for r in found if r.id in (zsf, wxm)):
        with pytest.raises(DomainError) as refused:
            referrals.decide(wealth, referral, accept=True)
        assert (refused.value.code, refused.value.params) == ("wode_client_held", {"name": "钱经理"})
    assert branch.count(ReferralRow, to_staff_id=branch.wealth.id, status=ReferralStatus.OPEN) == 3
