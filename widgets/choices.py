"""Items on a line in a dialog ("1 Savings  2 Fund …", the leave recorded), packed at the widget's width: an item
that does not fit on the line starts the next one, so a number is never parted from its label. Textual breaks text
at any space (a no-break space too), hence the packing here rather than in the words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

GAP = "  "


def numbered(labels: Iterable[str]) -> list[str]:
    """Each label with its number, from 1: what is typed to choose it."""
    return [f"{n} {text}" for n, text in enumerate(labels, start=1)]


def packed(items: Sequence[str], width: int) -> list[str]:
    """The items in lines of at most ``width`` cells, two spaces apart, each item whole on one line (an item wider
    than a line has a line of its own)."""
    lines: list[str] = []
    for item in items:
        if lines and cell_len(lines[-1]) + cell_len(GAP) + cell_len(item) <= width:
            lines[-1] += GAP + item
        else:
            lines.append(item)
    return lines


class Items(Widget):
    """Items packed in lines at this widget's width (see ``packed``); ``show`` replaces them."""

    DEFAULT_CSS = "Items { height: auto; }"

    def __init__(self, items: Iterable[str] = (), *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self.items = list(items)

    def show(self, items: Iterable[str]) -> None:
        self.items = list(items)
        self.refresh(layout=True)

    def text(self, width: int) -> str:
        return "\n".join(packed(self.items, width))

    def render(self) -> Content:
        return Content(self.text(self.size.width))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return cell_len(GAP.join(self.items))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return Content(self.text(width)).get_height(self.styles, width)  # a line wider than ``width`` wraps
