"""The team table: a supervisor's team (the admin: every CSM) for a quarter or the year to it, ranked across the
branch with the forced distribution of grades applied.

Keys: y quarter / year · s sort by the next column, r reverse · Enter a CSM's card · x export to XLSX ·
supervisors: m mystery-shopper check, d grade D (year, with a reason), c close the quarter shown ·
admin: h training hours, q a qualification.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message

from csm_tui.config import data_dir
from csm_tui.domain.enums import Role
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import t
from csm_tui.services.phrase_check import PhrasesConfirmed
from csm_tui.services.rows import CsmRow
from csm_tui.services.scoreboard import appraisal_entries, quarter_scores
from csm_tui.services.scoreboard.quarter_scores import Quarter, TeamRow, TeamTable
from csm_tui.services.scoreboard.team_export import COLUMNS, cells, export_team, file_name, sort_key
from csm_tui.services.workstation import Workstation
from screens.background import in_background
from screens.dialogs import CheckedTextDialog, MysteryCheckDialog, QualificationDialog, TextDialog, TrainingDialog
from widgets.cells import figure
from widgets.table import KeyTable

SUPERVISOR_ACTIONS = frozenset({"mystery", "grade_d", "close_quarter"})
ADMIN_ACTIONS = frozenset({"training", "qualification"})


def _number(value: Decimal | int | None) -> str:
    return "—" if value is None else f"{value:.2f}" if isinstance(value, Decimal) else str(value)


class TeamView(Vertical):
    """The table and its keys; it tells its screen, by message, when the table is to be loaded again and what the
    status line should say."""

    class ReloadWanted(Message):
        """The period shown changed, or a save changed the figures: the screen loads the table again."""

    class Sorted(Message):
        """The rows were sorted again: ``status`` is the screen's new status line."""

        def __init__(self, status: str) -> None:
            super().__init__()
            self.status = status

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "year", "scores_key.year", id="team.year"),
        Binding("s", "sort", "scores_key.sort", id="team.sort"),
        Binding("r", "reverse", "scores_key.reverse", show=False, id="team.reverse"),
        Binding("x", "export", "scores_key.export", id="team.export"),
        Binding("m", "mystery", "scores_key.mystery", id="team.mystery"),
        Binding("d", "grade_d", "scores_key.grade_d", show=False, id="team.grade_d"),
        Binding("c", "close_quarter", "scores_key.close_quarter", show=False, id="team.close_quarter"),
        Binding("h", "training", "scores_key.training", id="team.training"),
        Binding("q", "qualification", "scores_key.qualification", id="team.qualification"),
    ]

    def __init__(self, ws: Workstation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ws = ws
        self.year = False
        self.sort_column = 0
        self.descending = False
        self.table: TeamTable | None = None
        self.rows: list[TeamRow] = []

    def compose(self) -> ComposeResult:
        yield KeyTable(id="team-table")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.ws.staff.role
        if action in SUPERVISOR_ACTIONS:
            return role is Role.SUPERVISOR
        if action in ADMIN_ACTIONS:
            return role is Role.ADMIN
        return True

    # --- loading and showing ---------------------------------------------------------------------------------

    def fetch(self, quarter: Quarter) -> TeamTable:
        return quarter_scores.team_table(self.ws, quarter, year=self.year)

    def show(self, table: TeamTable) -> str:
        self.table = table
        columns = COLUMNS if table.year else COLUMNS[:-1]
        self.rows = sorted(table.rows, key=sort_key(self.sort_column), reverse=self.descending)
        if self.descending:  # the rows without a figure still last
            self.rows.sort(key=lambda r: cells(r, True)[self.sort_column] is None)
        rows = [
            [figure(_number(v)) if isinstance(v, Decimal | int) or v is None else v for v in cells(r, table.year)]
            for r in self.rows
        ]
        headers = [t(f"team.col.{c}") for c in columns]
        headers[self.sort_column] += "▼" if self.descending else "▲"
        self.query_one(KeyTable).show_rows(headers, rows)
        period = t("team.year", year=table.quarter.year, quarter=table.quarter) if table.year else str(table.quarter)
        state = t("score.closed") if table.closed else t("score.refreshing")
        return t("team.status", period=period, state=state, count=len(self.rows), branch=table.branch_size)

    def reload(self) -> None:
        self.post_message(self.ReloadWanted())

    def csm_at_cursor(self) -> CsmRow | None:
        table = self.query_one(KeyTable)
        if not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row].csm

    def _row_at_cursor(self) -> TeamRow | None:
        table = self.query_one(KeyTable)
        return self.rows[table.cursor_row] if 0 <= table.cursor_row < len(self.rows) else None

    # --- keys ------------------------------------------------------------------------------------------------

    def action_year(self) -> None:
        self.year = not self.year
        self.sort_column = min(self.sort_column, len(COLUMNS) - (1 if self.year else 2))
        self.reload()

    def action_sort(self) -> None:
        columns = len(COLUMNS) if self.year else len(COLUMNS) - 1
        self.sort_column = (self.sort_column + 1) % columns
        if self.table is not None:
            self.post_message(self.Sorted(self.show(self.table)))

    def action_reverse(self) -> None:
        self.descending = not self.descending
        if self.table is not None:
            self.post_message(self.Sorted(self.show(self.table)))

    def _saved(self, result: object) -> None:
        if result is not None:
            self.app.notify(t("call.saved"), timeout=2)
            self.reload()

    def action_mystery(self) -> None:
        csm = self.csm_at_cursor()
        if csm is not None:
            self.app.push_screen(MysteryCheckDialog(self.ws, csm), self._saved)

    def action_training(self) -> None:
        csm = self.csm_at_cursor()
        if csm is not None:
            self.app.push_screen(TrainingDialog(self.ws, csm), self._saved)

    def action_qualification(self) -> None:
        csm = self.csm_at_cursor()
        if csm is not None:
            self.app.push_screen(QualificationDialog(self.ws, csm), self._saved)

    def action_grade_d(self) -> None:
        row, table = self._row_at_cursor(), self.table
        if row is None or table is None:
            return
        year = table.quarter.year
        csm_id = row.csm.id

        def save(reason: str, confirmed: PhrasesConfirmed | None) -> object:
            return appraisal_entries.grade_d(self.ws, csm_id, year, reason, confirmed)

        title = t("team.grade_d_title", name=row.csm.name, year=year)
        dialog = CheckedTextDialog(title, t("team.grade_d_explain"), t("team.grade_d_reason"), save)
        self.app.push_screen(dialog, self._saved)

    def action_close_quarter(self) -> None:
        if self.table is None:
            return
        quarter = self.table.quarter

        def close(typed: str) -> object:
            if typed.strip().upper() != str(quarter):
                raise DomainError("confirm_mismatch", expected=str(quarter))
            return appraisal_entries.close_quarter(self.ws, quarter)

        title = t("team.close_title", quarter=str(quarter))
        self.app.push_screen(TextDialog(title, t("team.close_explain", quarter=str(quarter)), str(quarter), close),
                             self._saved)  # fmt: skip

    def action_export(self) -> None:
        if self.table is not None:
            self.export(self.table, list(self.rows))

    def export(self, table: TeamTable, rows: list[TeamRow]) -> None:
        def write() -> Path:
            folder = Path() if self.ws.exports is not None else data_dir() / "exports"
            target = folder / file_name(table)
            return export_team(self.ws, target, quarter=table.quarter, year=table.year, rows=rows)[1]

        in_background(self, write, self._exported, group="export")

    def _exported(self, path: Path) -> None:
        self.app.notify(t("team.exported", path=str(path)), timeout=6)
