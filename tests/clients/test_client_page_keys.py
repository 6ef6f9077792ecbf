"""The client page's keys (issue 18.4 and 18.3): at 80×24 every main key of an own client's page is in the key bar,
in either language (sell, follow-up, cancelling a sale and referring included, not only in F1); each role is shown
only the keys its services allow — another manager's client, read as the masked summary, shows the tabs and Back
alone, the lobby's and tellers' every client is one, civil capacity is a supervisor's or the admin's key and a
suspicion report a CSM's, a colleague covering the manager's leave the calls' keys alone (the services refuse the
rest to a cover, called directly too) —, and the app's destination keys are those the palette offers the role.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from textual.binding import Binding
from textual.widgets import Tabs

from csm_tui.domain.enums import AmlSign, Tier
from csm_tui.i18n import set_language, t
from csm_tui.services.clients import aml, client_detail, households, referrals
from csm_tui.services.ports import AccessDenied
from csm_tui.services.selling import attempts
from screens.client_detail import ClientDetailScreen
from tests.support.branch import csm01_away_covered, demo_workstation
from tests.support.clock import FROZEN_AT
from tests.support.pilot import (
    f1_keys,
    first_own_client,
    key_bar_text,
    make_app,
    open_client_page,
    open_own_client,
    press_settled,
    settle,
    whole_rows,
)
from tests.support.purchases import purchase
from widgets.key_bar import KeyBar
from widgets.table import KeyTable

MAIN_KEYS = {
    "right_square_bracket": "key.next_tab", "r": "key.reveal", "e": "key.edit", "l": "key.log", "o": "key.book",
    "t": "key.follow_up", "s": "key.sell", "c": "key.cancel_sale", "w": "key.refer", "escape": "key.back",
}  # fmt: skip
NOW = dt.datetime.fromisoformat(FROZEN_AT)


def _keys(screen: ClientDetailScreen) -> set[str]:
    """The page's own keys the key bar and F1 may show (those the page allows), by their ids without ``detail.``."""
    ids = (a.binding.id or "" for a in screen.active_bindings.values())
    return {i.removeprefix("detail.") for i in ids if i.startswith("detail.")}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_every_main_key_of_an_own_clients_page_is_in_the_key_bar_at_80x24(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        page = app.screen
        assert isinstance(page, ClientDetailScreen)
        purchase(demo_url, NOW - dt.timedelta(hours=2), hours=24, client_id=page.client_id)  # ``c``: it may cancel
        page.load()
        await settle(pilot)
        assert page.detail is not None
        bar = str(page.query_one(KeyBar).render())
        expected = dict(MAIN_KEYS)
        detail = page.detail
        if not referrals.wode_referable(detail.referrals, page.ws.staff.id, detail.wode_managed):  # demo's: referred
            expected.pop("w")
        missing = [
            key for key, words in expected.items() if f"{app.get_key_display(Binding(key, ''))} {t(words)}" not in bar
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
        assert {"reveal", "edit", "log"} <= actions
        assert ("refer" in actions) == (app.screen.detail.tier is Tier.WODE)  # type: ignore[attr-defined]


# What a colleague covering the manager's leave is not offered: the full ID, the record's changes, a sale and its
# cancellation, a 沃德 referral, a suspicion report (``NOT_COVERED``). The calls' keys stay: log, meeting, follow-up.
NOT_COVERED = {"reveal", "edit", "sell", "cancel_sale", "refer", "link_family", "birthday_kind", "aml_report"}
NOT_COVERED_KEYS = {"r", "e", "s", "c", "w", "h", "b", "exclamation_mark"}


async def test_a_colleague_covering_the_managers_leave_is_offered_only_the_calls_keys(demo_url: str) -> None:
    owner, colleague = csm01_away_covered(demo_url)
    bought = purchase(demo_url, NOW - dt.timedelta(hours=2), hours=24)  # what ``c`` could cancel
    client_id = bought.client_id
    for lang in ("zh_CN", "en"):
        app = make_app(demo_url, login=colleague.login, lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_client_page(pilot, client_id)
            screen = app.screen
            assert isinstance(screen, ClientDetailScreen) and screen.detail is not None and screen.detail.cooling_off
            assert not NOT_COVERED & _keys(screen) and {"log", "book", "follow_up"} <= _keys(screen)
            bar = key_bar_text(app)
            assert [k for k in ("reveal", "edit", "sell", "cancel_sale", "refer") if t(f"key.{k}") in bar] == []
            assert t("key.log") in bar and t("key.follow_up") in bar
            listed = await f1_keys(pilot)
            assert not NOT_COVERED_KEYS & listed and {"l", "o", "t"} <= listed
        set_language("zh_CN")

    covering = demo_workstation(demo_url, colleague.login)  # past the page: the services refuse each
    with covering.uow() as tx:
        client = tx.clients.get(client_id)
    refused: list[Callable[[], object]] = [
        lambda: client_detail.reveal(covering, client_id, "回访"),
        lambda: client_detail.edit(covering, client, note="改一下"),
        lambda: attempts.context(covering, client_id),
        lambda: referrals.refer_to_wode(covering, client_id, owner.staff.id or 0),
        lambda: households.set_birthday_lunar(covering, client_id, True),
        lambda: aml.file_report(covering, client_id, (AmlSign.LARGE_CASH,), "柜台分三次存入现金"),
        lambda: attempts.cancel_in_cooling_off(covering, bought.sale_id, "客户改变主意"),
    ]
    for call in refused:
        with pytest.raises(AccessDenied):
            call()


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
