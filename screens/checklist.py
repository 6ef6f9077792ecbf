"""The daily checklist: today's list grouped 班前 / 班中 / 班后, ticked by hand or from the data.

Automatic items refresh whenever this workstation commits a write, and when the day turns; Enter on an item goes
where it gets done. ``[`` and ``]`` page through earlier days, which are read-only. This is the first screen, so the
screens it opens are imported when first opened, not at start-up.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from csm_tui.domain.enums import ChecklistMeasure, Role
from csm_tui.domain.models import Staff
from csm_tui.domain.roles import offered
from csm_tui.i18n import t
from csm_tui.rules import working_days
from csm_tui.services.checklist import day_list
from csm_tui.services.checklist.day_list import DayList
from csm_tui.services.checklist.item_states import ItemState
from csm_tui.services.rows import ClientFocus
from csm_tui.services.workstation import Workstation
from screens.base import Destination, offered_action
from screens.dialogs import CheckedTextDialog, DaySummaryDialog, LeaveChange, LeaveDialog
from widgets import checklist_view
from widgets.cells import item_text
from widgets.table import KeyTable

ROLLOVER_CHECK_SECONDS = 60  # how often to look whether the day has turned (the clock only, no query)

_GO_QUEUE = {ChecklistMeasure.CALLS, ChecklistMeasure.CALLBACKS, ChecklistMeasure.SERVICE_CALLBACKS}
_GO_AGENDA = {ChecklistMeasure.MEETINGS_CONFIRMED, ChecklistMeasure.MEETINGS_RECORDED}
_GO_CLIENTS = {
    ChecklistMeasure.MATURITIES: ClientFocus.MATURING_UNREACHED,
    ChecklistMeasure.NEXT_CONTACTS: ClientFocus.NO_NEXT_CONTACT,
}


class ChecklistScreen(Destination[DayList]):
    TITLE_KEY = "nav.checklist"
    LIVE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "tick", "key.tick", id="checklist.tick"),
        Binding("enter", "open", "key.go", id="checklist.open"),
        Binding("n", "note", "key.note", id="checklist.note"),
        Binding("s", "summary", "key.summary", id="checklist.summary"),
        Binding("left_square_bracket", "day(-1)", "key.previous_day", id="checklist.previous_day"),
        Binding("right_square_bracket", "day(1)", "key.next_day", id="checklist.next_day"),
        Binding("t", "today", "key.today", show=False, id="checklist.today"),
        Binding("a", "agenda", "key.agenda", id="checklist.agenda"),
        Binding("p", "shelf", "key.shelf", id="checklist.shelf"),
        Binding("v", "team", "key.team", id="checklist.team"),
        Binding("o", "leave", "key.leave", id="checklist.leave"),
        Binding("escape", "back", "key.back", id="checklist.back"),
    ]

    def __init__(self, ws: Workstation, staff: Staff | None = None, data: DayList | None = None) -> None:
        """``data``: the list as already read (the app's start), shown at once and read afresh on showing."""
        super().__init__(ws)
        self.staff = staff or ws.staff  # a supervisor opens a team member's list read-only
        self.day: dt.date | None = None  # None: follow today, across midnight
        self.shown_today = ws.time.today()
        self.data: DayList | None = data

    @property
    def own(self) -> bool:
        return self.staff.id == self.ws.staff.id

    def compose_body(self) -> ComposeResult:
        yield KeyTable(id="checklist")
        yield Static("", id="summary", classes="summary")

    def on_mount(self) -> None:
        if self.data is not None:
            self.show(self.data)
        self.query_one(KeyTable).focus()
        self.set_interval(ROLLOVER_CHECK_SECONDS, self._check_rollover)

    def _check_rollover(self) -> None:
        if self.day is None and self.ws.time.today() != self.shown_today and self.is_current:
            self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Each key the role is offered (``base.ACTION_WORK``: the lobby and tellers have no agenda), on the lists
        it works on (one's own; today's for what changes it)."""
        if not offered_action(self.ws, action, "checklist"):
            return False
        if action == "team":
            return self.own and self.ws.staff.role in (Role.SUPERVISOR, Role.ADMIN)
        if action == "back":
            return not self.own
        if action in ("tick", "note", "summary"):
            return self.own and self.day is None
        if action in ("agenda", "shelf"):
            return self.own
        if action == "leave":  # one's own leave (a supervisor records the team's from the team's lists)
            return self.own and self.ws.staff.role in (Role.CSM, Role.SUPERVISOR)
        return True

    def fetch(self) -> DayList:
        return day_list.load_list(self.ws, self.day, self.staff)

    def show(self, data: DayList) -> None:
        self.data = data
        self.shown_today = self.ws.time.today()
        keys = [s.item.code for s in data.items]
        self.query_one(KeyTable).show_rows(checklist_view.headers(), checklist_view.rows(data.items), keys=keys)
        self.query_one("#summary", Static).update(checklist_view.summary_text(data.summary, data.editable))
        whose = "" if self.own else f"{data.staff.name} · "
        self.set_status(
            checklist_view.status_text(
                whose, data.day, data.items, editable=data.editable, on_leave=data.leave is not None
            )
        )
        self.refresh_bindings()

    def _current(self) -> ItemState | None:
        table = self.query_one(KeyTable)
        if self.data is None or not 0 <= table.cursor_row < len(self.data.items):
            return None
        return self.data.items[table.cursor_row]

    def action_tick(self) -> None:
        state = self._current()
        if state is None:
            return
        if state.item.measure is not None:
            self.notify(t("checklist.automatic"), severity="warning")
            return
        self.save_in_background(lambda: day_list.set_ticked(self.ws, state.item.code, not state.ticked))

    def action_note(self) -> None:
        state = self._current()
        if state is None:
            return
        code = state.item.code
        dialog = CheckedTextDialog(
            t("checklist.note_title", item=item_text(state.item)), "", t("checklist.note"),
            lambda note, confirmed: day_list.set_note(self.ws, code, note, confirmed), value=state.note,
            required=False, max_length=day_list.NOTE_MAX,
        )  # fmt: skip
        self.app.push_screen(dialog)

    def action_summary(self) -> None:
        if self.data is not None:
            figures = day_list.summary_figures(self.data.figures)
            self.app.push_screen(DaySummaryDialog(self.ws, figures, self.data.summary))

    def action_open(self) -> None:
        state = self._current()
        if state is None or not self.own:
            return
        measure = state.item.measure
        if measure is None:
            if self.day is None:
                self.action_tick()
        elif measure in _GO_QUEUE:
            self.app.action_go("queue")  # type: ignore[attr-defined]
        elif measure is ChecklistMeasure.REFERRALS:
            self.app.action_go("referrals")  # type: ignore[attr-defined]
        elif measure in _GO_AGENDA:
            self.action_agenda()
        elif measure is ChecklistMeasure.TOMORROW_CONFIRMED:
            self._agenda(working_days.next_after(self.ws.policy.calendar, self._day()))
        elif measure in _GO_CLIENTS:
            from screens.clients import ClientsScreen  # the places an item sends the CSM load when first needed

            self.app.push_screen(ClientsScreen(self.ws, focus=_GO_CLIENTS[measure]))
        elif measure is ChecklistMeasure.PRODUCTS_READ:
            self.action_shelf()
        elif measure is ChecklistMeasure.SUMMARY and self.day is None:
            self.action_summary()

    def _day(self) -> dt.date:
        return self.day or self.ws.time.today()

    def _agenda(self, day: dt.date) -> None:
        if not offered(self.ws.staff.role, "agenda"):  # Enter on a meetings item too: no agenda for the role
            return
        from screens.agenda import AgendaScreen

        self.app.push_screen(AgendaScreen(self.ws, day))

    def action_leave(self) -> None:
        self.app.push_screen(LeaveDialog(self.ws, self.staff), self._leave_saved)

    def _leave_saved(self, change: LeaveChange | None) -> None:
        if change:
            self.notify(change.said, timeout=3)
            self.reload()

    def action_agenda(self) -> None:
        self._agenda(self._day())

    def action_shelf(self) -> None:
        from screens.shelf import ShelfScreen

        self.app.push_screen(ShelfScreen(self.ws))

    def action_team(self) -> None:
        self.app.push_screen(team_day(self.ws, self._day()))

    def action_day(self, step: int) -> None:
        day = self._day() + dt.timedelta(days=step)
        today = self.ws.time.today()
        if day > today:
            return
        self.day = None if day == today else day
        self.refresh_bindings()
        self.reload()

    def action_today(self) -> None:
        self.day = None
        self.refresh_bindings()
        self.reload()

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        event.stop()
        self.action_open()


def team_day(ws: Workstation, day: dt.date) -> Screen[None]:
    """The team's checklists for ``day``, each member's list (read-only) one Enter away: a supervisor's home."""
    from screens.team_checklist import TeamChecklistScreen

    def open_list(staff: Staff, day: dt.date) -> ChecklistScreen:
        screen = ChecklistScreen(ws, staff)
        screen.day = None if day == ws.time.today() else day
        return screen

    return TeamChecklistScreen(ws, day, open_list)
