"""The records one figure counts (the drill-down): the sales behind a sales figure, the calls behind the call rate,
the 回访 and whether each was on time, the checks, the training, the clients whose assets moved."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header, Static

from csm_tui.domain.enums import Channel, Disposition, QualificationKind
from csm_tui.domain.values import money
from csm_tui.i18n import counted, label, t
from csm_tui.policy import Measure
from csm_tui.rules.scorecard import Line
from csm_tui.services.rows import ScoreRecord
from csm_tui.services.scoreboard import quarter_scores
from csm_tui.services.scoreboard.quarter_scores import Quarter
from csm_tui.services.workstation import Workstation
from screens.background import in_background
from widgets.cells import figure
from widgets.empty_note import EmptyNote, show_empty_notes
from widgets.key_bar import KeyBar
from widgets.scorecard import MONEY, measured
from widgets.table import KeyTable

CODES = {"channel": Channel, "disposition": Disposition, "qualification": QualificationKind}
CALLBACK_STATES = ("on_time", "late", "pending")


def describe_item(item: str) -> str:
    """An item as stored codes (``channel:phone disposition:busy``) in the user's language; other text as is."""
    words = []
    for word in item.split(" "):
        kind, _, code = word.partition(":")
        if kind in CODES and code:
            words.append(label(CODES[kind](code)))
        elif kind == "callback" and code in CALLBACK_STATES:
            words.append(t(f"score.callback.{code}"))
        else:
            words.append(word)
    return " ".join(words)


class RecordsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "key.back", id="records.back")]

    def __init__(self, ws: Workstation, staff_id: int, line: Line, quarter: Quarter) -> None:
        super().__init__()
        self.ws, self.staff_id, self.line, self.quarter = ws, staff_id, line, quarter

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(label(self.line.measure), id="screen-title", classes="screen-title")
        yield EmptyNote("records", "empty.records")
        yield KeyTable(id="records", enter_opens_row=True)
        yield KeyBar()

    def on_mount(self) -> None:
        in_background(self, self._fetch, self._show, group="load", load=True)

    def _fetch(self) -> list[ScoreRecord]:
        return quarter_scores.records(self.ws, self.staff_id, self.line.measure, self.quarter)

    def _show(self, found: list[ScoreRecord]) -> None:
        columns = "assets" if self.line.measure in (Measure.AUM_GROWTH, Measure.NEW_JIAOYIN) else "records"
        headers = [t(f"score.{columns}.{c}") for c in ("day", "client", "item", "value")]
        assets = columns == "assets"
        amounts = assets or self.line.measure in MONEY

        def amount(text: str) -> str:
            return money(Decimal(text)) if text else ""

        rows = [
            (r.day.isoformat() if r.day else "", r.client, amount(r.item) if assets else describe_item(r.item),
             figure(amount(r.value) if amounts else r.value))
            for r in found
        ]  # fmt: skip
        self.query_one(KeyTable).show_rows(headers, rows)
        show_empty_notes(self)
        figure_text = measured(self.line.measure, self.line.actual)
        self.query_one("#screen-title", Static).update(
            counted("score.records_title", indicator=label(self.line.measure), quarter=str(self.quarter),
              actual=figure_text, count=len(found))
        )  # fmt: skip

    def action_back(self) -> None:
        self.dismiss()
