"""The prospects screens at 80×24 in both languages: 9 lists the CSM's own prospects (the supervisor the team's,
mobiles masked; an empty list says how prospects come), Enter opens one with the calls made; a client's page
records an introduction (n); the queue counts the prospect calls due and p works them in the prospect call
session, one key per outcome."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from textual.widgets import Checkbox, Input, Label, Static

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import ProspectOutcome, Role
from csm_tui.i18n import t
from csm_tui.policy import Policy
from csm_tui.services.events import prospects
from csm_tui.services.workstation import Workstation
from screens.dialogs import IntroductionDialog, ProspectCallDialog
from screens.prospects import ProspectCallSession, ProspectsScreen
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, numbered_rid
from tests.support.pilot import (
    make_app,
    notices,
    open_own_client,
    press_settled,
    settle,
    table_rows,
    whole_rows,
)

TZ = "Asia/Shanghai"
THURSDAY = FrozenClock("2026-11-26T02:00:00Z")  # the day before the apps' frozen Friday


@pytest.fixture
def url(engine: Engine, db_url: str) -> str:
    """A supervisor, two CSMs with a client each; csm01's client introduced 钱七 on Thursday (first call: Friday)."""
    factory = SqlUnitOfWorkFactory(engine, THURSDAY)
    with factory(write=True) as tx:
        tx.meta.set("is_demo", "1")
        build = BranchBuilder(tx, as_of=None)
        build.outlet("A01", "营业部")
        sup = build.staff("sup", "张主管", Role.SUPERVISOR)
        csm = build.staff("csm01", "王芳", Role.CSM, supervisor_id=sup.id)
        other = build.staff("csm02", "李娜", Role.CSM, supervisor_id=sup.id)
        client = build.client("C0001", "张三", numbered_rid(1), csm, mobile="13900000001", avg_3m=Decimal("20000"))
        build.client("C0002", "李四", numbered_rid(2), other, mobile="13900000002", avg_3m=Decimal("20000"))
        tx.commit()
    ws = Workstation(
        uow=factory.acting_as(csm), staff=csm, outlet=None, time=BranchTime(THURSDAY, TZ), policy=Policy(), demo=True
    )
    prospects.introduced(ws, client, "钱七", "13912345678", consent=True, note="想来开户")
    return db_url


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_list_shows_own_prospects_and_enter_opens_the_calls_made(url: str, lang: str) -> None:
    app = make_app(url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        assert isinstance(app.screen, ProspectsScreen)
        [row] = whole_rows(app)
        introduced = t("prospects.from_client_short", name="张三")
        assert row[:4] == ["钱七", "13912345678", introduced, t("prospects.callable")]
        assert row[5] == "11-27" and row[6] == "2027-11-26"
        assert all(len(r) == 7 for r in table_rows(app))  # every column in view at 80 columns
        await pilot.press("enter")
        await settle(pilot)
        shown = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "想来开户" in shown and t("prospects.no_calls") in shown


async def test_the_supervisor_sees_the_teams_prospects_masked_and_an_empty_list_explains_itself(url: str) -> None:
    app = make_app(url, login="sup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        [row] = whole_rows(app)
        assert row[0] == "钱七" and row[1] != "13912345678" and row[1].endswith("5678")
        await pilot.press("c")  # a supervisor calls nobody's prospects
        await settle(pilot)
        assert isinstance(app.screen, ProspectsScreen)
    other = make_app(url, login="csm02")
    async with other.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        assert whole_rows(other) == []
        assert other.screen.query_one("#prospects-empty", Static).display


async def test_a_prospect_call_from_the_queue_takes_one_key_and_the_consent_withdrawn_ends_the_calls(
    url: str,
) -> None:
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        title = str(app.screen.query_one("#screen-title", Static).render())
        assert t("prospect_call.queue_count", count=1) in title
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ProspectCallSession)
        card = str(app.screen.query_one("#prospect-card", Static).render())
        assert "钱七" in card and "13912345678" in card and "张三" in card
        await pilot.press("x")  # do not call
        await settle(pilot)
        assert not isinstance(app.screen, ProspectCallSession)
        assert t("call.saved") in notices(app)
        title = str(app.screen.query_one("#screen-title", Static).render())
        assert t("prospect_call.queue_count", count=1) not in title
        await pilot.press("9")
        await settle(pilot)
        [row] = whole_rows(app)
        assert row[3] == t("prospect_outcome.do_not_call") and row[5] == "—"
        await pilot.press("enter")
        await settle(pilot)
        shown = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert t("prospects.consent_withdrawn") in shown and t("prospect_outcome.do_not_call") in shown
    [line] = prospects.listing(app.ws)
    assert line.stopped is ProspectOutcome.DO_NOT_CALL


async def test_a_client_page_records_an_introduction_with_consent(url: str) -> None:
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, IntroductionDialog)
        dialog.query_one("#name", Input).value = "孙八"
        dialog.query_one("#mobile", Input).value = "139 8765 4321"
        dialog.query_one("#name", Input).focus()
        await pilot.press("enter")  # no consent: refused, nothing kept, the form stays
        await settle(pilot)
        assert isinstance(app.screen, IntroductionDialog)
        dialog.query_one("#consent", Checkbox).value = True
        dialog.query_one("#name", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, IntroductionDialog)
    assert [line.name for line in prospects.listing(app.ws)] == ["孙八", "钱七"]
    assert dt.date(2026, 11, 30) in {line.next_call_on for line in prospects.listing(app.ws)}


async def test_a_reached_prospect_call_asks_for_the_note_under_the_prospects_name_and_keeps_it(url: str) -> None:
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_settled(pilot, "2", "p", "r")  # the queue, its prospect calls, reached
        dialog = app.screen
        assert isinstance(dialog, ProspectCallDialog)
        title = " ".join(str(label.render()) for label in dialog.query(Label))
        assert "钱七" in title and "None" not in title
        dialog.query_one("#note", Input).value = "下周来网点"
        await press_settled(pilot, "enter")
        assert not isinstance(app.screen, ProspectCallDialog)
    [line] = prospects.listing(app.ws)
    assert [(h.outcome, h.note) for h in prospects.view(app.ws).histories.get(line.id, [])] == [
        (ProspectOutcome.REACHED, "下周来网点")
    ]
