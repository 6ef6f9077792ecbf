"""The checklist, agenda, product shelf and team view driven headless on the demo branch, clock frozen."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from csm_tui.i18n import catalog
from csm_tui.services.checklist import shelf
from screens.agenda import AgendaScreen
from screens.checklist import ChecklistScreen
from screens.clients import ClientsScreen
from screens.dialogs import DaySummaryDialog
from screens.shelf import ShelfScreen
from screens.team_checklist import TeamChecklistScreen
from tests.support.pilot import make_app, notices, settle, table_rows
from widgets.table import KeyTable

SnapCompare = Callable[..., bool]


def _rows(app: object) -> dict[str, list[str]]:
    """The checklist's rows by item text: [phase, mark, text, figure, note]."""
    return {row[2]: row for row in table_rows(app)}  # type: ignore[arg-type]


def _item(code: str) -> str:
    return catalog("zh_CN")[f"checklist.items.{code}"]


async def _to_row(pilot: Pilot[None], code: str) -> None:
    table = pilot.app.screen.query_one(KeyTable)
    keys = [str(k.value) for k in table.rows]
    table.move_cursor(row=keys.index(code))
    await pilot.pause()


async def test_a_manual_tick_and_note_are_saved_at_once_and_survive_a_restart(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert _rows(app)[_item("appearance")][1] == "·"
        await _to_row(pilot, "appearance")
        await pilot.press("space")
        await settle(pilot)
        assert _rows(app)[_item("appearance")][1] == "✓"
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"ok", "enter")
        await settle(pilot)
        assert _rows(app)[_item("appearance")][4] == "ok"
    again = make_app(demo_url)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        row = _rows(again)[_item("appearance")]
        assert (row[1], row[4]) == ("✓", "ok")


async def test_an_automatic_item_cannot_be_ticked_by_hand(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _to_row(pilot, "calls")
        before = _rows(app)[_item("calls")]
        await pilot.press("space")
        await settle(pilot)
        assert _rows(app)[_item("calls")] == before
        assert any(catalog("zh_CN")["checklist.automatic"] in m for m in notices(app))


async def test_automatic_items_refresh_when_this_workstation_commits_without_reloading_by_hand(
    demo_url: str,
) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        done, total = (int(x) for x in _rows(app)[_item("new_products")][3].split(" / "))
        assert total > done
        pending = [i.row for i in await asyncio.to_thread(shelf.load_shelf, app.ws) if i.pending]
        await asyncio.to_thread(shelf.mark_read, app.ws, pending[:1])  # a write elsewhere in the workstation
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        assert _rows(app)[_item("new_products")][3] == f"{done + 1} / {total}"


async def test_enter_goes_where_each_item_gets_done(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for code, screen in (
            ("new_products", ShelfScreen),
            ("meetings_today", AgendaScreen),
            ("tomorrow_confirmed", AgendaScreen),
            ("maturities", ClientsScreen),
        ):
            await _to_row(pilot, code)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, screen), code
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, ChecklistScreen)
        await _to_row(pilot, "calls")
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "queue"


async def test_tomorrows_agenda_is_the_next_working_day(demo_url: str) -> None:
    app = make_app(demo_url)  # Friday 2026-11-27
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _to_row(pilot, "tomorrow_confirmed")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
        assert str(app.screen.day) == "2026-11-30"


async def test_the_product_shelf_marks_read_and_the_checklist_follows(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        marked = [row for row in table_rows(app) if row[0]]
        assert marked, "the demo lists new products"
        await pilot.press("R")
        await settle(pilot)
        assert not [row for row in table_rows(app) if row[0]]
        await pilot.press("escape")
        await settle(pilot)
        done, total = _rows(app)[_item("new_products")][3].split(" / ")
        assert done == total and _rows(app)[_item("new_products")][1] == "✓"


async def test_the_agenda_confirms_a_meeting_and_the_checklist_counts_it(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = _rows(app)[_item("tomorrow_confirmed")][3]
        await _to_row(pilot, "tomorrow_confirmed")
        await pilot.press("enter")
        await settle(pilot)
        states = [row[5] for row in table_rows(app)]
        booked = catalog("zh_CN")["appointment_status.booked"]
        assert booked in states
        app.screen.query_one(KeyTable).move_cursor(row=states.index(booked))
        await pilot.press("c")
        await settle(pilot)
        assert table_rows(app)[states.index(booked)][5] == catalog("zh_CN")["appointment_status.confirmed"]
        await pilot.press("escape")
        await settle(pilot)
        done, total = before.split(" / ")
        assert _rows(app)[_item("tomorrow_confirmed")][3] == f"{int(done) + 1} / {total}"


async def test_the_day_summary_is_saved_with_the_days_figures(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, DaySummaryDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DaySummaryDialog)  # an empty summary is refused, the dialog stays
        await pilot.press(*"good day")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        assert "good day" in str(app.screen.query_one("#summary").render())
        assert _rows(app)[_item("summary")][1] == "✓"


async def test_earlier_days_are_read_only_and_browsable(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        title = str(app.screen.query_one("#screen-title").render())
        assert "2026-11-26" in title and catalog("zh_CN")["checklist.read_only"] in title
        await _to_row(pilot, "appearance")
        await pilot.press("space")
        await settle(pilot)
        assert _rows(app)[_item("appearance")][1] == "·"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "2026-11-27" in str(app.screen.query_one("#screen-title").render())


async def test_a_supervisor_sees_the_team_and_opens_a_list_read_only(demo_url: str) -> None:
    app = make_app(demo_url, login="sup01")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, TeamChecklistScreen)
        team = {row[0] for row in table_rows(app)}
        assert team and app.ws.staff.name not in team
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        assert not app.screen.own
        assert catalog("zh_CN")["checklist.read_only"] in str(app.screen.query_one("#screen-title").render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TeamChecklistScreen)


async def test_a_csm_has_no_team_view(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)


def _keys(*keys: str, login_wait: bool = True) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


SNAPSHOTS = [
    ("agenda", "csm01", ("a",)),
    ("shelf", "csm01", ("p",)),
    ("summary", "csm01", ("s",)),
    ("team", "sup01", ()),  # a supervisor's home
    ("past_day", "csm01", ("left_square_bracket",)),
    ("data_state", "admin", ()),  # the admin's home
    ("lobby_home", "lobby01", ("n",)),  # the lobby's home, the walk-in search focused
]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(("name", "login", "keys"), SNAPSHOTS, ids=[s[0] for s in SNAPSHOTS])
def test_snapshot_at_80x24(
    demo_url: str, snap_compare: SnapCompare, name: str, login: str, keys: tuple[str, ...], lang: str
) -> None:
    app = make_app(demo_url, lang=lang, login=login)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(*keys))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(("name", "login", "keys"), SNAPSHOTS, ids=[s[0] for s in SNAPSHOTS])
def test_snapshot_at_120x40(
    demo_url: str, snap_compare: SnapCompare, name: str, login: str, keys: tuple[str, ...], lang: str
) -> None:
    app = make_app(demo_url, lang=lang, login=login)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_keys(*keys))
