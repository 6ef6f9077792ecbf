"""Clients: own clients in full (a 沃德 client manager's: the 沃德 referrals they accepted); ``/`` searches the
branch, others' clients masked (the OCRM rule)."""

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


class ClientsScreen(Destination[list[ClientListRow]]):
    TITLE_KEY = "nav.clients"
    ENTER_HELP = "enter.open_client"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "key.search", id="clients.search"),
        Binding("escape", "leave_search", "key.clear_filter", show=False, id="clients.leave_search"),
    ]

    def __init__(self, ws: Workstation, focus: ClientFocus | None = None) -> None:
        super().__init__(ws)
        self.search_text = ""  # read by the loading worker; widgets are touched on the UI thread only
        self.focus_list = focus  # a list the checklist opens: who is left for one of its items

    def compose_body(self) -> ComposeResult:
        if self.focus_list is None:
            yield BoundedInput(
                placeholder=t("clients.search_hint"), max_length=SEARCH_MAX, id="client-search", classes="filter"
            )
        yield own_book_note(self.ws.staff.role, "clients", "empty.clients", wode=True)
        yield KeyTable(id="clients")

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()

    def fetch(self) -> list[ClientListRow]:
        if self.focus_list is not None:
            return clients_in_focus(self.ws, self.focus_list)
        return find_clients(self.ws, self.search_text)

    def show(self, data: list[ClientListRow]) -> None:
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
        self.query_one(KeyTable).show_rows(headers, rows, keys=[str(row.id) for row in data])
        status = counted("clients.count", count=len(data))
        if self.focus_list is not None:
            status = f"{t(f'clients_focus.{self.focus_list}')} · {status}"
        self.set_status(status)

    def action_search(self) -> None:
        if self.focus_list is None:
            self.query_one(Input).focus()

    def action_leave_search(self) -> None:
        if self.focus_list is not None:
            self.dismiss(None)
        else:
            self.query_one(KeyTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.search_text = event.value
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(KeyTable).focus()

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(ClientDetailScreen(self.ws, int(event.row_key.value)))
