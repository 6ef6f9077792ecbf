"""The product shelf at 80 columns: the product's name gets the room (short type words, the risk level whole), so
that a name is read, not guessed from its first few characters; the columns take the terminal's width (the name the
rest), a name cut with … only for want of room; a product's type is one word on the shelf and everywhere else."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from csm_tui.domain.enums import ProductCategory
from csm_tui.i18n import label, t
from screens.shelf import ShelfScreen
from tests.support.pilot import make_app, press_settled
from widgets.product_words import kind_cell
from widgets.table import MIN_SHRUNK, KeyTable


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


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_shelf_takes_the_terminals_width_cuts_a_name_only_for_want_of_room_and_says_types_as_elsewhere(
    demo_url: str, lang: str, size: tuple[int, int]
) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=size) as pilot:
        await press_settled(pilot, "p")
        assert isinstance(app.screen, ShelfScreen)
        table = app.screen.query_one(KeyTable)
        widths = [column.width for column in table.columns.values()]
        assert sum(widths) == table._available()  # no column of spare room at the right
        names = [(row[1].plain, str(table.get_row_at(i)[1])) for i, row in enumerate(table.full)]
        cut = [(whole, shown) for whole, shown in names if shown != whole]
        assert all(shown.endswith("…") and cell_len(shown) <= widths[1] for _, shown in cut)
        if cut:  # a name is cut only when every other column is at its least (the flags given way first)
            assert widths[7] <= max(cell_len(t("shelf.flags")), MIN_SHRUNK)
        if size == (120, 40):
            assert cut == []
        for item, row in zip(app.screen.shown, table.full, strict=True):  # a type is one word, here and elsewhere
            category = ProductCategory(item.row.category)
            assert row[2].plain.split(" R")[0] == label(category) == kind_cell(category, None)
