"""No column of the suitability wizard is ever blank, in either language (issue 18.1): a product without a term or
an expected yield (a fund, gold, insurance) says ``—`` in its cells, like the shelf; every header has its word.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import pytest

from tests.support.pilot import make_app
from tests.support.wizard import to_products
from widgets.table import KeyTable


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_every_column_of_the_wizards_tables_says_something_in_every_row(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await to_products(pilot)
        for table in wizard.query(KeyTable):
            assert table.full, table.id  # the client found, the products on sale
            assert all(h.strip() for h in table.headers), (table.id, table.headers)
            for row in table.full:
                blank = [h for h, cell in zip(table.headers, row, strict=True) if not cell.plain.strip()]
                assert blank == [], (table.id, [c.plain for c in row])
            shown = [str(cell) for i in range(table.row_count) for cell in table.get_row_at(i)]
            assert all(cell.strip() for cell in shown), table.id
        products = wizard.query_one("#products", KeyTable)
        yields = {row[5].plain for row in products.full}  # the expected yield: deposits and wealth products have one
        assert "—" in yields and len(yields) > 1
