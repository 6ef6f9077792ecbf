"""The product shelf: products on sale, what is new or changed since last read; ``r`` marks one read, ``R`` all."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from csm_tui.domain.enums import ProductCategory
from csm_tui.domain.values import money
from csm_tui.i18n import label, t, wan
from csm_tui.rules.suitability import minimum_amount
from csm_tui.services.checklist import shelf
from csm_tui.services.checklist.shelf_reads import ReadState, ShelfItem
from csm_tui.services.workstation import Workstation
from screens.base import Destination
from widgets.cells import figure
from widgets.empty_note import EmptyNote
from widgets.product_words import NONE, yield_cell
from widgets.table import KeyTable

_MARKS = {ReadState.NEW: ("shelf.new", "bold green"), ReadState.CHANGED: ("shelf.changed", "bold yellow")}
NAME, KIND, FLAGS = 1, 2, 7
# The name takes the width the other columns leave (cut with … only when the terminal is too narrow for it, the whole
# name on the line under the table); the type and risk column is never cut (the risk level is what matters); the
# flags, said again in the row's detail (→), give way first.


class ShelfScreen(Destination[list[ShelfItem]]):
    TITLE_KEY = "shelf.title"
    LIVE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "read", "key.mark_read", id="shelf.read"),
        Binding("R", "read_all", "key.mark_all_read", id="shelf.read_all"),
        Binding("u", "unread_only", "key.unread_only", id="shelf.unread_only"),
        Binding("escape", "back", "key.back", id="shelf.back"),
    ]

    def __init__(self, ws: Workstation) -> None:
        super().__init__(ws)
        self.items: list[ShelfItem] = []
        self.shown: list[ShelfItem] = []
        self.unread_only = False

    def compose_body(self) -> ComposeResult:
        yield EmptyNote("shelf", "empty.shelf")
        yield KeyTable(id="shelf", stretch=NAME, whole=(KIND,), give=(FLAGS,), enter_opens_row=True)
        yield Static("", id="product", classes="summary")

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()

    def fetch(self) -> list[ShelfItem]:
        return shelf.load_shelf(self.ws)

    def show(self, data: list[ShelfItem]) -> None:
        self.items = data
        self.shown = [i for i in data if i.pending] if self.unread_only else data
        headers = [
            "", t("shelf.name"), t("shelf.category"), t("shelf.term"), t("shelf.yield"), t("shelf.minimum"),
            t("shelf.window"), t("shelf.flags"),
        ]  # fmt: skip
        rows = [self._row(i) for i in self.shown]
        self.query_one(KeyTable).show_rows(headers, rows, keys=[str(i.row.product_id) for i in self.shown])
        unread = sum(1 for i in data if i.pending)
        self.set_status(t("shelf.status", count=len(data), unread=unread))
        self._describe()

    def _row(self, item: ShelfItem) -> tuple[RenderableType, ...]:
        r = item.row
        key, style = _MARKS[item.state] if item.pending else ("", "")
        flags = " ".join(
            f for f, on in ((t("shelf.dual"), r.dual_recording), (t("shelf.cooling"), r.cooling_off_hours > 0)) if on
        )
        return (
            Text(t(key), style=style) if key else "",
            r.name,  # the whole name is also on the line under the table
            # the type's word (the asset type is on the line under the table), leaving the name the room
            label(ProductCategory(r.category)) + (f" R{r.rating}" if r.rating else ""),
            t("shelf.days", days=r.term_days) if r.term_days else NONE,
            yield_cell(r.expected_yield),
            figure(wan(minimum_amount(r, self.ws.policy))),
            r.sale_end.strftime("%m-%d") if r.sale_end else "—",
            flags,
        )

    def _current(self) -> ShelfItem | None:
        table = self.query_one(KeyTable)
        return self.shown[table.cursor_row] if 0 <= table.cursor_row < len(self.shown) else None

    def on_data_table_row_highlighted(self, _: KeyTable.RowHighlighted) -> None:
        self._describe()

    def _describe(self) -> None:
        item = self._current()
        text = ""
        if item is not None:
            r = item.row
            window = f"{r.sale_start or '—'} ~ {r.sale_end or '—'}"
            kind = label(r.asset_type or ProductCategory(r.category))  # the asset type, else the category
            asset_type = t("shelf.untyped") if r.private_placement and r.asset_type is None else kind
            text = t(
                "shelf.detail", code=r.code, name=r.name, asset_type=asset_type, window=window,
                minimum=money(minimum_amount(r, self.ws.policy)),
                cooling=r.cooling_off_hours, listed=r.listed_on or "—",
            )  # fmt: skip
        self.query_one("#product", Static).update(text)

    def action_read(self) -> None:
        item = self._current()
        if item is not None and item.state is not ReadState.READ:  # an old product never read may be read too
            self.save_in_background(lambda: shelf.mark_read(self.ws, [item.row]))

    def action_read_all(self) -> None:
        rows = [i.row for i in self.items if i.pending]
        if rows:
            self.save_in_background(lambda: shelf.mark_read(self.ws, rows))

    def action_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        self.show(self.items)
