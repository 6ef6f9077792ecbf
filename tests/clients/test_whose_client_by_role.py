"""Whose client each is, by role (issue 18.3): a 沃德 client manager's book is the 沃德 referrals they accepted —
their client list holds them in full, F3 marks them as their own (found freely, as a CSM's own), and no 沃德
referral of them is offered or made by them; a supervisor's F3 names the team's clients by their CSM, seen in full
as elsewhere, their identity still masked.

Service tests use the clients' small branch (``support/clients_branch``) on SQLite and PostgreSQL, pilot tests the
same branch and the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from csm_tui.app import CsmApp
from csm_tui.domain.enums import ReferralKind, ReferralStatus, Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Staff
from csm_tui.i18n import catalog, t
from csm_tui.services.clients import referrals
from csm_tui.services.clients.finding import find_clients, look_up_number
from csm_tui.services.rows import LOOKUP
from screens.client_detail import ClientDetailScreen
from screens.clients import ClientsScreen
from screens.search import SearchScreen
from storage.engine import make_engine
from storage.orm import ClientRow, ReferralRow, StaffRow
from tests.support.clients_branch import WXM_ID, ZSF_ID, ZSF_MOBILE, Branch
from tests.support.pilot import (
    key_bar_text,
    make_app,
    notices,
    press_settled,
    recording_notices,
    table_rows,
    whole_rows,
)
from widgets.table import KeyTable

ZH, EN = catalog("zh_CN"), catalog("en")


def _accepted_by_wealth(branch: Branch) -> None:
    """A's 张三丰 referred to the 沃德 client manager, who accepts."""
    assert branch.wealth.id is not None
    referral = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id, note="日均52万")
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)


def _app(branch: Branch, staff: Staff, lang: str = "zh_CN") -> CsmApp:
    return recording_notices(CsmApp(branch.ws(staff), lang=lang))


# --- a 沃德 client manager's book --------------------------------------------------------------------------------


def test_a_wode_managers_clients_are_the_wode_referrals_they_accepted_in_full(branch: Branch) -> None:
    wealth = branch.ws(branch.wealth)
    assert branch.wealth.id is not None
    open_one = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id)
    assert find_clients(wealth, "") == []  # still theirs to decide: not their client yet
    referrals.decide(wealth, open_one, accept=False, reason="客户暂无意向")
    assert find_clients(wealth, "") == []  # returned: never theirs

    again = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id)
    referrals.decide(wealth, again, accept=True)
    [row] = find_clients(wealth, "")
    assert (row.id, row.own, row.masked_id) == (branch.zsf, True, f"110105********{ZSF_ID[-4:]}")
    assert row.born is not None and row.full  # age and tier shown, as a CSM's own
    by_part = find_clients(wealth, ZSF_MOBILE[:7])  # own clients are found by part of a number, as a CSM's
    assert [r.id for r in by_part if r.own] == [branch.zsf]
    assert [r.id for r in find_clients(wealth, "张")][:1] == [branch.zsf]  # own first
    assert [r.id for r in find_clients(branch.ws(branch.csm_a), "张三丰") if r.own] == [branch.zsf]  # still A's


def test_a_wode_manager_looks_up_their_own_client_by_number_freely_as_a_csm_does(branch: Branch) -> None:
    _accepted_by_wealth(branch)
    wealth = branch.ws(branch.wealth)
    [row] = look_up_number(wealth, ZSF_MOBILE)
    assert row.own and row.id == branch.zsf
    assert not [a for a in branch.audit_rows() if a.action == LOOKUP]  # one's own: not counted, as a CSM's own
    look_up_number(wealth, "13912340000")  # 王大海's, B's: another's, logged and counted
    assert [a.staff_id for a in branch.audit_rows() if a.action == LOOKUP] == [branch.wealth.id]


def test_a_staff_member_no_longer_a_wode_manager_has_no_book_by_referral(branch: Branch) -> None:
    _accepted_by_wealth(branch)
    with Session(branch.engine) as session:  # made a CSM by a staff import, say
        session.execute(update(StaffRow).where(StaffRow.id == branch.wealth.id).values(role=Role.CSM))
        session.commit()
    assert find_clients(branch.ws(branch.wealth), "") == []


# --- no 沃德 referral by a 沃德 manager of a client referred to them ----------------------------------------------


def test_a_wode_manager_is_refused_a_wode_referral_of_a_client_referred_to_them(branch: Branch) -> None:
    assert branch.wealth.id is not None
    wealth = branch.ws(branch.wealth)
    referral = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id)
    for decided in (False, True):
        with pytest.raises(DomainError) as err:
            referrals.refer_to_wode(wealth, branch.zsf, branch.wealth.id, note="转给同事")
        assert err.value.code == "referred_to_you"
        assert branch.count(ReferralRow) == 1  # nothing written
        if not decided:
            referrals.decide(wealth, referral, accept=True)
    assert ZH["error.referred_to_you"] and EN["error.referred_to_you"]


def test_a_client_a_wode_manager_accepted_is_not_referred_to_them_again(branch: Branch) -> None:
    _accepted_by_wealth(branch)
    assert branch.wealth.id is not None
    with pytest.raises(DomainError) as err:
        referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id)
    assert err.value.code == "wode_client_of" and err.value.params == {"name": "陈经理"}
    assert branch.count(ReferralRow) == 1


# --- a supervisor's F3 -------------------------------------------------------------------------------------------


def test_a_supervisors_search_names_the_teams_clients_by_their_csm_identity_still_masked(branch: Branch) -> None:
    supervisor = branch.ws(branch.supervisor)
    found = {r.name: r for r in find_clients(supervisor, "王")}
    team, other = found["王小明"], found["王大海"]  # A's (the team's), B's (another team's)
    assert (team.own, team.team, team.full) == (False, branch.csm_a.name, True)
    assert team.born is not None and team.masked_id == f"310101********{WXM_ID[-4:]}"
    assert (other.own, other.team, other.full, other.born) == (False, "", False, None)
    assert all(r.team == "" for r in find_clients(branch.ws(branch.csm_b), "王"))  # a CSM has no team
    assert find_clients(supervisor, "138001") == []  # never by part of a secret number, the team's neither


# --- the screens -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_wode_managers_empty_client_list_says_it_fills_from_accepted_wode_referrals(
    branch: Branch, lang: str
) -> None:
    app = _app(branch, branch.wealth, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3")
        assert isinstance(app.screen, ClientsScreen)
        note = app.screen.query_one("#clients-empty")
        assert note.display and note.text == t("empty.clients_wode")  # type: ignore[attr-defined]
        assert "F3" in note.text  # type: ignore[attr-defined]


async def test_a_wode_managers_client_list_shows_the_accepted_client_with_tier_and_average(branch: Branch) -> None:
    _accepted_by_wealth(branch)
    app = _app(branch, branch.wealth)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3")
        assert isinstance(app.screen, ClientsScreen)
        assert not app.screen.query_one("#clients-empty").display
        [row] = table_rows(app)
        assert row[:2] == ["C100001", "张三丰"] and row[4] == ZH["tier.wode"] and row[5] != "—"


async def test_the_wode_managers_own_client_in_f3_is_theirs_and_offers_no_wode_referral(demo_url: str) -> None:
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        wm = conn.execute(select(StaffRow.id).where(StaffRow.login == "wm01")).scalar_one()
        number, name = conn.execute(
            select(ClientRow.number, ClientRow.name)
            .join(ReferralRow, ReferralRow.client_id == ClientRow.id)
            .where(
                ReferralRow.to_staff_id == wm,
                ReferralRow.kind == ReferralKind.WODE,
                ReferralRow.status == ReferralStatus.ACCEPTED,
            )
            .order_by(ClientRow.number)
            .limit(1)
        ).one()
    engine.dispose()
    app = make_app(demo_url, login="wm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "f3", *number)
        assert isinstance(app.screen, SearchScreen)
        [row] = [r for r in whole_rows(app) if r[0] == number]
        assert row[1] == name and row[-1] == ZH["search.own"] and row[2] and row[3]  # age and tier: theirs
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, ClientDetailScreen) and app.screen.detail is not None
        assert ZH["key.refer"] not in key_bar_text(app)
        await press_settled(pilot, "w")
        assert isinstance(app.screen, ClientDetailScreen) and notices(app) == []  # no dialog, no refusal


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_supervisors_f3_names_the_teams_client_by_their_csm_within_80_columns(
    branch: Branch, lang: str
) -> None:
    app = _app(branch, branch.supervisor, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "f3", "王")
        rows = {r[1]: r for r in whole_rows(app)}
        assert rows["王小明"][-1] == t("search.team", name=branch.csm_a.name) and rows["王小明"][2]  # age shown
        assert rows["王大海"][-1] == t("search.other") and not rows["王大海"][2]
        assert rows["王小明"][5] == f"310101********{WXM_ID[-4:]}"  # the ID stays masked


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_every_team_client_in_a_supervisors_f3_is_named_whole_at_80_columns(demo_url: str, lang: str) -> None:
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        sup = conn.execute(select(StaffRow.id).where(StaffRow.login == "sup01")).scalar_one()
        manager = StaffRow.__table__.alias("manager")
        csm_of = dict(
            conn.execute(
                select(ClientRow.number, manager.c.name)
                .join(manager, manager.c.id == ClientRow.manager_id)
                .where(manager.c.supervisor_id == sup)
            ).all()
        )
    engine.dispose()
    app = make_app(demo_url, lang=lang, login="sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "f3", "王")
        table = app.screen.query_one("#search-results", KeyTable)
        shown, whole = table_rows(app), whole_rows(app)
        team = [(cut, row) for cut, row in zip(shown, whole, strict=True) if row[0] in csm_of]
        assert team and len(team) < len(whole)  # the team's and others'
        for cut, row in team:
            assert cut[-1] == row[-1] == t("search.team", name=csm_of[row[0]])  # whole, named by their CSM
            assert row[2] and row[3]  # age and tier, as on the client's page
        assert all(row[-1] == t("search.other") for row in whole if row[0] not in csm_of)
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= 80
