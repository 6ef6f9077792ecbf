"""At 80×24, in either language, the client page's holdings show each product category whole (the product's name
gives way, whole one key away), and the suspicion reports' list shows each column's heading and a report's signs
whole, in short words (in full in the pane below).

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from csm_tui.domain.enums import ProductCategory
from screens.aml_reviews import AmlReviewsScreen
from screens.client_detail import COLUMNS, ClientDetailScreen
from storage.engine import make_engine
from storage.orm import ClientRow, HoldingRow, ProductRow, StaffRow
from tests.support.pilot import make_app, settle, table_rows, whole_rows
from widgets.table import ELLIPSIS, KeyTable


def _client_holding(url: str, category: ProductCategory) -> int:
    """A client of csm01's who holds a product of ``category``."""
    engine = make_engine(url)
    with engine.connect() as conn:
        query = (
            select(ClientRow.id)
            .join(StaffRow, StaffRow.id == ClientRow.manager_id)
            .join(HoldingRow, HoldingRow.client_id == ClientRow.id)
            .join(ProductRow, ProductRow.id == HoldingRow.product_id)
            .where(StaffRow.login == "csm01", ProductRow.category == category)
            .order_by(ClientRow.number)
            .limit(1)
        )
        found = conn.execute(query).scalar_one()
    engine.dispose()
    return found


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_holdings_show_each_product_category_whole_at_80x24(demo_url: str, lang: str) -> None:
    client_id = _client_holding(demo_url, ProductCategory.WEALTH)  # the longest word the demo holds
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(ClientDetailScreen(app.ws, client_id))
        await settle(pilot)
        await pilot.press("right_square_bracket")  # the assets tab
        await settle(pilot)
        table = app.screen.query_one("#holdings", KeyTable)
        column = COLUMNS["holdings"].index("category")
        shown = [str(table.get_row_at(i)[column]) for i in range(table.row_count)]
        whole = [row[column].plain for row in table.full]
        assert shown == whole and ELLIPSIS not in "".join(shown)
        assert "".join(str(c.label) for c in table.columns.values()).count(ELLIPSIS) == 0


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_suspicion_reports_list_shows_its_headings_and_a_reports_signs_whole_at_80x24(
    demo_url: str, lang: str
) -> None:
    app = make_app(demo_url, lang=lang, login="sup01")  # the outlet's reviewer
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_aml_list()
        await settle(pilot)
        assert isinstance(app.screen, AmlReviewsScreen)
        table = app.screen.query_one(KeyTable)
        assert [str(c.label) for c in table.columns.values()] == table.headers
        rows = table_rows(app)
        assert rows and rows == [[c for c in row] for row in whole_rows(app)]
