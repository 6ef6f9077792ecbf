"""Text whose no-break spaces hold at any width: numbered choices in a dialog ("1 Savings  2 Fund …"), an event's
figures ("featured products sold 0, total 0.00 yuan"). Textual breaks a line at any space, a no-break space too
(``str.isspace``), so ``BoundText`` lays the lines out itself: it breaks only at plain and ideographic spaces, a group
bound by no-break spaces moves whole to the next line, and is shown with plain spaces."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

NBSP = "\u00a0"
GAP = "  "  # between two items of a list
_BREAKS = " \u3000"  # where a line may break: a plain space, an ideographic one (Chinese)
_WORD = re.compile(f"[^{_BREAKS}]+[{_BREAKS}]*|[{_BREAKS}]+")


def together(items: Iterable[str]) -> str:
    """Items on a line, two spaces apart, each held whole (its own spaces made no-break)."""
    return GAP.join(item.replace(" ", NBSP) for item in items)


def numbered(labels: Iterable[str]) -> str:
    """Each label with its number from 1 (what is typed to choose it), each held whole."""
    return together(f"{n} {text}" for n, text in enumerate(labels, start=1))


def packed(text: str, width: int) -> list[str]:
    """``text``'s lines broken at plain or ideographic spaces to at most ``width`` cells, no-break spaces kept (a group
    wider than a line has a line of its own)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in _WORD.findall(paragraph):
            if line.strip(_BREAKS) and cell_len(line) + cell_len(word.rstrip(_BREAKS)) > width:
                lines.append(line.rstrip(_BREAKS))
                line = word.lstrip(_BREAKS)
            else:
                line += word
        lines.append(line.rstrip(_BREAKS))
    return lines


class BoundText(Widget):
    """Text laid out by ``packed`` at this widget's width, no-break spaces shown as spaces; ``update`` replaces it."""

    DEFAULT_CSS = "BoundText { height: auto; }"

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = text

    def update(self, text: str) -> None:
        self.text = text
        self.refresh(layout=True)

    def lines(self, width: int) -> str:
        return "\n".join(packed(self.text, width)).replace(NBSP, " ")

    def render(self) -> Content:
        return Content(self.lines(self.size.width))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((cell_len(line) for line in self.text.split("\n")), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        lines = self.lines(width).split("\n")
        return sum(max(1, -(-cell_len(line) // max(width, 1))) for line in lines)  # a group wider folds
