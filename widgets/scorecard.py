"""A CSM's quarter on one screen: the summary (total, ranks, annual score and grade), the trend across quarters as
a sparkline, and the indicators by dimension with actual, target, score and contribution."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from csm_tui.domain.values import money
from csm_tui.i18n import label, t
from csm_tui.policy import Dimension, Measure
from csm_tui.rules.scorecard import Line
from csm_tui.services.scoreboard.quarter_scores import CsmView
from widgets.cells import figure
from widgets.table import KeyTable

MONEY = frozenset({Measure.WEALTH_SALES, Measure.INSURANCE_PREMIUM, Measure.FUND_SALES})
PERCENT = frozenset({Measure.AUM_GROWTH, Measure.CALLBACKS_ON_TIME, Measure.CALLS_VS_TARGET})
COLUMNS = ("indicator", "actual", "target", "score", "contribution")


def measured(measure: Measure, value: Decimal | None) -> str:
    """A figure as the indicator counts it: money, a percentage, or a number; ``—`` when nothing to measure."""
    if value is None:
        return "—"
    if measure in MONEY:
        return money(value)
    if measure in PERCENT:
        return f"{value}%"
    return str(value)


def points(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


class ScoreCard(Vertical):
    """Shows a ``CsmView``; ``line_at_cursor`` is the indicator the cursor is on (for the drill-down)."""

    DEFAULT_CSS = """
    ScoreCard { height: 1fr; }
    ScoreCard #score-summary { padding: 0 1; height: auto; }
    ScoreCard #score-trend { height: 1; margin: 0 1; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lines: list[Line | None] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="score-summary")
        yield Sparkline([], id="score-trend")
        yield KeyTable(id="score-lines")

    def show(self, view: CsmView) -> None:
        s, card = view.standing, view.card
        rank = t("score.rank", branch=s.branch_rank or "—", of=s.branch_size, outlet=s.outlet_rank or "—",
                 outlet_of=s.outlet_size)  # fmt: skip
        annual = t("score.annual", score=points(view.annual), grade=view.annual_grade or "—")
        total = points(card.total if card else None)
        subtotals = "  ".join(f"{label(d)} {points(card.subtotal(d) if card else None)}" for d in Dimension)
        trend = " ".join(f"{q.year % 100}Q{q.number} {points(v)}" for q, v in view.trend)
        self.query_one("#score-summary", Static).update(
            f"{t('score.total', total=total)} · {rank} · {annual}\n{subtotals}\n{t('score.trend', trend=trend)}"
        )
        self.query_one(Sparkline).data = [float(v) if v is not None else 0.0 for _, v in view.trend]
        rows: list[tuple[Any, ...]] = []
        self.lines = []
        for dimension in Dimension:
            mine = [line for line in card.lines if line.dimension is dimension] if card else []
            for line in mine:
                rows.append((f" {label(line.measure)}", figure(measured(line.measure, line.actual)),
                             figure(measured(line.measure, line.target)), figure(points(line.score)),
                             figure(points(line.contribution))))  # fmt: skip
                self.lines.append(line)
            if mine:
                assert card is not None
                subtotal = Text(points(card.subtotal(dimension)), justify="right", style="bold")
                rows.append((Text(t("score.subtotal", dimension=label(dimension)), style="bold"), "", "", "", subtotal))
                self.lines.append(None)
        table = self.query_one(KeyTable)
        table.show_rows([t(f"score.col.{c}") for c in COLUMNS], rows)
        if card is None:
            table.show_rows([t(f"score.col.{c}") for c in COLUMNS], [(t("score.nothing_yet"), "", "", "", "")])

    def line_at_cursor(self) -> Line | None:
        table = self.query_one(KeyTable)
        if not 0 <= table.cursor_row < len(self.lines):
            return None
        return self.lines[table.cursor_row]
