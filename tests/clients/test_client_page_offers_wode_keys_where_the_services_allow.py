"""The client page offers the 沃德 keys only where the services allow them, in the key bar and in F1 alike: ``w``
(refer to 沃德) not on a client whose 沃德 referral is open or accepted, nor on one a 沃德 client manager manages
(``referrals.refer_to_wode`` refuses: the client is in one 沃德 client manager's book), ``u`` (交还, release) shown
to the 沃德 client manager holding the client and to nobody else.

The clients' small branch (``support/clients_branch``): 张三丰 and 王小明 are A's; 陈经理 the 沃德 client manager."""

from __future__ import annotations

import pytest

from csm_tui.app import CsmApp
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Staff
from csm_tui.i18n import t
from csm_tui.services.clients import client_detail, referrals
from screens.client_detail import ClientDetailScreen
from screens.dialogs import ChooseStaffDialog
from storage.orm import ReferralRow
from tests.support.clients_branch import Branch
from tests.support.pilot import f1_keys, key_bar_text, notices, open_client_page, press_settled, recording_notices
from tests.support.wode import open_referral, second_wealth_manager


async def _offered(branch: Branch, staff: Staff, client_id: int, key: str, words: str) -> tuple[bool, bool]:
    """Whether the client page of ``client_id`` names ``key`` (``words``) in its key bar, and in F1, to ``staff``."""
    app = CsmApp(branch.ws(staff), lang="zh_CN")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, client_id)
        assert isinstance(app.screen, ClientDetailScreen)
        return t(words) in key_bar_text(app), key in await f1_keys(pilot)


async def test_w_is_offered_only_on_a_client_at_the_wode_standard_not_referred_or_held(branch: Branch) -> None:
    assert await _offered(branch, branch.csm_a, branch.zsf, "w", "key.refer") == (True, True)
    assert await _offered(branch, branch.csm_a, branch.wxm, "w", "key.refer") == (False, False)  # below 沃德
    referral = open_referral(branch, branch.zsf, branch.wealth)
    assert await _offered(branch, branch.csm_a, branch.zsf, "w", "key.refer") == (False, False)  # open
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    assert await _offered(branch, branch.csm_a, branch.zsf, "w", "key.refer") == (False, False)  # held


def test_the_referral_service_refuses_a_client_already_held_without_writing(branch: Branch) -> None:
    referral = open_referral(branch, branch.zsf, branch.wealth)
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    other = second_wealth_manager(branch)
    assert other.id is not None
    with pytest.raises(DomainError, match="wode_client_of"):
        referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, other.id)
    assert branch.count(ReferralRow, client_id=branch.zsf) == 1


async def test_w_is_not_offered_on_a_client_a_wode_manager_manages(branch: Branch) -> None:
    _managed_by_wode(branch)
    assert await _offered(branch, branch.wealth, branch.zsf, "w", "key.refer") == (False, False)


def test_the_referral_service_refuses_a_client_a_wode_manager_manages_without_writing(branch: Branch) -> None:
    _managed_by_wode(branch)
    other = second_wealth_manager(branch)
    assert other.id is not None
    with pytest.raises(DomainError, match="wode_client_of") as refused:
        referrals.refer_to_wode(branch.ws(branch.wealth), branch.zsf, other.id)
    assert refused.value.params == {"name": "陈经理"}
    assert branch.count(ReferralRow, client_id=branch.zsf) == 0
    detail = client_detail.load(branch.ws(branch.wealth), branch.zsf)
    assert isinstance(detail, client_detail.ClientDetail) and detail.wode_managed


def _managed_by_wode(branch: Branch) -> None:
    """张三丰 given to the 沃德 client manager 陈经理 as their manager."""
    assert branch.wealth.id is not None
    with branch.system(write=True) as tx:
        tx.clients.assign(branch.zsf, branch.wealth.id)
        tx.commit()


async def test_u_is_shown_to_the_wode_manager_holding_the_client_only(branch: Branch) -> None:
    referral = open_referral(branch, branch.zsf, branch.wealth)
    assert await _offered(branch, branch.wealth, branch.zsf, "u", "key.release_wode") == (False, False)  # open
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    assert await _offered(branch, branch.wealth, branch.zsf, "u", "key.release_wode") == (True, True)
    assert await _offered(branch, branch.csm_a, branch.zsf, "u", "key.release_wode") == (False, False)


async def test_referring_on_the_client_page_names_the_wode_manager_it_went_to(branch: Branch) -> None:
    app = recording_notices(CsmApp(branch.ws(branch.csm_a), lang="zh_CN"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, branch.zsf)
        await press_settled(pilot, "w")
        assert isinstance(app.screen, ChooseStaffDialog)
        await press_settled(pilot, "1", "tab", *"资产达标", "enter")
        assert isinstance(app.screen, ClientDetailScreen)
    assert "已转介给沃德客户经理陈经理，转介电话已列入其电话队列。" in notices(app)
    assert [(r.to_staff_id, r.reason) for r in referrals.mine(branch.ws(branch.csm_a))[0]] == [
        (branch.wealth.id, "资产达标")
    ]
