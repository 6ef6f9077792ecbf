"""Work a screen runs off the UI thread never fails silently: when its unit of work fails (here as if the database
server had gone), the screen says so in the user's words — a read as one that loaded nothing, a save as one that
saved nothing — and stays usable: once the server is back, the same key does its work.

One test per guarded path: every load and save of the screens runs through ``screens.background.in_background``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input, Static

from csm_tui.app import CsmApp
from csm_tui.domain.enums import AppointmentStatus, ReferralStatus
from csm_tui.i18n import catalog
from csm_tui.services.ports import StorageFailure
from screens.call_session import CallSession
from screens.client_detail import ClientDetailScreen
from screens.dialogs import ChooseStaffDialog, SmsSentDialog, TextDialog, WalkInDialog
from screens.figure_records import RecordsScreen
from screens.imports import ImportScreen
from screens.referrals import ReferralsScreen
from screens.scoreboard import CardScreen
from screens.search import SearchScreen
from screens.sms import SmsScreen
from screens.suitability_wizard import SuitabilityWizard
from storage.engine import SERVER_GONE, make_engine
from storage.orm import AppointmentRow, ClientRow, ReferralRow, StaffRow
from tests.support.pilot import make_app, notices, settle, table_rows
from widgets.table import KeyTable

EN = catalog("en")
GONE = EN["storage_cause.server_gone"]
LOADED_NOTHING = EN["error.load_failed_cause"].format(reason=GONE)
SAVED_NOTHING = EN["error.save_failed"].format(reason=GONE)


class ServerSwitch:
    """The workstation's units of work, with a switch: while the server is down, each one fails as a unit of work
    fails when the database server has gone (or with ``failure``, when one is set)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.down = False
        self.failure: Exception | None = None

    def __call__(self, *, write: bool = False) -> Any:
        if self.failure is not None:
            raise self.failure
        if self.down:
            raise StorageFailure(SERVER_GONE)
        return self.real(write=write)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class Desk(NamedTuple):
    """The app in English at 100×30, started and settled; its units of work behind ``switch``; the pilot."""

    app: CsmApp
    switch: ServerSwitch
    pilot: Pilot[None]


OpenDesk = Callable[..., AbstractAsyncContextManager[Desk]]


@pytest.fixture
def desk(demo_url: str) -> OpenDesk:
    """``async with desk(login="…") as (app, switch, pilot)``: a private demo branch opened as ``login`` (csm01 by
    default). A context manager rather than an async fixture: the app runs inside the test's own task."""

    @asynccontextmanager
    async def opened(login: str = "csm01") -> AsyncIterator[Desk]:
        app = make_app(demo_url, lang="en", login=login)
        switch = ServerSwitch(app.ws.uow)
        app.ws = dataclasses.replace(app.ws, uow=switch)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            yield Desk(app, switch, pilot)

    return opened


def text_of(app: CsmApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def shown(pilot: Pilot[None], screen: Any) -> None:
    await pilot.app.push_screen(screen)
    await settle(pilot)


def own_client_number(app: CsmApp) -> str:
    with app.ws.uow.engine.connect() as conn:
        return str(
            conn.execute(
                select(ClientRow.number).where(ClientRow.manager_id == app.ws.staff.id).order_by(ClientRow.id).limit(1)
            ).scalar_one()
        )


# -- destinations: a load, a save, a dialog's save ------------------------------------------------------------------


async def test_a_destination_that_cannot_load_says_why_and_loads_when_shown_again(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        switch.down = True
        await pilot.press("3")
        await settle(pilot)
        assert LOADED_NOTHING in notices(app) and table_rows(app) == []
        switch.down = False
        await pilot.press("escape", "1", "3")  # from the search to the list, away and back
        await settle(pilot)
        assert table_rows(app)


async def test_a_tick_that_cannot_be_saved_says_why_and_the_next_tick_saves(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        table = app.screen.query_one(KeyTable)
        table.move_cursor(row=[str(k.value) for k in table.rows].index("appearance"))
        appearance = EN["checklist.items.appearance"]
        switch.down = True
        await pilot.press("space")
        await settle(pilot)
        assert SAVED_NOTHING in notices(app)
        switch.down = False
        await pilot.press("space")
        await settle(pilot)
        assert {row[2]: row[1] for row in table_rows(app)}[appearance] == "✓"


async def test_a_dialog_whose_save_fails_says_why_keeps_the_text_and_saves_on_the_next_enter(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        switch.down = True
        await pilot.press(*"ok", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog) and text_of(app, "#dialog-error") == SAVED_NOTHING
        assert app.screen.query_one("#reason", Input).value == "ok"
        switch.down = False
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, TextDialog) and "ok" in [row[4] for row in table_rows(app)]


# -- screens pushed over the destinations ---------------------------------------------------------------------------


async def test_the_sms_list_that_cannot_load_says_why_and_loads_when_opened_again(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        switch.down = True
        await shown(pilot, SmsScreen(app.ws))
        assert LOADED_NOTHING in notices(app) and "·" not in text_of(app, "#screen-title")
        switch.down = False
        await pilot.press("escape")
        await shown(pilot, SmsScreen(app.ws))
        assert "·" in text_of(app, "#screen-title")


async def test_an_sms_that_cannot_be_marked_sent_says_why_and_is_marked_on_the_next_key(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        await shown(pilot, SmsScreen(app.ws))
        before = len(table_rows(app))
        assert before, "the demo has SMS to send today"
        switch.down = True
        await pilot.press("space", "enter")  # the SMS's text left empty
        await settle(pilot)
        assert isinstance(app.screen, SmsSentDialog) and text_of(app, "#dialog-error") == SAVED_NOTHING
        switch.down = False
        await pilot.press("enter")
        await settle(pilot)
        assert EN["sms.marked"] in notices(app) and len(table_rows(app)) == before - 1


async def test_a_search_that_cannot_run_says_why_and_the_next_keystroke_finds(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        number = own_client_number(app)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        switch.down = True
        await pilot.press(*number[:-1])
        await settle(pilot)
        assert LOADED_NOTHING in notices(app)
        switch.down = False
        await pilot.press(number[-1])
        await settle(pilot)
        assert number in [row[0] for row in table_rows(app)]


async def test_a_look_up_by_whole_number_that_cannot_run_says_why_and_runs_on_the_next_enter(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        with app.ws.uow.engine.connect() as conn:
            mobile = conn.execute(
                select(ClientRow.mobile)
                .where(ClientRow.manager_id != app.ws.staff.id, ClientRow.mobile.is_not(None))
                .order_by(ClientRow.id)
                .limit(1)
            ).scalar_one()
        await pilot.press("f3", *mobile)
        await settle(pilot)
        switch.down = True
        await pilot.press("enter")
        await settle(pilot)
        assert SAVED_NOTHING in notices(app) and table_rows(app) == []
        switch.down = False
        await pilot.press("enter")
        await settle(pilot)
        assert len(table_rows(app)) == 1


async def test_a_client_that_cannot_be_opened_says_why_and_opens_the_next_time(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        await pilot.press("3")
        await settle(pilot)
        switch.down = True
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen) and LOADED_NOTHING in notices(app)
        assert text_of(app, "#detail-title") == EN["card.loading"]
        switch.down = False
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#detail-title") != EN["card.loading"]


async def test_a_meeting_that_cannot_be_confirmed_says_why_and_is_confirmed_the_next_time(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        with app.ws.uow.engine.connect() as conn:
            client_id, meeting_id = conn.execute(
                select(AppointmentRow.client_id, AppointmentRow.id)
                .where(AppointmentRow.staff_id == app.ws.staff.id, AppointmentRow.status == "booked")
                .order_by(AppointmentRow.id)
                .limit(1)
            ).one()
        await shown(pilot, ClientDetailScreen(app.ws, client_id))
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen)
        switch.down = True
        screen.change_meeting(meeting_id, AppointmentStatus.CONFIRMED)
        await settle(pilot)
        assert SAVED_NOTHING in notices(app)
        switch.down = False
        screen.change_meeting(meeting_id, AppointmentStatus.CONFIRMED)
        await settle(pilot)
        assert EN["call.saved"] in notices(app)
        assert screen.detail is not None
        assert AppointmentStatus.CONFIRMED in [m.status for m in screen.detail.appointments if m.id == meeting_id]


async def test_wealth_managers_that_cannot_be_listed_are_said_and_listed_the_next_time(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        with app.ws.uow.engine.connect() as conn:
            client_id = conn.execute(
                select(ClientRow.id).where(ClientRow.manager_id == app.ws.staff.id).order_by(ClientRow.id).limit(1)
            ).scalar_one()
        await shown(pilot, ClientDetailScreen(app.ws, client_id))
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen)
        switch.down = True
        screen.pick_wealth_manager()  # the wealth check before it is the screen's, not the worker's
        await settle(pilot)
        assert LOADED_NOTHING in notices(app) and app.screen is screen
        switch.down = False
        screen.pick_wealth_manager()
        await settle(pilot)
        assert isinstance(app.screen, ChooseStaffDialog)


async def test_a_walk_in_search_that_cannot_be_made_is_said_and_finds_the_next_time(desk: OpenDesk) -> None:
    async with desk(login="teller01") as (app, switch, pilot):
        assert isinstance(app.screen, ReferralsScreen)  # the teller's home
        await pilot.press("n", *"C3")
        switch.down = True
        await pilot.press("enter")
        await settle(pilot)
        assert LOADED_NOTHING in notices(app) and not isinstance(app.screen, WalkInDialog)
        switch.down = False
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.found  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WalkInDialog)


def receiver_of_an_open_referral(url: str) -> str:
    engine = make_engine(url)
    with engine.connect() as conn:
        login = conn.execute(
            select(StaffRow.login)
            .join(ReferralRow, ReferralRow.to_staff_id == StaffRow.id)
            .where(ReferralRow.status == ReferralStatus.OPEN.value)
            .order_by(ReferralRow.id)
            .limit(1)
        ).scalar_one()
    engine.dispose()
    return str(login)


async def test_a_referral_that_cannot_be_accepted_says_why_and_is_accepted_the_next_time(
    desk: OpenDesk, demo_url: str
) -> None:
    async with desk(login=receiver_of_an_open_referral(demo_url)) as (app, switch, pilot):
        await pilot.press("6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReferralsScreen)
        waiting = [r.status is ReferralStatus.OPEN and r.to_staff_id == app.ws.staff.id for r in screen.rows]
        screen.query_one(KeyTable).move_cursor(row=waiting.index(True))
        switch.down = True
        await pilot.press("a", "enter")  # accepted with no note
        await settle(pilot)
        assert SAVED_NOTHING in text_of(app, "#dialog-error")  # said in the dialog, which stays open
        switch.down = False
        await pilot.press("enter")  # the dialog, with what was typed, saves again
        await settle(pilot)
        assert EN["call.saved"] in notices(app)
        assert sum(r.status is ReferralStatus.OPEN and r.to_staff_id == app.ws.staff.id for r in screen.rows) == (
            sum(waiting) - 1
        )


# -- the scoreboard ------------------------------------------------------------------------------------------------


async def test_a_team_export_that_fails_says_why_and_the_next_one_writes_the_file(
    desk: OpenDesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # a folder of its own: an export never overwrites a file
    async with desk(login="sup01") as (app, switch, pilot):
        await pilot.press("5")
        await settle(pilot)
        switch.down = True
        await pilot.press("x")
        await settle(pilot)
        assert SAVED_NOTHING in notices(app)
        switch.down = False
        await pilot.press("x")
        await settle(pilot)
        prefix = EN["team.exported"].split("{")[0]
        assert any(m.startswith(prefix) for m in notices(app))


async def test_a_csm_s_card_that_cannot_load_says_why_and_loads_the_next_quarter(desk: OpenDesk) -> None:
    async with desk(login="sup01") as (app, switch, pilot):
        await pilot.press("5")
        await settle(pilot)
        switch.down = True
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen) and LOADED_NOTHING in notices(app)
        assert text_of(app, "#screen-title") == EN["nav.scoreboard"]
        switch.down = False
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert text_of(app, "#screen-title") != EN["nav.scoreboard"]


async def test_the_records_behind_a_figure_that_cannot_load_are_said_and_load_the_next_time(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        await pilot.press("5")
        await settle(pilot)
        switch.down = True
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordsScreen) and LOADED_NOTHING in notices(app)
        assert not app.screen.query_one(KeyTable).columns
        switch.down = False
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordsScreen) and notices(app).count(LOADED_NOTHING) == 1
        assert app.screen.query_one(KeyTable).columns


# -- the suitability wizard ----------------------------------------------------------------------------------------


async def _wizard(pilot: Pilot[None]) -> SuitabilityWizard:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    wizard = pilot.app.screen
    assert isinstance(wizard, SuitabilityWizard)
    return wizard


def _wizard_error(app: CsmApp) -> str:
    return text_of(app, "#wizard-error")


async def test_the_wizard_s_search_that_cannot_run_says_why_and_the_next_keystroke_finds(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        await _wizard(pilot)
        number = own_client_number(app)
        switch.down = True
        await pilot.press(*number[:-1])
        await settle(pilot)
        assert _wizard_error(app) == LOADED_NOTHING
        switch.down = False
        await pilot.press(number[-1])
        await settle(pilot)
        assert number in [str(app.screen.query_one("#found", KeyTable).get_row_at(0)[0])]


async def test_a_client_the_wizard_cannot_load_is_said_and_loads_on_the_next_enter(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        wizard = await _wizard(pilot)
        await pilot.press(*own_client_number(app))
        await settle(pilot)
        await pilot.press("enter")  # to the results
        switch.down = True
        await pilot.press("enter")
        await settle(pilot)
        assert wizard.step == "identify" and _wizard_error(app) == LOADED_NOTHING
        switch.down = False
        await pilot.press("enter")
        await settle(pilot)
        assert wizard.step == "status"


async def _to_questions(pilot: Pilot[None]) -> SuitabilityWizard:
    """A client with no assessment that still holds, up to the questionnaire's last answer."""
    wizard = await _wizard(pilot)
    await pilot.press(*own_client_number(pilot.app))  # type: ignore[arg-type]
    await settle(pilot)
    await pilot.press("enter", "enter")
    await settle(pilot)
    await pilot.press("q", *"cccccccccccc", "a", "b")
    await pilot.pause()
    return wizard


async def test_an_assessment_that_cannot_be_saved_says_why_and_is_saved_on_the_next_key(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        wizard = await _to_questions(pilot)
        assert wizard.step == "questions"
        switch.down = True
        await pilot.press("y")
        await settle(pilot)
        assert wizard.step == "questions" and _wizard_error(app) == SAVED_NOTHING
        switch.down = False
        await pilot.press("y")
        await settle(pilot)
        assert wizard.step == "product"


async def test_an_attempt_that_cannot_be_recorded_says_why_and_is_recorded_on_the_next_key(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        wizard = await _to_questions(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert wizard.ctx is not None
        product = min(wizard.ctx.products, key=lambda p: p.min_amount)
        index = wizard.ctx.products.index(product)
        await pilot.press(*["down"] * index, "enter", *str(int(product.min_amount)), "enter")
        await settle(pilot)
        assert wizard.step == "check"
        switch.down = True
        await pilot.press("r")  # the attempt recorded as refused (or blocked)
        await settle(pilot)
        assert wizard.step == "check" and _wizard_error(app) == SAVED_NOTHING and not wizard.saving
        switch.down = False
        await pilot.press("r")
        await settle(pilot)
        assert wizard.step == "done" and wizard.recorded is not None


async def test_a_report_that_cannot_be_written_is_said_and_written_on_the_next_key(
    desk: OpenDesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setattr("screens.suitability_wizard.data_dir", lambda: blocked)
    async with desk() as (app, _, pilot):
        wizard = await _to_questions(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert wizard.ctx is not None
        product = min(wizard.ctx.products, key=lambda p: p.min_amount)
        index = wizard.ctx.products.index(product)
        await pilot.press(*["down"] * index, "enter", *str(int(product.min_amount)), "enter")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert wizard.step == "done" and EN["wizard.report_failed"] in text_of(app, "#done-text")
        monkeypatch.setattr("screens.suitability_wizard.data_dir", lambda: tmp_path)
        await pilot.press("r")  # write the report again
        await settle(pilot)
        assert EN["wizard.report_failed"] not in text_of(app, "#done-text")
        assert list((tmp_path / "reports").iterdir())


# -- the call session -------------------------------------------------------------------------------------------------


async def test_a_call_card_that_cannot_load_says_why_and_loads_when_the_session_is_opened_again(
    desk: OpenDesk,
) -> None:
    async with desk() as (app, switch, pilot):
        await pilot.press("2")
        await settle(pilot)
        switch.down = True
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CallSession) and LOADED_NOTHING in notices(app) and app.screen.card is None
        switch.down = False
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CallSession) and app.screen.card is not None


async def test_an_undo_that_cannot_be_saved_says_why_and_undoes_on_the_next_key(desk: OpenDesk) -> None:
    async with desk() as (app, switch, pilot):
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        session = app.screen
        assert isinstance(session, CallSession)
        await pilot.press("n")  # no answer: a note only
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert session.receipts
        switch.down = True
        await pilot.press("u")
        await settle(pilot)
        assert SAVED_NOTHING in notices(app) and session.receipts and not session.undoing
        switch.down = False
        await pilot.press("u")
        await settle(pilot)
        assert EN["call.undone"] in notices(app) and not session.receipts


# -- the import ----------------------------------------------------------------------------------------------------


async def test_an_import_that_fails_says_why_and_the_next_dry_run_runs(desk: OpenDesk, tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text("客户号,姓名,身份证号码,手机号码,客户经理\nC9000000001,张三,310104198001011001,13812345678,csm01\n")
    async with desk(login="admin") as (app, switch, pilot):
        await shown(pilot, ImportScreen(app.ws))
        app.screen.query_one("#import-path", Input).value = str(path)
        switch.down = True
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#import-summary") == SAVED_NOTHING
        switch.down = False
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#import-summary") not in (SAVED_NOTHING, EN["import.running"])


# -- what the guard itself promises ---------------------------------------------------------------------------------


async def test_a_failure_is_logged_by_its_kind_never_by_its_text_which_can_carry_client_data(
    desk: OpenDesk, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "张三 310104198001011001"
    async with desk() as (app, switch, pilot):
        switch.failure = ValueError(secret)
        with caplog.at_level(logging.INFO, logger="screens.background"):
            await pilot.press("3")
            await settle(pilot)
        assert EN["error.unexpected"].format(reason="ValueError") in notices(app)
        assert "ClientsScreen.load failed: ValueError" in caplog.text and secret not in caplog.text
        assert not any(secret in m for m in notices(app))


async def test_a_result_that_cannot_be_shown_is_said_and_the_screen_shows_the_next_one(
    desk: OpenDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with desk() as (app, _, pilot):
        shows = SmsScreen._show

        def broken(screen: SmsScreen, rows: Any) -> None:
            raise LookupError("a fault of the screen")

        monkeypatch.setattr(SmsScreen, "_show", broken)
        await shown(pilot, SmsScreen(app.ws))
        assert EN["error.unexpected"].format(reason="LookupError") in notices(app)
        monkeypatch.setattr(SmsScreen, "_show", shows)
        await pilot.press("escape")
        await shown(pilot, SmsScreen(app.ws))
        assert "·" in text_of(app, "#screen-title")
