"""The product shelf at 80 columns: the product's name gets the room (short type words, the risk level whole), so
that a name is read, not guessed from its first few characters."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from screens.shelf import ShelfScreen
from tests.support.pilot import make_app, press_settled
from widgets.table import KeyTable


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_shelf_gives_the_product_name_the_widest_column_at_80x24(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "p")
        assert isinstance(app.screen, ShelfScreen)
        table = app.screen.query_one(KeyTable)
        widths = [column.width for column in table.columns.values()]
        name, kind = widths[1], widths[2]
        assert name >= 11 and name >= kind, widths  # at least five Chinese characters and a …
        rows = [table.get_row_at(i) for i in range(len(table.full))]
        assert all("…" not in str(row[2]) for row in rows)  # the type and risk level whole
        assert max(cell_len(str(row[1])) for row in rows) >= 11
