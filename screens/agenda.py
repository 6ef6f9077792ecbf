"""Today's agenda: the day's meetings by time, the client one key away; confirm, move, cancel or record each."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from csm_tui.domain.enums import AppointmentStatus
from csm_tui.domain.models import Appointment
from csm_tui.i18n import counted, label, t
from csm_tui.services.calls import appointments
from csm_tui.services.phrase_check import PhrasesConfirmed
from csm_tui.services.rows import AgendaRow
from csm_tui.services.workstation import Workstation
from screens.background import in_background
from screens.base import Destination
from screens.client_detail import ClientDetailScreen
from screens.dialogs import MeetingDialog
from widgets.empty_note import EmptyNote
from widgets.table import KeyTable

_OVER = (AppointmentStatus.DONE, AppointmentStatus.NO_SHOW)  # marks only once the meeting has begun
_CLOSED = (AppointmentStatus.CANCELLED, *_OVER)


class AgendaScreen(Destination[list[AgendaRow]]):
    TITLE_KEY = "agenda.title"
    LIVE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "client", "key.open", id="agenda.client"),
        Binding("c", "status('confirmed')", "key.confirm", id="agenda.confirm"),
        Binding("m", "move", "key.move", id="agenda.move"),
        Binding("x", "status('cancelled')", "key.cancel_meeting", id="agenda.cancel"),
        Binding("d", "status('done')", "key.meeting_done", id="agenda.done"),
        Binding("o", "status('no_show')", "key.no_show", id="agenda.no_show"),
        Binding("u", "undo", "key.undo_mark", id="agenda.undo"),
        Binding("left_square_bracket", "day(-1)", "key.previous_day", id="agenda.previous_day"),
        Binding("right_square_bracket", "day(1)", "key.next_day", id="agenda.next_day"),
        Binding("escape", "back", "key.back", id="agenda.back"),
    ]

    def __init__(self, ws: Workstation, day: dt.date) -> None:
        super().__init__(ws)
        self.day = day
        self.rows: list[AgendaRow] = []

    def compose_body(self) -> ComposeResult:
        yield EmptyNote("agenda", "empty.agenda")
        yield KeyTable(id="agenda")

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()

    def fetch(self) -> list[AgendaRow]:
        return appointments.agenda(self.ws, self.day)

    def show(self, data: list[AgendaRow]) -> None:
        self.rows = data
        headers = [t(f"agenda.{c}") for c in ("time", "minutes", "client", "purpose", "place", "state")]
        table_rows = []
        for row in data:
            status = AppointmentStatus(row.status)
            style = "strike dim" if status is AppointmentStatus.CANCELLED else ""
            table_rows.append(
                (
                    Text(self.ws.time.local(row.starts_at).format("HH:mm"), style=style),
                    str(row.minutes),
                    Text(row.client_name, style=style),
                    row.purpose,
                    row.place,
                    label(status),
                )
            )
        self.query_one(KeyTable).show_rows(headers, table_rows, keys=[str(r.appointment_id) for r in data])
        self.set_status(counted("agenda.line", day=self.day.isoformat(), count=len(data)))

    def _current(self) -> AgendaRow | None:
        table = self.query_one(KeyTable)
        if not 0 <= table.cursor_row < len(self.rows):
            self.notify(t("detail.no_meeting"), severity="warning")
            return None
        return self.rows[table.cursor_row]

    def action_client(self) -> None:
        row = self._current()
        if row is not None:
            self.app.push_screen(ClientDetailScreen(self.ws, row.client_id))

    def action_status(self, status: str) -> None:
        row = self._current()
        if row is None:
            return
        wanted = AppointmentStatus(status)
        if AppointmentStatus(row.status) in _CLOSED:
            self.notify(t("agenda.closed"), severity="warning")
            return
        if wanted in _OVER and row.starts_at > self.ws.time.now().datetime:  # the service refuses it too
            self.notify(t("agenda.not_begun"), severity="warning")
            return
        meeting_id = row.appointment_id
        self.save_in_background(lambda: appointments.set_status(self.ws, meeting_id, wanted))

    def action_undo(self) -> None:
        """Take back the meeting's last mark, on the day it was made (the service says why when it may not)."""
        row = self._current()
        if row is not None:
            meeting_id = row.appointment_id
            in_background(self, lambda: appointments.undo(self.ws, meeting_id), self._undone, group="save")

    def _undone(self, meeting: Appointment) -> None:
        self.notify(t("agenda.undone", state=label(meeting.status)), timeout=3)

    def action_move(self) -> None:
        row = self._current()
        if row is None:
            return
        meeting_id = row.appointment_id

        def save(at: dt.datetime, note: str, confirmed: PhrasesConfirmed | None, override: bool) -> Appointment:
            return appointments.move(self.ws, meeting_id, at, override=override)

        self.app.push_screen(MeetingDialog(t("detail.move_title"), self.ws.time.local(row.starts_at), save))

    def action_day(self, step: int) -> None:
        self.day += dt.timedelta(days=step)
        self.reload()

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        event.stop()
        self.action_client()
