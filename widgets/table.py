"""A data table driven like a pager: j/k, g/G, as well as the arrows."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from widgets.bindings import translate_bindings


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
        translate_bindings(self)
