"""The client page's keys (issue 18.4 and 18.3): at 80×24 every main key of an own client's page is in the key bar,
in either language (sell, follow-up, cancelling a sale and referring included, not only in F1); each role is shown
only the keys its services allow — another manager's client, read as the masked summary, shows the tabs and Back
alone, the lobby's and tellers' every client is one, civil capacity is a supervisor's or the admin's key and a
suspicion report a CSM's —, and the app's destination keys are those the palette offers the role.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import pytest
from textual.binding import Binding
from textual.widgets import Tabs

from csm_tui.i18n import t
from screens.client_detail import ClientDetailScreen
from tests.support.pilot import first_own_client, make_app, open_own_client, press_settled, settle, whole_rows
from widgets.key_bar import KeyBar
from widgets.table import KeyTable

MAIN_KEYS = {
    "right_square_bracket": "key.next_tab", "r": "key.reveal", "e": "key.edit", "l": "key.log", "o": "key.book",
    "t": "key.follow_up", "s": "key.sell", "c": "key.cancel_sale", "w": "key.refer", "escape": "key.back",
}  # fmt: skip


def _keys(screen: ClientDetailScreen) -> set[str]:
    """The page's own keys the key bar and F1 may show (those the page allows), by their ids without ``detail.``."""
    ids = (a.binding.id or "" for a in screen.active_bindings.values())
    return {i.removeprefix("detail.") for i in ids if i.startswith("detail.")}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_every_main_key_of_an_own_clients_page_is_in_the_key_bar_at_80x24(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        bar = str(app.screen.query_one(KeyBar).render())
        missing = [
            key for key, words in MAIN_KEYS.items() if f"{app.get_key_display(Binding(key, ''))} {t(words)}" not in bar
        ]
        assert missing == [], bar


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("login", ["lobby01", "teller01", "csm02"])
async def test_a_client_read_as_the_summary_shows_only_the_tabs_and_back(demo_url: str, lang: str, login: str) -> None:
    client_id = first_own_client(demo_url).client_id  # csm01's: another manager's for each of these
    app = make_app(demo_url, lang=lang, login=login)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(ClientDetailScreen(app.ws, client_id))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.summary_only
        assert _keys(screen) == {"next_tab", "prev_tab", "back"}
        bar = str(screen.query_one(KeyBar).render())
        assert t("key.reveal") not in bar and t("key.edit") not in bar and t("key.sell") not in bar
        await pilot.press("r")
        await settle(pilot)
        assert app.screen is screen  # nothing asked, nothing refused


@pytest.mark.parametrize(
    ("login", "allowed", "refused"),
    [
        ("csm01", {"aml_report", "copy", "sell"}, {"capacity"}),
        ("sup01", {"capacity"}, {"aml_report", "copy", "sell"}),  # a supervisor reviews sales, never makes one
    ],
)
async def test_a_full_client_page_shows_each_role_the_keys_its_services_allow(
    demo_url: str, login: str, allowed: set[str], refused: set[str]
) -> None:
    client_id = first_own_client(demo_url).client_id  # csm01's own, in sup01's team
    app = make_app(demo_url, login=login)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(ClientDetailScreen(app.ws, client_id))
        await settle(pilot)
        actions = _keys(app.screen)  # type: ignore[arg-type]
        assert allowed <= actions and not refused & actions
        assert {"reveal", "edit", "log", "refer"} <= actions


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_lobby_is_shown_only_the_destination_keys_its_role_may_use(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang, login="lobby01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        home = app.screen
        bar = str(home.query_one(KeyBar).render())
        for refused in ("nav.queue", "nav.clients", "nav.suitability", "nav.scoreboard"):
            assert t(refused) not in bar
        assert f"1 {t('nav.checklist')}" in bar
        await press_settled(pilot, "5", "2")
        assert app.screen is home  # no scoreboard refusing, no empty queue


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_f1_on_the_tab_bar_lists_its_arrows_and_enter_which_goes_into_the_tabs_list(
    demo_url: str, lang: str
) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        await press_settled(pilot, "right_square_bracket", "right_square_bracket")  # the contacts
        app.screen.query_one(Tabs).focus()
        await settle(pilot)
        await press_settled(pilot, "f1")
        keys_by_words = {row[1]: row[0].split() for row in whole_rows(app)}  # [ and ← in one row
        for key, words in {"enter": "key.into_tab", "right": "key.next_tab", "left": "key.prev_tab"}.items():
            assert app.get_key_display(Binding(key, "")) in keys_by_words.get(t(words), []), key
        await press_settled(pilot, "escape", "enter")
        assert app.screen.focused is app.screen.query_one("#timeline", KeyTable)
        await press_settled(pilot, "f1")  # the list's own Enter now: the row whole
        said = {row[0]: row[1] for row in whole_rows(app)}
        assert said.get(app.get_key_display(Binding("enter", ""))) == t("enter.row")
