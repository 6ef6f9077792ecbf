"""A client's daily balance as a bar chart that reads like one: a value axis from zero (in 万元), the dates along
the bottom, the figures (highest, lowest, latest, in 万元 like the axis: the balance to the fen is on the line
above the chart) and the date the data is as of.

Drawn with block characters (eight steps to a cell) rather than a plotting library: the chart must be exact about
zero and the figures, look the same in every terminal and snapshot, and redraw at the width it is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from rich.cells import cell_len
from rich.console import RenderableType
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from csm_tui.domain.models import DailyBalance
from csm_tui.i18n import t, wan

BLOCKS = " ▁▂▃▄▅▆▇█"
ROWS = 5  # bar rows: 40 steps from zero to the highest balance


def columns(values: Sequence[Decimal], width: int) -> list[Decimal]:
    """``values`` in at most ``width`` columns: each column the balance at the end of its span of days."""
    if len(values) <= width:
        return list(values)
    return [values[min(len(values), (j + 1) * len(values) // width) - 1] for j in range(width)]


def steps(value: Decimal, top: Decimal, rows: int) -> int:
    """A bar's height in eighths of a row, zero at the axis; a balance above zero shows at least one step."""
    if value <= 0 or top <= 0:
        return 0
    height = int((value / top * rows * 8).to_integral_value())
    return max(1, min(height, rows * 8))


def draw(balances: Sequence[DailyBalance], as_of: dt.date | None, width: int, rows: int = ROWS) -> list[Text]:
    """The chart's lines, ``width`` cells wide."""
    if not balances:
        return [Text(t("chart.none"), style="dim")]
    first, last = balances[0], balances[-1]
    high = max(balances, key=lambda b: b.balance)
    low = min(balances, key=lambda b: b.balance)
    lines = [
        Text(
            t("chart.title", first=first.day.isoformat(), last=last.day.isoformat(),
              as_of=(as_of or last.day).isoformat()),
            style="bold", no_wrap=True, overflow="ellipsis",
        ),
        Text(
            t("chart.values", high=wan(high.balance), high_on=f"{high.day:%m-%d}", low=wan(low.balance),
              low_on=f"{low.day:%m-%d}", last=wan(last.balance), last_on=f"{last.day:%m-%d}"),
            no_wrap=True, overflow="ellipsis",
        ),
    ]  # fmt: skip
    top = max(high.balance, Decimal(0))
    ticks = {0: wan(top), rows // 2: wan(top / 2), rows: "0"}  # rows from the top; ``rows`` is the axis
    label_width = max(cell_len(x) for x in ticks.values())
    plot = columns([b.balance for b in balances], max(1, width - label_width - 1))
    heights = [steps(v, top, rows) for v in plot]
    for r in range(rows):
        base = (rows - 1 - r) * 8
        bars = "".join(BLOCKS[max(0, min(8, h - base))] for h in heights)
        tick = ticks.get(r)
        axis = f"{tick:>{label_width}}┤" if tick is not None else f"{'':>{label_width}}│"
        lines.append(Text.assemble((axis, "dim"), (bars, "cyan")))
    lines.append(Text(f"{ticks[rows]:>{label_width}}└{'─' * len(plot)}", style="dim"))
    start, end = f"{first.day:%m-%d}", f"{last.day:%m-%d}"
    gap = max(1, len(plot) - len(start) - len(end))
    lines.append(Text(f"{'':>{label_width}} {start}{' ' * gap}{end}", style="dim"))
    return lines


class BalanceChart(Widget):
    DEFAULT_CSS = """
    BalanceChart { height: auto; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.balances: list[DailyBalance] = []
        self.as_of: dt.date | None = None

    def show(self, balances: Sequence[DailyBalance], as_of: dt.date | None) -> None:
        self.balances, self.as_of = list(balances), as_of
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(draw(self.balances, self.as_of, max(1, width)))

    def render(self) -> RenderableType:
        return Text("\n").join(draw(self.balances, self.as_of, max(1, self.content_region.width)))
