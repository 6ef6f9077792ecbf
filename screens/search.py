"""F3 from anywhere: find a client by name, pinyin initials, client, mobile, ID, card or account number.

Results come as you type, own clients first; others' clients appear in the OCRM summary, identity masked, found by
name, initials or client number. Another's client is found by a secret number only when it is typed whole and
Enter pressed: that look-up is logged and limited per hour. Enter on a result opens the client.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from csm_tui.i18n import t
from csm_tui.services.clients.finding import find_clients, look_up_number, whole_number
from csm_tui.services.rows import ClientListRow
from csm_tui.services.workstation import Workstation
from screens.background import in_background
from screens.client_detail import ClientDetailScreen
from widgets.table import KeyTable
from widgets.text_fields import SEARCH_MAX, BoundedInput


class SearchScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "key.close", id="search.close"),
        Binding("down", "results", "key.down", show=False, id="search.results"),
    ]
    DEFAULT_CSS = """
    SearchScreen { align: center top; }
    SearchScreen > Vertical { width: 100%; height: 100%; background: $surface; }
    """

    def __init__(self, ws: Workstation) -> None:
        super().__init__()
        self.ws = ws
        self.text = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("search.title"), classes="screen-title")
            yield BoundedInput(placeholder=t("clients.search_hint"), max_length=SEARCH_MAX, id="search-text")
            yield Static(t("search.lookup_hint", limit=self.ws.policy.lookups_per_hour), classes="hint")
            yield KeyTable(id="search-results")

    def on_mount(self) -> None:
        self.query_one(KeyTable).add_columns(
            t("clients.number"), t("clients.name"), t("clients.id"), t("clients.mobile"), t("search.whose")
        )
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.text = event.value
        if self.text.strip():
            self.search(self.text)
        else:
            self.query_one(KeyTable).clear()

    def search(self, text: str) -> None:
        in_background(
            self, lambda: find_clients(self.ws, text), lambda rows: self._show(text, rows), group="search", load=True
        )

    def _show(self, text: str, rows: list[ClientListRow]) -> None:
        if text != self.text:
            return  # an older keystroke's answer
        table = self.query_one(KeyTable)
        table.clear()
        for row in rows:
            whose = t("search.own") if row.own else t("search.other")
            table.add_row(row.number, row.name, row.masked_id, row.masked_mobile, whose, key=str(row.id))

    def look_up(self, text: str) -> None:
        in_background(
            self,
            lambda: look_up_number(self.ws, text),
            lambda rows: self._looked_up(text, rows),
            group="search",
            failed=lambda failure: self.notify(failure.message, severity="error", timeout=10),
        )

    def _looked_up(self, text: str, rows: list[ClientListRow]) -> None:
        if not rows:
            self.notify(t("search.lookup_none"))
        self._show(text, rows)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: to the results; with none shown and a whole number typed, look it up in others' books too."""
        if self.query_one(KeyTable).row_count == 0 and whole_number(self.text, self.ws.time.today()) is not None:
            self.look_up(self.text)
        else:
            self.action_results()

    def action_results(self) -> None:
        self.query_one(KeyTable).focus()

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.dismiss(None)
            self.app.push_screen(ClientDetailScreen(self.ws, int(event.row_key.value)))
