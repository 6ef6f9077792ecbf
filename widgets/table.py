"""A data table driven like a pager (j/k, g/G as well as the arrows) that fits the terminal's width.

Columns take the width their content needs; when the terminal is too narrow, the widest columns give way first and
a value that no longer fits ends in ``…``, measured in terminal cells (a Chinese character is two) and never cut
inside a number. One column may stretch to take what is left. The whole row is always one key away: Enter (where
the screen has nothing else for it: ``enter_opens_row``) or → opens it in a detail pane (``RowDetail``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from widgets.row_detail import RowDetail

MIN_SHRUNK = 6  # cells: a column is not squeezed below this (nor below its header), so it still says something
ELLIPSIS = "…"
# What belongs to a figure: a cut inside a run of these would show another number (``225,000.`` of ``225,000.00``).
_FIGURE = re.compile(r"[0-9¥$%,.:/+\-]+$")
_FIGURE_CHAR = re.compile(r"[0-9¥$%,.:/+\-]")


def as_text(cell: RenderableType) -> Text:
    """A cell as rich Text; a string is taken as it is (never as markup: a note may hold ``[``)."""
    if isinstance(cell, Text):
        return cell
    return Text(str(cell))


def clip(text: Text, width: int) -> Text:
    """``text`` in at most ``width`` terminal cells: whole if it fits, else cut with ``…`` (a cut inside a figure goes
    back to the figure's start, so no partial number is ever shown)."""
    if text.cell_len <= width:
        return text
    if width <= 0:
        return Text("")
    plain = text.plain
    kept = set_cell_size(plain, width - 1).rstrip("\0")
    # set_cell_size pads a split double-width character with a space: drop it
    while kept and cell_len(kept) > width - 1:
        kept = kept[:-1]
    kept = kept.rstrip(" ")
    n = len(kept)
    if n < len(plain) and n and _FIGURE_CHAR.match(plain[n]) and _FIGURE_CHAR.match(kept[-1]):
        kept = _FIGURE.sub("", kept).rstrip(" ")
    out = text[: len(kept)]
    out.append(ELLIPSIS)
    out.justify = text.justify
    return out


_HIDDEN = re.compile(r"\*{2,}")  # a masked number's hidden digits


def _cells_from_start(plain: str, width: int) -> int:
    """How many characters of ``plain`` fill at most ``width`` terminal cells from its start."""
    used = 0
    for n, char in enumerate(plain):
        used += cell_len(char)
        if used > width:
            return n
    return len(plain)


def clip_middle(text: Text, width: int) -> Text:
    """``text`` in at most ``width`` terminal cells, cut in the middle with ``…`` so that its start and end stay (a
    masked ID's area code and last four, a file's folder and name). A masked number loses its hidden digits first
    (``310106…1234``); otherwise the end keeps half the cells."""
    if text.cell_len <= width:
        return text
    if width <= 2:
        return clip(text, width)
    plain = text.plain
    hidden = _HIDDEN.search(plain)
    drop = text.cell_len - width + 1  # cells to remove, the … put in their place
    if hidden and drop <= len(hidden.group()):
        start, end = hidden.end() - drop, hidden.end()
    else:
        tail = (width - 1) // 2
        start = _cells_from_start(plain, width - 1 - tail)
        end = len(plain) - _cells_from_start(plain[::-1], tail)
    out = text[:start]
    out.append(ELLIPSIS)
    out.append_text(text[end:])
    out.justify = text.justify
    return out


def fit_widths(natural: Sequence[int], floors: Sequence[int], available: int, stretch: int | None = None) -> list[int]:
    """Column widths that fit ``available`` cells: the widest columns shrink first, none below its floor; the
    ``stretch`` column takes what is left over."""
    widths = list(natural)
    excess = sum(widths) - available
    while excess > 0:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widest = max(widths[i] for i in shrinkable)
        tops = [i for i in shrinkable if widths[i] == widest]
        below = max([widths[i] for i in shrinkable if widths[i] < widest] + [max(floors[i] for i in tops)])
        step = min(widest - below, -(-excess // len(tops))) or 1
        for i in tops:
            cut = min(step, widths[i] - floors[i], excess)
            widths[i] -= cut
            excess -= cut
            if excess <= 0:
                break
    if stretch is not None and excess < 0:
        widths[stretch] += -excess
    return widths


class KeyTable(DataTable[Any]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "key.row_step", show=False, id="list.down"),
        Binding("k", "cursor_up", "key.row_step", show=False, id="list.up"),
        Binding("g", "scroll_top", "key.first_last", show=False, id="list.top"),
        Binding("G", "scroll_bottom", "key.first_last", show=False, id="list.bottom"),
        Binding("right", "open_row", "key.row_detail", show=False, id="list.row_detail"),
    ]

    def __init__(
        self,
        *,
        stretch: int | None = None,
        min_widths: Sequence[int] = (),
        whole: Sequence[int] = (),
        middle: Sequence[int] = (),
        give: Sequence[int] = (),
        enter_opens_row: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self.stretch = stretch  # the column that takes the width left over
        self.min_widths = tuple(min_widths)  # cells a column keeps whatever its rows hold (a steady layout)
        self.whole = frozenset(whole)  # columns never cut (a risk level): the others give way
        self.middle = frozenset(middle)  # columns cut in the middle (a masked ID: its start and end say the most)
        self.give = tuple(give)  # columns that give way first, in this order (what matters less: a place, a note)
        self.enter_opens_row = enter_opens_row  # a list whose screen gives Enter no meaning of its own: Enter as →
        self.headers: list[str] = []
        self.full: list[list[Text]] = []  # the rows as given, before any cut
        self.details: list[list[tuple[str, str]]] | None = None
        self.pane_title = ""
        self._keys: list[str | None] = []
        self._laid_out_for = -1

    def show_rows(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence[RenderableType]],
        keys: Iterable[str | None] | None = None,
        *,
        details: Sequence[Sequence[tuple[str, str]]] | None = None,
        title: str = "",
    ) -> None:
        """Replace the whole table. Column widths come from the content and the table's width, so the table looks
        the same however its rows arrive. ``details``: what the detail pane shows of each row (label, full text),
        when the columns alone do not say it all; ``title``: the pane's title."""
        self.headers = list(headers)
        self.full = [[as_text(c) for c in r] for r in rows]
        self._keys = list(keys) if keys is not None else [None] * len(self.full)
        self.details = [list(d) for d in details] if details is not None else None
        self.pane_title = title
        self._lay_out()

    def _available(self) -> int:
        width = self.size.width or self.app.size.width
        # Room for the vertical scrollbar when the rows will need one (or the height is not known yet), so that it
        # never forces a horizontal one.
        scrolls = not self.size.height or len(self.full) + 1 > self.size.height
        gutter = self.styles.scrollbar_size_vertical if scrolls else 0
        return max(0, width - gutter - 2 * self.cell_padding * len(self.headers))

    def _lay_out(self) -> None:
        available = self._available()
        self._laid_out_for = available
        least = [*self.min_widths, *[0] * len(self.headers)]
        natural = [
            max([cell_len(h), least[i], *(r[i].cell_len for r in self.full)]) for i, h in enumerate(self.headers)
        ]
        floors = [
            max(
                [
                    min(natural[i], max(cell_len(h), MIN_SHRUNK)),
                    least[i],
                    natural[i] if i in self.whole else 0,
                    # figures are never cut: an amount, and a date or a time (a cut one would be a lone "…")
                    *(r[i].cell_len for r in self.full if r[i].justify == "right" or _FIGURE.fullmatch(r[i].plain)),
                ]
            )
            for i, h in enumerate(self.headers)
        ]
        over = sum(floors) - available
        if over > 0 and self.stretch is not None:
            # Floors wider than the screen (long words, 80 columns): the stretch column gives first — it truncates
            # with … and its whole text is one key away — rather than the last column being cut off the screen.
            i = self.stretch
            floors[i] = max(min(natural[i], max(cell_len(self.headers[i]), MIN_SHRUNK)), floors[i] - over)
        for i in self.give:  # what matters less gives way first, down to its floor
            natural[i] -= min(max(0, sum(natural) - available), natural[i] - floors[i])
        widths = fit_widths(natural, floors, available, self.stretch)
        cursor = self.cursor_row
        self.clear(columns=True)
        for header, width in zip(self.headers, widths, strict=True):
            self.add_column(clip(Text(header), width), width=width)
        for row, key in zip(self.full, self._keys, strict=True):
            cuts = [clip_middle if i in self.middle else clip for i in range(len(widths))]
            self.add_row(*(cut(c, w) for cut, c, w in zip(cuts, row, widths, strict=True)), key=key)
        if self.full:
            self.move_cursor(row=min(max(cursor, 0), len(self.full) - 1))

    def on_resize(self, event: events.Resize) -> None:
        if self.headers and self._available() != self._laid_out_for:
            self._lay_out()

    def row_fields(self, index: int) -> list[tuple[str, str]]:
        """What the detail pane shows of row ``index``: each column's header and whole text, unless the screen gave
        its own."""
        if self.details is not None:
            return self.details[index]
        return [(h, c.plain) for h, c in zip(self.headers, self.full[index], strict=True)]

    def action_select_cursor(self) -> None:
        """Enter: the screen's meaning for the row (a ``RowSelected`` it handles), or the row whole where it has
        none."""
        if self.enter_opens_row:
            self.action_open_row()
        else:
            super().action_select_cursor()

    def action_open_row(self) -> None:
        """The row under the cursor, every text in full, in a pane of its own."""
        if 0 <= self.cursor_row < len(self.full):
            self.app.push_screen(RowDetail(self.pane_title, self.row_fields(self.cursor_row)))
