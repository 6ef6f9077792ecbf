"""``u`` (release a 沃德 client) on a client's page is offered to whom ``referrals.release`` lets do it — the 沃德
client manager holding the client, their supervisor, the admin — and to nobody else: a supervisor who is not the
holder's (the client's CSM's supervisor, say) is not offered a key whose dialog would be refused once the reason is
typed — and it is offered to the holder's supervisor on every client the holder holds, another team's CSM's
included, as the service lets them release those too.

The clients' small branch (``support/clients_branch``): B (吴主管's team) has 王大海; the 沃德 client manager 陈经理 is
in nobody's team."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from textual.widgets import Input

from csm_tui.app import CsmApp
from csm_tui.domain.enums import ReferralStatus
from csm_tui.i18n import t
from csm_tui.services.clients import referrals
from csm_tui.services.ports import AccessDenied
from screens.client_detail import ClientDetailScreen
from screens.dialogs import CheckedTextDialog
from screens.referrals import ReferralsScreen
from storage.orm import StaffRow
from tests.support.clients_branch import Branch
from tests.support.pilot import key_bar_text, open_client_page, press_settled, settle
from tests.support.wode import open_referral


async def test_the_client_page_offers_no_release_to_a_supervisor_not_the_wode_managers(branch: Branch) -> None:
    referral = open_referral(branch, branch.wdh, branch.wealth)
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    supervisor = branch.ws(branch.other_supervisor)  # 王大海's CSM's supervisor, not 陈经理's
    with pytest.raises(AccessDenied):
        referrals.release(supervisor, referral, "客户经理调岗")
    app = CsmApp(supervisor, lang="zh_CN")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, branch.wdh)
        page = app.screen
        assert isinstance(page, ClientDetailScreen) and page.detail is not None and page.detail.referrals
        assert not page.check_action("release", ())


async def test_the_wode_managers_supervisor_is_offered_the_release_of_another_teams_client(branch: Branch) -> None:
    """陈经理 in 周主管's team holds 王大海, B's client (吴主管's team): 周主管 may release him for 陈经理
    (``referrals.release``), from his page as from anywhere the app offers it — when 陈经理 leaves, every client
    of theirs, not only those of 周主管's own CSMs."""
    with Session(branch.engine) as session:
        session.execute(
            update(StaffRow).where(StaffRow.id == branch.wealth.id).values(supervisor_id=branch.supervisor.id)
        )
        session.commit()
    referral = open_referral(branch, branch.wdh, branch.wealth)
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    app = CsmApp(branch.ws(branch.supervisor), lang="zh_CN")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, branch.wdh)
        page = app.screen
        assert isinstance(page, ClientDetailScreen) and page.check_action("release", ())


async def test_the_wode_managers_supervisor_releases_from_their_referrals_list(branch: Branch) -> None:
    """周主管's referrals list holds the 沃德 clients of 陈经理, of their team, each with u; the row of a referral
    nobody may release (returned) has no u in the key bar."""
    with Session(branch.engine) as session:
        session.execute(
            update(StaffRow).where(StaffRow.id == branch.wealth.id).values(supervisor_id=branch.supervisor.id)
        )
        session.commit()
    referral = open_referral(branch, branch.wdh, branch.wealth)
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    found, names = referrals.mine(branch.ws(branch.supervisor))
    assert [r.id for r in found] == [referral.id] and names.releasable == {referral.id}
    assert referrals.mine(branch.ws(branch.other_supervisor))[0] == []  # not the manager's supervisor
    app = CsmApp(branch.ws(branch.supervisor), lang="zh_CN")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if not isinstance(app.screen, ReferralsScreen):
            await press_settled(pilot, "6")
        assert isinstance(app.screen, ReferralsScreen)
        assert t("key.release_wode") in key_bar_text(app)
        await press_settled(pilot, "u")
        assert isinstance(app.screen, CheckedTextDialog)
        app.screen.query_one("#reason", Input).value = "客户经理调岗"
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, ReferralsScreen)
        assert t("key.release_wode") not in key_bar_text(app)  # released: nothing more to release
    with branch.system() as tx:
        assert tx.referrals.for_client(branch.wdh)[0].status is ReferralStatus.RELEASED
