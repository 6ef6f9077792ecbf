"""A home for every role (issue 18.3): where each role opens, its own checklist, refusals said as permissions, the
counter's walk-ins (found by any number, sent to the client's own manager, told to the CSM at once, first in the
queue) and referrals that keep the client's need.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai); service tests use
the clients' small branch (``support/clients_branch``) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from csm_tui.domain.enums import QueueReason, ReferralStatus, Role
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import catalog
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.checklist.day_list import load_list, team_lists
from csm_tui.services.clients import referrals
from csm_tui.services.imports import data_state
from csm_tui.services.ports import AccessDenied
from screens.checklist import ChecklistScreen
from screens.data_state import DataStateScreen
from screens.dialogs import WalkInDialog
from screens.referrals import ReferralsScreen
from screens.team_checklist import TeamChecklistScreen
from storage.engine import make_engine
from storage.orm import ClientRow, StaffRow
from tests.support.clients_branch import WDH_MOBILE, Branch
from tests.support.pilot import make_app, notices, settle, table_rows
from widgets.table import KeyTable

ZH, EN = catalog("zh_CN"), catalog("en")


# --- where each role opens ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "home"),
    [
        ("csm01", ChecklistScreen),
        ("lobby01", ReferralsScreen),
        ("teller01", ReferralsScreen),
        ("wm01", ReferralsScreen),
        ("sup01", TeamChecklistScreen),
        ("admin", DataStateScreen),
    ],
)
async def test_each_role_opens_on_its_own_days_work(demo_url: str, login: str, home: type) -> None:
    app = make_app(demo_url, login=login)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert type(app.screen) is home
        assert not [m for m in notices(app) if m == ZH["error.load_failed"]]


async def test_the_supervisors_team_day_lists_csms_only_and_escape_leads_to_their_own_list(demo_url: str) -> None:
    app = make_app(demo_url, login="sup01")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        names = {row[0] for row in table_rows(app)}
        engine = make_engine(demo_url)
        with engine.connect() as conn:
            sup = conn.execute(select(StaffRow.id).where(StaffRow.login == "sup01")).scalar_one()
            team = conn.execute(select(StaffRow.name, StaffRow.role).where(StaffRow.supervisor_id == sup)).all()
        engine.dispose()
        assert names == {name for name, role in team if role == Role.CSM.value}
        assert any(role != Role.CSM.value for _, role in team)  # the lobby's staff are in the team, not the list
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen) is ChecklistScreen
        text = " ".join(" ".join(row) for row in table_rows(app))
        assert ZH["checklist.items.calls"] not in text and ZH["checklist.items.team_lists"] in text


async def test_the_admin_opens_on_the_data_date_the_last_imports_and_the_audit_check(demo_url: str) -> None:
    app = make_app(demo_url, login="admin", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DataStateScreen)
        facts = str(app.screen.query_one("#data-facts").render())
        assert "Bank data as of: 2026-11-25" in facts
        assert "Audit chain verified" in facts


async def test_the_lobby_sees_its_own_checklist_is_not_offered_a_scoreboard_and_its_refusal_says_it_is_a_permission(
    demo_url: str,
) -> None:
    app = make_app(demo_url, login="lobby01")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        text = " ".join(" ".join(row) for row in table_rows(app))
        assert ZH["checklist.items.calls"] not in text and ZH["checklist.items.walk_ins_referred"] in text
        assert "/ 10" not in " ".join(" ".join(r) for r in table_rows(app))  # no call target
        checklist = app.screen
        await pilot.press("5")  # not the lobby's key: nothing happens
        await settle(pilot)
        assert app.screen is checklist and notices(app) == []
        app.action_go("scoreboard")  # reached all the same (a remapped key): the refusal is a permission
        await settle(pilot)
        refusals = [m for m in notices(app) if m in (ZH["access.scores"], ZH["access.team_scores"])]
        assert refusals and all(m.startswith("无权") for m in refusals)  # a permission, not "try again"
        assert ZH["error.load_failed"] not in notices(app) and ZH["error.access_denied"] not in notices(app)


# --- the counter's walk-in, end to end ---------------------------------------------------------------------------


async def test_a_walk_in_found_by_name_goes_to_the_clients_own_manager_who_is_told_and_calls_them_first(
    demo_url: str,
) -> None:
    manager_login = "csm01"
    before = make_app(demo_url, login=manager_login)
    # the client of theirs the queue puts last but for referrals, for a walk-in to lift
    last = next(i for i in reversed(today_queue(before.ws)) if i.reason is not QueueReason.REFERRAL)
    name, manager_name = last.main.client_name, before.ws.staff.name
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        number = conn.execute(select(ClientRow.number).where(ClientRow.id == last.client_id)).scalar_one()
    engine.dispose()
    lobby = make_app(demo_url, login="lobby01")
    async with lobby.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = lobby.screen
        assert isinstance(screen, ReferralsScreen)
        await pilot.press("n")
        screen.query_one("#walk-in-search").value = name  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        found = [c for c in screen.found if c.row.number == number]
        assert found and found[0].manager_name == manager_name
        table = screen.query_one("#walk-in-found", KeyTable)
        table.move_cursor(row=screen.found.index(found[0]))
        await pilot.press("enter")
        await settle(pilot)
        dialog = lobby.screen
        assert isinstance(dialog, WalkInDialog)
        assert manager_name in str(dialog.query_one("#to-manager").render())
        dialog.query_one("#note").value = "想了解大额存单"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert ZH["walk_in.sent"].format(name=manager_name) in notices(lobby)
        shown = screen.query_one("#referrals", KeyTable)
        assert any("想了解大额存单" in [str(c) for c in shown.get_row_at(i)] for i in range(shown.row_count))
    csm = make_app(demo_url, login=manager_login)
    async with csm.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert any(name in m and "想了解大额存单" in m for m in notices(csm))  # told at once
        queue = today_queue(csm.ws)
        walk_ins = [i for i in queue if i.reason is QueueReason.REFERRAL and i.main.due_on == csm.ws.time.today()]
        assert queue[: len(walk_ins)] == walk_ins  # today's walk-ins before every other call
        assert (name, "想了解大额存单") in [(i.main.client_name, i.main.note) for i in walk_ins]


# --- the services, from the hostile side --------------------------------------------------------------------------


def test_the_counter_finds_a_walk_in_by_a_whole_mobile_with_the_manager_it_would_go_to(branch: Branch) -> None:
    teller = branch.ws(branch.teller)
    [found] = referrals.find_walk_in(teller, f"+86 {WDH_MOBILE}")
    assert (found.row.name, found.row.own, found.manager_name) == ("王大海", False, "李娜")
    assert "lookup" in [r.action for r in branch.audit_rows()]  # by a whole number: audited and limited
    by_name = referrals.find_walk_in(teller, "赵六")
    assert [(c.row.name, c.manager_id) for c in by_name] == [("赵六", None)]
    assert referrals.find_walk_in(teller, "  ") == []


def test_a_walk_in_needs_the_clients_need_and_only_the_receiver_hears_of_it(branch: Branch) -> None:
    teller = branch.ws(branch.teller)
    with pytest.raises(DomainError) as caught:
        referrals.refer_walk_in(teller, branch.wdh, None, note="   ")
    assert caught.value.code == "walk_in_need_required"
    since = branch.clock.now().shift(minutes=-1).datetime
    sent = referrals.refer_walk_in(teller, branch.wdh, None, note="咨询大额存单")
    [(referral, client, sender)] = referrals.walk_ins_since(branch.ws(branch.csm_b), since)
    assert (referral.id, client, sender, referral.reason) == (sent.referral.id, "王大海", "刘柜员", "咨询大额存单")
    assert referrals.walk_ins_since(branch.ws(branch.csm_a), since) == []


def test_accepting_or_returning_a_referral_never_touches_the_clients_need(branch: Branch) -> None:
    teller = branch.ws(branch.teller)
    first = referrals.refer_walk_in(teller, branch.wdh, None, note="咨询大额存单").referral
    second = referrals.refer_walk_in(teller, branch.zs, None, note="想办信用卡").referral
    b = branch.ws(branch.csm_b)
    referrals.decide(b, first, accept=True)  # no note: the need stays, the note is empty
    referrals.decide(b, second, accept=False, reason="客户已在他行办理")
    with branch.system() as tx:
        kept = {r.id: (r.status, r.reason, r.decision_note) for r in tx.referrals.involving(branch.csm_b.id or 0)}
    assert kept[first.id] == (ReferralStatus.ACCEPTED, "咨询大额存单", "")
    assert kept[second.id] == (ReferralStatus.RETURNED, "想办信用卡", "客户已在他行办理")


def test_each_roles_checklist_is_its_own_and_the_team_list_counts_csms_only(branch: Branch) -> None:
    for staff, has_calls in ((branch.csm_a, True), (branch.teller, False), (branch.supervisor, False)):
        codes = [i.item.code for i in load_list(branch.ws(staff)).items]
        assert ("calls" in codes) is has_calls
        assert "summary" in codes
    with branch.system(write=True) as tx:  # the teller joins the supervisor's team
        tx.session.get(StaffRow, branch.teller.id).supervisor_id = branch.supervisor.id  # type: ignore[attr-defined,union-attr]
        tx.commit()
    assert [r.staff.login for r in team_lists(branch.ws(branch.supervisor), branch.clock.now().date())] == ["csm01"]


def test_only_the_admin_reads_the_data_state(branch: Branch) -> None:
    state = data_state.load(branch.ws(branch.admin))
    assert state.audit.holds and state.audit.entries > 0
    for someone in (branch.csm_a, branch.supervisor, branch.teller):
        with pytest.raises(AccessDenied):
            data_state.load(branch.ws(someone))
