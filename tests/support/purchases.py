"""A purchase on the demo branch: a wealth product sold to the first of csm01's clients, and its holding."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import ProductCategory
from csm_tui.domain.models import NewHolding, NewSale
from storage.engine import make_engine
from storage.orm import ClientRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.clock import FROZEN_AT
from tests.support.pilot import first_own_client

AMOUNT = Decimal("300000.00")


@dataclass(frozen=True)
class Purchase:
    client_id: int
    sale_id: int
    product: str  # its name


def purchase(
    url: str | Engine, sold_at: dt.datetime, hours: int, client_id: int | None = None, amount: Decimal = AMOUNT
) -> Purchase:
    """A wealth product sold at ``sold_at`` by their manager to ``client_id`` (by default the first of csm01's
    clients on the demo branch at ``url``), with ``hours`` of cooling-off, and its holding."""
    engine = make_engine(url) if isinstance(url, str) else url
    with SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))(write=True) as tx:
        if client_id is None:
            assert isinstance(url, str)
            client_id = first_own_client(url).client_id
        client = tx.session.get_one(ClientRow, client_id)
        assert client.manager_id is not None
        product = next(p for p in tx.products.on_sale(sold_at.date()) if p.category is ProductCategory.WEALTH)
        sale = tx.sales.add(
            NewSale(
                client_id=client.id, staff_id=client.manager_id, outlet_id=client.outlet_id or 1,
                product_id=product.id, amount=amount, sold_at=sold_at,
                cooling_off_until=sold_at + dt.timedelta(hours=hours),
            )
        )  # fmt: skip
        tx.holdings.add(
            NewHolding(
                client_id=client.id, product_id=product.id, amount=amount, start_date=sold_at.date(), sale_id=sale.id
            )
        )
        tx.commit()
    if isinstance(url, str):
        engine.dispose()
    return Purchase(client.id, sale.id, product.name)
