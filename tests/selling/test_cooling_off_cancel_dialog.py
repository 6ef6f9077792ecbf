"""Cancelling a purchase in its cooling-off period from the client page (``c``, issue 18.6): ``c`` is offered only on
a client with a purchase still in cooling-off, which the assets tab marks with until when; it takes that purchase
wherever the cursor is when it is the only one, and of several the one under the cursor; the dialog names the sale
(product, amount, when bought, until when it may be cancelled) before it asks why; a sale whose cooling-off period
ended since the page was read is refused at once, with no reason asked; the cancel itself takes the sale back.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai) at 80×24, in both languages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input, Static, TabbedContent

from csm_tui.app import CsmApp
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import HoldingStatus
from csm_tui.domain.values import money
from csm_tui.i18n import catalog, label
from screens.client_detail import ClientDetailScreen
from screens.dialogs import TextDialog
from screens.suitability_wizard import SuitabilityWizard
from storage.engine import make_engine
from storage.orm import HoldingRow, SaleRow
from tests.support.clock import FROZEN_AT
from tests.support.pilot import first_own_client, key_bar_text, make_app, notices, settle
from tests.support.purchases import AMOUNT, Purchase, purchase
from widgets.table import KeyTable

NOW = dt.datetime.fromisoformat(FROZEN_AT)
MILLION = Decimal("1000000.00")


async def _open_assets(pilot: Pilot[None], client_id: int) -> ClientDetailScreen:
    app = pilot.app
    assert isinstance(app, CsmApp)
    await settle(pilot)
    screen = ClientDetailScreen(app.ws, client_id)
    await app.push_screen(screen)
    await settle(pilot)
    screen.query_one(TabbedContent).active = "assets"
    await settle(pilot)
    return screen


def _row(screen: ClientDetailScreen, sale_id: int) -> int:
    detail = screen.detail
    assert detail is not None
    return next(i for i, (holding, _) in enumerate(detail.holdings) if holding.sale_id == sale_id)


def _status(screen: ClientDetailScreen, sale_id: int) -> str:
    return screen.query_one("#holdings", KeyTable).full[_row(screen, sale_id)][-1].plain


async def _press_cancel_on_the_sale(pilot: Pilot[None], bought: Purchase) -> ClientDetailScreen:
    screen = await _open_assets(pilot, bought.client_id)
    screen.query_one("#holdings", KeyTable).move_cursor(row=_row(screen, bought.sale_id))
    await pilot.press("c")
    await settle(pilot)
    return screen


def _cancelled(url: str, sale_id: int) -> bool:
    engine = make_engine(url)
    with engine.connect() as conn:
        at = conn.execute(select(SaleRow.cancelled_at).where(SaleRow.id == sale_id)).scalar_one()
    engine.dispose()
    return at is not None


def _asks_to_cancel(app: CsmApp, bought: Purchase, lang: str = "en") -> bool:
    """The cancel dialog is open, naming ``bought`` (at 08:00 today, with 24 hours of cooling-off)."""
    dialog = app.screen
    shown = " ".join(str(s.content) for s in dialog.query(Static))
    named = catalog(lang)["detail.cancel_sale_named"].format(
        product=bought.product, amount=money(AMOUNT), sold="2026-11-27 08:00", until="11-28 08:00"
    )
    return isinstance(dialog, TextDialog) and named in shown


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_cancel_dialog_names_the_sale_before_asking_why_and_the_cancel_takes_it_back(
    demo_url: str, lang: str
) -> None:
    bought = purchase(demo_url, NOW - dt.timedelta(hours=2), hours=24)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await _press_cancel_on_the_sale(pilot, bought)
        assert _asks_to_cancel(app, bought, lang)
        app.screen.query_one("#reason", Input).value = "客户改变主意"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, TextDialog)
    assert _cancelled(demo_url, bought.sale_id)
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        status = conn.execute(select(HoldingRow.status).where(HoldingRow.sale_id == bought.sale_id)).scalar_one()
    engine.dispose()
    assert status == HoldingStatus.CANCELLED.value


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_assets_tab_says_what_the_client_may_still_cancel_until_when_and_c_is_offered(
    demo_url: str, lang: str
) -> None:
    """At 80×24, a private placement of ¥1,000,000 (the least one may buy) beside the client's other holdings: its
    status says it is in cooling-off, uncut, the table within the screen; the line above names it and its end."""
    bought = purchase(demo_url, NOW - dt.timedelta(hours=2), hours=24, amount=MILLION)
    words = catalog(lang)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_assets(pilot, bought.client_id)
        table = screen.query_one("#holdings", KeyTable)
        assert _status(screen, bought.sale_id) == words["detail.in_cooling_off"]
        assert table.get_row_at(_row(screen, bought.sale_id))[-1].plain == words["detail.in_cooling_off"]
        assert table.virtual_size.width <= table.size.width
        line = words["detail.cooling_off_line"].format(
            product=bought.product, amount=money(MILLION), until="11-28 08:00"
        )
        assert line in str(screen.query_one("#tier", Static).render())
        assert words["key.cancel_sale"] in key_bar_text(app)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_several_purchases_in_cooling_off_are_each_in_sight_and_counted_above(demo_url: str, lang: str) -> None:
    """Three purchases in cooling-off beside the client's other holdings, at 80×24: the table shows every row (the
    paragraph above takes one line for them all: how many, and the first end), each marked."""
    bought = [purchase(demo_url, NOW - dt.timedelta(hours=hours), hours=24, amount=MILLION * 10) for hours in (3, 2, 1)]
    words = catalog(lang)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_assets(pilot, bought[0].client_id)
        table = screen.query_one("#holdings", KeyTable)
        assert table.size.height >= table.row_count + 1 and table.virtual_size.width <= table.size.width
        assert [_status(screen, b.sale_id) for b in bought] == [words["detail.in_cooling_off"]] * 3
        line = words["detail.cooling_off_several"].format(count=3, until="11-28 07:00")
        assert line in str(screen.query_one("#tier", Static).render()).replace("\n", "")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_c_is_not_offered_on_a_client_with_no_purchase_still_in_cooling_off(demo_url: str, lang: str) -> None:
    ended = purchase(demo_url, NOW - dt.timedelta(hours=30), hours=24)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_assets(pilot, ended.client_id)
        assert _status(screen, ended.sale_id) == label(HoldingStatus.ACTIVE)
        assert catalog(lang)["key.cancel_sale"] not in key_bar_text(app)
        told = len(notices(app))
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is screen and len(notices(app)) == told  # nothing asked, nothing refused
    assert not _cancelled(demo_url, ended.sale_id)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_sale_whose_cooling_off_ended_since_the_page_was_read_is_refused_at_once_without_asking_a_reason(
    demo_url: str, lang: str
) -> None:
    bought = purchase(demo_url, NOW - dt.timedelta(hours=23, minutes=30), hours=24)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_assets(pilot, bought.client_id)
        screen.query_one("#holdings", KeyTable).move_cursor(row=_row(screen, bought.sale_id))
        clock = app.ws.time.clock
        assert isinstance(clock, FrozenClock)
        clock.advance(dt.timedelta(hours=1))  # the CSM came back to the page after its end
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is screen  # no dialog, no reason asked
        assert catalog(lang)["error.not_in_cooling_off"] in notices(app)
    assert not _cancelled(demo_url, bought.sale_id)


async def test_c_takes_the_only_purchase_in_cooling_off_wherever_the_cursor_is(demo_url: str) -> None:
    ended = purchase(demo_url, NOW - dt.timedelta(hours=30), hours=24)
    bought = purchase(demo_url, NOW - dt.timedelta(hours=2), hours=24)
    app = make_app(demo_url, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_assets(pilot, bought.client_id)
        table = screen.query_one("#holdings", KeyTable)
        table.move_cursor(row=_row(screen, ended.sale_id))
        await pilot.press("c")
        await settle(pilot)
        assert _asks_to_cancel(app, bought)
        assert table.cursor_row == _row(screen, bought.sale_id)  # the CSM sees which one


async def test_of_several_purchases_in_cooling_off_c_takes_the_one_chosen_under_the_cursor(demo_url: str) -> None:
    """From another tab the cursor was not in sight: ``c`` shows the assets and asks for one; on a holding not in
    cooling-off it asks too (the cursor put on the first that is); on one in sight, it takes it."""
    ended = purchase(demo_url, NOW - dt.timedelta(hours=30), hours=24)
    first = purchase(demo_url, NOW - dt.timedelta(hours=3), hours=24)
    second = purchase(demo_url, NOW - dt.timedelta(hours=2), hours=24)
    app = make_app(demo_url, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = ClientDetailScreen(app.ws, first.client_id)
        await app.push_screen(screen)
        await settle(pilot)
        table = screen.query_one("#holdings", KeyTable)
        table.move_cursor(row=_row(screen, first.sale_id))
        await pilot.press("c")  # on the overview
        await settle(pilot)
        assert app.screen is screen and screen.query_one(TabbedContent).active == "assets"
        assert notices(app)[-1] == catalog("en")["detail.no_sale"]
        table.move_cursor(row=_row(screen, ended.sale_id))
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is screen and len(notices(app)) == 2
        assert table.cursor_row in (_row(screen, first.sale_id), _row(screen, second.sale_id))
        table.move_cursor(row=_row(screen, second.sale_id))
        await pilot.press("c")
        await settle(pilot)
        assert _asks_to_cancel(app, second)
    assert not _cancelled(demo_url, first.sale_id) and not _cancelled(demo_url, second.sale_id)


async def test_a_sale_made_from_the_page_shows_there_when_the_wizard_closes(demo_url: str) -> None:
    """``s`` sells in the wizard; back on the page, the purchase is in its assets and ``c`` is offered."""
    app = make_app(demo_url, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        page = await _open_assets(pilot, first_own_client(demo_url).client_id)
        assert catalog("en")["key.cancel_sale"] not in key_bar_text(app)
        await pilot.press("s")
        await settle(pilot)
        wizard = app.screen
        assert isinstance(wizard, SuitabilityWizard)
        bought = purchase(demo_url, NOW, hours=24)  # what the wizard records
        wizard.dismiss(None)
        await settle(pilot)
        assert app.screen is page and _status(page, bought.sale_id) == catalog("en")["detail.in_cooling_off"]
        assert catalog("en")["key.cancel_sale"] in key_bar_text(app)
