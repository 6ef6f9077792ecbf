"""A data table driven like a pager: j/k, g/G, as well as the arrows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.console import RenderableType
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

MAX_WIDTH = 30  # cells: a longer value is cut; the whole of it is on the detail screens


def _width(cell: RenderableType) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))


class KeyTable(DataTable[Any]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "key.down", show=False, id="list.down"),
        Binding("k", "cursor_up", "key.up", show=False, id="list.up"),
        Binding("g", "scroll_top", "key.top", show=False, id="list.top"),
        Binding("G", "scroll_bottom", "key.bottom", show=False, id="list.bottom"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)

    def show_rows(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence[RenderableType]],
        keys: Iterable[str | None] | None = None,
    ) -> None:
        """Replace the whole table. Column widths come from the content itself, so the table looks the same however
        its rows arrive (the DataTable's own auto-width can lag a refresh behind)."""
        rows = [list(r) for r in rows]
        widths = [min(MAX_WIDTH, max([cell_len(h), *(_width(r[i]) for r in rows)])) for i, h in enumerate(headers)]
        cursor = self.cursor_row
        self.clear(columns=True)
        for header, width in zip(headers, widths, strict=True):
            self.add_column(header, width=width)
        for row, key in zip(rows, keys if keys is not None else [None] * len(rows), strict=True):
            self.add_row(*row, key=key)
        if rows:
            self.move_cursor(row=min(max(cursor, 0), len(rows) - 1))
