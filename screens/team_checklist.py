"""A supervisor's view of the team's checklists for a day: who is behind on which item; Enter opens a list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen

from csm_tui.domain.models import Staff
from csm_tui.i18n import listed, t
from csm_tui.services.checklist import day_list
from csm_tui.services.checklist.day_list import TeamRow
from csm_tui.services.leave import calls_covered
from csm_tui.services.workstation import Workstation
from screens.base import Destination
from screens.dialogs import LeaveChange, LeaveDialog
from widgets.cells import figure, item_text
from widgets.table import KeyTable


class TeamChecklistScreen(Destination[list[TeamRow]]):
    TITLE_KEY = "team_checklist.title"
    LIVE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "key.open_list", id="team_checklist.open"),
        Binding("o", "leave", "key.leave", id="team_checklist.leave"),
        Binding("left_square_bracket", "day(-1)", "key.previous_day", id="team_checklist.previous_day"),
        Binding("right_square_bracket", "day(1)", "key.next_day", id="team_checklist.next_day"),
        Binding("escape", "back", "key.back", id="team_checklist.back"),
    ]

    def __init__(self, ws: Workstation, day: dt.date, open_list: Callable[[Staff, dt.date], Screen[None]]) -> None:
        super().__init__(ws)
        self.day = day
        self.open_list = open_list  # the checklist screen, read-only for a team member
        self.rows: list[TeamRow] = []

    def compose_body(self) -> ComposeResult:
        yield KeyTable(id="team")

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()

    def fetch(self) -> list[TeamRow]:
        return day_list.team_lists(self.ws, self.day)

    def show(self, data: list[TeamRow]) -> None:
        self.rows = data
        headers = [
            t("team_checklist.name"),
            t("team_checklist.done"),
            t("team_checklist.calls"),
            t("team_checklist.behind"),
        ]
        rows = [
            (
                r.staff.name,
                figure(f"{r.done} / {r.total}"),
                figure(f"{r.calls.done} / {r.calls.total}"),
                _away(self.ws, r) or listed(item_text(i) for i in r.behind) or "✓",
            )
            for r in data
        ]
        self.query_one(KeyTable).show_rows(headers, rows, keys=[str(r.staff.id) for r in data])
        behind = sum(1 for r in data if r.behind)
        self.set_status(t("team_checklist.status", day=self.day.isoformat(), count=len(data), behind=behind))

    def action_open(self) -> None:
        table = self.query_one(KeyTable)
        if 0 <= table.cursor_row < len(self.rows):
            self.app.push_screen(self.open_list(self.rows[table.cursor_row].staff, self.day))

    def action_leave(self) -> None:
        table = self.query_one(KeyTable)
        if 0 <= table.cursor_row < len(self.rows):
            self.app.push_screen(LeaveDialog(self.ws, self.rows[table.cursor_row].staff), self._leave_saved)

    def _leave_saved(self, change: LeaveChange | None) -> None:
        if change:
            self.notify(change.said, timeout=3)
            self.reload()

    def action_day(self, step: int) -> None:
        day = self.day + dt.timedelta(days=step)
        if day <= self.ws.time.today():
            self.day = day
            self.reload()

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        event.stop()
        self.action_open()


def _away(ws: Workstation, row: TeamRow) -> str:
    """On leave that day, and who covers (or that the calls wait: by policy, or since the colleague named can cover
    no more, which the supervisor is told)."""
    if row.leave is None:
        return ""
    if calls_covered(ws, row.leave):
        return t("leave.team_covered", name=row.leave.cover_name)
    if row.leave.cover_gone:
        return t("leave.team_uncovered", name=row.leave.cover_name)
    return t("leave.team_waiting")
