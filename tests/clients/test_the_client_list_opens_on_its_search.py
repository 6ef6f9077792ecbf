"""Arriving on the client list (``3``), typing searches at once: the search has the focus; Enter opens the
highlighted result (the first, as on F3), ↓ moves into the list, Escape leaves the search for the list."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from csm_tui.services.rows import ClientFocus
from screens.client_detail import ClientDetailScreen
from screens.clients import ClientsScreen
from tests.support.pilot import key_bar_text, make_app, press_settled, table_rows
from widgets.table import KeyTable


def _key_of_row(app: object, row: int) -> int:
    table = app.screen.query_one(KeyTable)  # type: ignore[attr-defined]
    return int(table.coordinate_to_cell_key((row, 0)).row_key.value)


async def test_typing_on_arrival_filters_and_enter_opens_the_first_result(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3")
        assert isinstance(app.screen, ClientsScreen)
        assert isinstance(app.focused, Input) and app.focused.id == "client-search"
        number = table_rows(app)[1][0]  # the second client of the list, found by its client number
        wanted = _key_of_row(app, 1)
        await press_settled(pilot, *number)
        assert [row[0] for row in table_rows(app)] == [number]
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, ClientDetailScreen) and app.screen.client_id == wanted


async def test_down_from_the_search_moves_into_the_list_and_enter_there_opens_its_row(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3", "down")
        assert isinstance(app.focused, KeyTable)
        second = _key_of_row(app, 1)
        await press_settled(pilot, "j", "enter")
        assert isinstance(app.screen, ClientDetailScreen) and app.screen.client_id == second


async def test_escape_leaves_the_search_for_the_list_where_the_screens_keys_work(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3", "escape")
        assert isinstance(app.focused, KeyTable)
        await press_settled(pilot, "slash", "slash")
        assert isinstance(app.focused, Input) and app.focused.value == ""  # ``/`` goes to the search, never into it
        await press_settled(pilot, "escape", "1")
        assert not isinstance(app.screen, ClientsScreen)


async def test_the_client_lists_key_on_a_client_page_goes_back_to_its_search(demo_url: str) -> None:
    """``3`` on a client opened from the list: back to the list's search, so the next client's number typed is
    searched anew, not taken for destination keys."""
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3", "l", "enter")
        assert isinstance(app.screen, ClientDetailScreen)
        await press_settled(pilot, "3")
        assert isinstance(app.screen, ClientsScreen)
        assert isinstance(app.focused, Input) and app.focused.id == "client-search"
        await press_settled(pilot, "5", "8")
        assert isinstance(app.screen, ClientsScreen) and app.focused.value == "58"  # a search of its own


async def test_the_key_bar_offers_the_search_key_from_the_list_and_the_way_into_the_list_from_the_search(
    demo_url: str,
) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3")
        in_search = key_bar_text(app)
        await press_settled(pilot, "escape")
        in_list = key_bar_text(app)
    assert "↓ 进入列表" in in_search and "/ " not in in_search
    assert "/ 搜索" in in_list and "进入列表" not in in_list


@pytest.mark.parametrize("keys", ["/,f2", "f2"])
async def test_a_keymap_moving_the_search_key_moves_what_it_does_in_the_search_too(demo_url: str, keys: str) -> None:
    """Whichever key a keymap gives the search, in the search that key is taken, never typed into it."""
    app = make_app(demo_url, keymap={"clients.search": keys})
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3", "5", "slash" if "/" in keys else "f2", "8")
        assert isinstance(app.focused, Input) and app.focused.value == "58"
        await press_settled(pilot, "escape", "f2")
        assert isinstance(app.focused, Input)


async def test_a_list_the_checklist_opens_has_no_search_and_offers_no_search_key(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3")
        clients = app.screen
        assert isinstance(clients, ClientsScreen)
        app.push_screen(ClientsScreen(clients.ws, ClientFocus.MATURING_UNREACHED))
        await press_settled(pilot)
        assert not app.screen.query(Input)
        assert "/ " not in key_bar_text(app)
        await press_settled(pilot, "slash")
        assert isinstance(app.screen, ClientsScreen) and isinstance(app.focused, KeyTable)
