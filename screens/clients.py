"""Clients: own clients in full (a 沃德 client manager's: the 沃德 referrals they accepted); the search (focused on
arrival, ``/`` back to it) searches the branch, others' clients masked (the OCRM rule). As on F3: results come as you
type; Enter opens the highlighted result (the first, until ↓ moves into the list); Escape goes to the list."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input

from csm_tui.i18n import counted, label, t, wan
from csm_tui.rules.tiers import tier_of
from csm_tui.services.clients.finding import clients_in_focus, find_clients
from csm_tui.services.rows import ClientFocus, ClientListRow
from csm_tui.services.workstation import Workstation
from screens.base import Destination
from screens.client_detail import ClientDetailScreen
from widgets.cells import figure
from widgets.empty_note import own_book_note
from widgets.table import KeyTable
from widgets.text_fields import SEARCH_MAX, BoundedInput


class ClientsScreen(Destination[tuple[str, list[ClientListRow]]]):
    TITLE_KEY = "nav.clients"
    ENTER_HELP = "enter.open_client"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "key.search", id="clients.search", priority=True),  # offered from the list
        # in the search: taken, never typed into it; the same id, so a keymap moving the search's key moves this too
        Binding("slash", "in_search", show=False, id="clients.search", priority=True),
        Binding("escape", "leave_search", "key.into_list", show=False, id="clients.leave_search"),
        Binding("down", "results", "key.into_list", id="clients.results", priority=True),  # over the search's own ↓
    ]

    def __init__(self, ws: Workstation, focus: ClientFocus | None = None) -> None:
        super().__init__(ws)
        self.search_text = ""  # read by the loading worker; widgets are touched on the UI thread only
        self.focus_list = focus  # a list the checklist opens: who is left for one of its items
        self.results_for: str | None = None  # the search text the rows shown were found for

    def compose_body(self) -> ComposeResult:
        if self.focus_list is None:
            yield BoundedInput(
                placeholder=t("clients.search_hint"), max_length=SEARCH_MAX, id="client-search", classes="filter"
            )
        yield own_book_note(self.ws.staff.role, "clients", "empty.clients", wode=True)
        yield KeyTable(id="clients")

    def on_mount(self) -> None:
        if self.focus_list is None:
            self.query_one(Input).focus()
        else:
            self.query_one(KeyTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """↓ goes from the search into the list, and only from there (in the list it moves a row); ``/`` goes back
        to the search, so it is offered from the list only, and only where the list has a search."""
        in_search = isinstance(self.focused, Input)
        if action in ("results", "in_search"):
            return in_search
        if action == "search":
            return self.focus_list is None and not in_search
        return True

    def fetch(self) -> tuple[str, list[ClientListRow]]:
        if self.focus_list is not None:
            return "", clients_in_focus(self.ws, self.focus_list)
        text = self.search_text
        return text, find_clients(self.ws, text)

    def show(self, found: tuple[str, list[ClientListRow]]) -> None:
        text, data = found
        searched_anew, self.results_for = text != self.results_for, text
        headers = [t(f"clients.{c}") for c in ("number", "name", "id", "mobile", "tier", "avg_3m")]
        rows = [
            (
                row.number,
                row.name,
                row.masked_id,
                row.masked_mobile,
                label(tier_of(row.avg_3m, self.ws.policy.tiers)) if row.full else "",
                figure(wan(row.avg_3m) if row.full else "—"),
            )
            for row in data
        ]
        table = self.query_one(KeyTable)
        table.show_rows(headers, rows, keys=[str(row.id) for row in data])
        if searched_anew and data:
            table.move_cursor(row=0)  # a new search's first result is the highlighted one
        status = counted("clients.count", count=len(data))
        if self.focus_list is not None:
            status = f"{t(f'clients_focus.{self.focus_list}')} · {status}"
        self.set_status(status)

    def action_search(self) -> None:
        self.query_one(Input).focus()

    def action_in_search(self) -> None:
        """``/`` in the search: already there."""

    def search_anew(self) -> None:
        """The list's key pressed again: the search emptied and focused, for the next client."""
        if self.focus_list is None:
            self.query_one(Input).value = ""
            self.action_search()

    def action_leave_search(self) -> None:
        if self.focus_list is not None:
            self.dismiss(None)
        else:
            self.query_one(KeyTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.search_text = event.value
        self.reload()

    def action_results(self) -> None:
        self.query_one(KeyTable).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search opens the highlighted result (the first, until ↓ moves to another), once the results
        of what is typed have come."""
        table = self.query_one(KeyTable)
        if self.results_for != self.search_text or table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            self.open_client(int(key))

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_client(int(event.row_key.value))

    def open_client(self, client_id: int) -> None:
        self.app.push_screen(ClientDetailScreen(self.ws, client_id))
