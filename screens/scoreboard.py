"""The scoreboard (5). A CSM sees their own quarter: every indicator's actual, target, score and contribution by
dimension, the total, ranks in the branch and the outlet, the trend and the annual score with the grade it would
give today. Supervisors and the admin see the team table (screens.score_team) and open a CSM's card from it.

Keys: [ ] previous / next quarter · Enter on an indicator lists the records it counts · Escape back.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from csm_tui.domain.enums import Role
from csm_tui.i18n import t
from csm_tui.rules.scorecard import Line
from csm_tui.services.scoreboard import quarter_scores
from csm_tui.services.scoreboard.quarter_scores import CsmView, Quarter, TeamTable
from csm_tui.services.workstation import Workstation
from screens.background import in_background
from screens.base import Destination
from screens.figure_records import RecordsScreen
from screens.score_team import TeamView
from widgets.key_bar import KeyBar
from widgets.scorecard import ScoreCard

QUARTER_KEYS: list[BindingType] = [
    Binding("left_square_bracket", "quarter(-1)", "scores_key.prev_quarter", id="scores.prev"),
    Binding("right_square_bracket", "quarter(1)", "scores_key.next_quarter", id="scores.next"),
]


def shift(quarter: Quarter, step: int, today: Quarter) -> Quarter:
    """The quarter before or after, never past the current one."""
    moved = quarter.previous if step < 0 else quarter.next
    return min(moved, today)


def card_status(view: CsmView, today: Quarter) -> str:
    if view.closed:
        state = t("score.closed")
    elif view.quarter == today:
        state = t("score.open", as_of=view.as_of or "—")
    else:
        state = t("score.refreshing")
    return f"{view.csm.name} · {view.quarter} · {state}"


class ScoreboardScreen(Destination[CsmView | TeamTable]):
    TITLE_KEY = "nav.scoreboard"
    ENTER_HELP = "enter.records"
    BINDINGS: ClassVar[list[BindingType]] = QUARTER_KEYS

    def __init__(self, ws: Workstation) -> None:
        super().__init__(ws)
        self.quarter = Quarter.of(ws.time.today())
        self.team = ws.staff.role is not Role.CSM

    def compose_body(self) -> ComposeResult:
        yield TeamView(self.ws, id="team") if self.team else ScoreCard(id="card")

    def fetch(self) -> CsmView | TeamTable:
        if self.team:
            return self.query_one(TeamView).fetch(self.quarter)
        return quarter_scores.csm_view(self.ws, self.quarter)

    def show(self, data: CsmView | TeamTable) -> None:
        if isinstance(data, TeamTable):
            self.set_status(self.query_one(TeamView).show(data))
            return
        self.query_one(ScoreCard).show(data)
        self.set_status(card_status(data, Quarter.of(self.ws.time.today())))

    def action_quarter(self, step: int) -> None:
        self.quarter = shift(self.quarter, step, Quarter.of(self.ws.time.today()))
        self.reload()

    def on_team_view_reload_wanted(self, event: TeamView.ReloadWanted) -> None:
        event.stop()
        self.reload()

    def on_team_view_sorted(self, event: TeamView.Sorted) -> None:
        event.stop()
        self.set_status(event.status)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.team:
            csm = self.query_one(TeamView).csm_at_cursor()
            if csm is not None:
                self.app.push_screen(CardScreen(self.ws, csm.id, self.quarter))
            return
        open_records(self, self.ws, self.ws.staff.id, self.query_one(ScoreCard).line_at_cursor(), self.quarter)


def open_records(screen: Screen[Any], ws: Workstation, staff_id: int | None, line: Line | None, q: Quarter) -> None:
    if line is not None and staff_id is not None:
        screen.app.push_screen(RecordsScreen(ws, staff_id, line, q))


class CardScreen(Screen[None]):
    """A CSM's card opened from the team table by their supervisor or the admin."""

    ENTER_HELP = "enter.records"

    BINDINGS: ClassVar[list[BindingType]] = [
        *QUARTER_KEYS,
        Binding("escape", "back", "key.back", id="scores.back"),
    ]

    def __init__(self, ws: Workstation, staff_id: int, quarter: Quarter) -> None:
        super().__init__()
        self.ws, self.staff_id, self.quarter = ws, staff_id, quarter

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("nav.scoreboard"), id="screen-title", classes="screen-title")
        yield ScoreCard(id="card")
        yield KeyBar()

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        quarter = self.quarter
        in_background(
            self, lambda: quarter_scores.csm_view(self.ws, quarter, self.staff_id), self._show, group="load", load=True
        )

    def _show(self, view: CsmView) -> None:
        self.query_one(ScoreCard).show(view)
        self.query_one("#screen-title", Static).update(
            f"{t('nav.scoreboard')} · {card_status(view, Quarter.of(self.ws.time.today()))}"
        )

    def action_quarter(self, step: int) -> None:
        self.quarter = shift(self.quarter, step, Quarter.of(self.ws.time.today()))
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        open_records(self, self.ws, self.staff_id, self.query_one(ScoreCard).line_at_cursor(), self.quarter)
