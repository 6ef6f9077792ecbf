"""Cancelling a purchase in its cooling-off period from the client page (``c`` on a holding, issue 18.6): the dialog
names the sale (product, amount, when bought, until when it may be cancelled) before it asks why; a sale whose
cooling-off period is over is refused at once, with no reason asked; the cancel itself takes the sale back.

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
from csm_tui.domain.enums import HoldingStatus, ProductCategory
from csm_tui.domain.models import NewHolding, NewSale
from csm_tui.domain.values import money
from csm_tui.i18n import catalog
from screens.client_detail import ClientDetailScreen
from screens.dialogs import TextDialog
from storage.engine import make_engine
from storage.orm import HoldingRow, SaleRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.clock import FROZEN_AT
from tests.support.pilot import first_own_client, make_app, notices, settle
from widgets.table import KeyTable

NOW = dt.datetime.fromisoformat(FROZEN_AT)
AMOUNT = Decimal("300000.00")


def _sale(url: str, sold_at: dt.datetime, hours: int) -> tuple[int, int, str]:
    """A wealth product sold to a client of csm01's at ``sold_at`` with ``hours`` of cooling-off, and its holding:
    (client id, sale id, product name)."""
    own = first_own_client(url)
    client_id, csm, outlet_id = own.client_id, own.staff_id, own.outlet_id
    engine = make_engine(url)
    with SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))(write=True) as tx:
        product = next(p for p in tx.products.on_sale(sold_at.date()) if p.category is ProductCategory.WEALTH)
        assert product.id is not None
        sale = tx.sales.add(
            NewSale(
                client_id=client_id, staff_id=csm, outlet_id=outlet_id or 1, product_id=product.id, amount=AMOUNT,
                sold_at=sold_at, cooling_off_until=sold_at + dt.timedelta(hours=hours),
            )
        )  # fmt: skip
        tx.holdings.add(
            NewHolding(
                client_id=client_id, product_id=product.id, amount=AMOUNT, start_date=sold_at.date(), sale_id=sale.id
            )
        )
        tx.commit()
    engine.dispose()
    return client_id, sale.id, product.name


async def _press_cancel_on_the_sale(pilot: Pilot[None], client_id: int, sale_id: int) -> ClientDetailScreen:
    app = pilot.app
    assert isinstance(app, CsmApp)
    await settle(pilot)
    screen = ClientDetailScreen(app.ws, client_id)
    await app.push_screen(screen)
    await settle(pilot)
    screen.query_one(TabbedContent).active = "assets"
    await settle(pilot)
    detail = screen.detail
    assert detail is not None
    row = next(i for i, (holding, _) in enumerate(detail.holdings) if holding.sale_id == sale_id)
    screen.query_one("#holdings", KeyTable).move_cursor(row=row)
    await pilot.press("c")
    await settle(pilot)
    return screen


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_cancel_dialog_names_the_sale_before_asking_why_and_the_cancel_takes_it_back(
    demo_url: str, lang: str
) -> None:
    words = catalog(lang)
    sold_at = NOW - dt.timedelta(hours=2)
    client_id, sale_id, product = _sale(demo_url, sold_at, hours=24)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await _press_cancel_on_the_sale(pilot, client_id, sale_id)
        dialog = app.screen
        assert isinstance(dialog, TextDialog)
        named = words["detail.cancel_sale_named"].format(
            product=product, amount=money(AMOUNT), sold="2026-11-27 08:00", until="11-28 08:00"
        )
        assert named in " ".join(str(s.content) for s in dialog.query(Static))
        dialog.query_one("#reason", Input).value = "客户改变主意"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, TextDialog)
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        assert conn.execute(select(SaleRow.cancelled_at).where(SaleRow.id == sale_id)).scalar_one() is not None
        status = conn.execute(select(HoldingRow.status).where(HoldingRow.sale_id == sale_id)).scalar_one()
    engine.dispose()
    assert status == HoldingStatus.CANCELLED.value


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_sale_past_its_cooling_off_is_refused_at_once_without_asking_a_reason(demo_url: str, lang: str) -> None:
    client_id, sale_id, _ = _sale(demo_url, NOW - dt.timedelta(hours=30), hours=24)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _press_cancel_on_the_sale(pilot, client_id, sale_id)
        assert app.screen is screen  # no dialog, no reason asked
        assert catalog(lang)["error.not_in_cooling_off"] in notices(app)
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        assert conn.execute(select(SaleRow.cancelled_at).where(SaleRow.id == sale_id)).scalar_one() is None
    engine.dispose()
