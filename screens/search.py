"""F3 from anywhere: find a client by name, pinyin initials, client, mobile, ID, card or account number.

Results come as you type, own clients first; others' clients appear in the OCRM summary, identity masked, found by
name, initials or client number. Another's client is found by a secret number only when it is typed whole and
Enter pressed: that look-up is logged and limited per hour. Enter opens the highlighted result (the first until ↓
moves on), from the text field as from the list. Each own result shows the age and tier, every result the masked
mobile, so two clients of one name can be told apart. Whose each is: one's own (a 沃德 client manager's own are
the 沃德 referrals they accepted), a supervisor's team's (named by its CSM, seen in full) or another's.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from csm_tui.domain.values import ResidentId
from csm_tui.i18n import label, t
from csm_tui.rules.tiers import tier_of
from csm_tui.services.clients.finding import find_clients, look_up_number, whole_number
from csm_tui.services.rows import ClientListRow
from csm_tui.services.workstation import Workstation
from screens.background import in_background
from screens.client_detail import ClientDetailScreen
from widgets.table import KeyTable, clip
from widgets.text_fields import SEARCH_MAX, BoundedInput

# The masked ID keeps its area code and last four (``310106…1234``, 11 cells) however narrow the terminal.
ID_MIN_WIDTHS = (0, 0, 0, 0, 0, 11, 0)


# A team's CSM is named in at most this many cells (three Chinese characters), so that at 80 columns the whole row
# fits beside the widest tier ("Jiaoyin wealth"): "团队·王建国", "王建国's".
TEAM_NAME_CELLS = 6


def whose(row: ClientListRow) -> str:
    """Whose client a result is: one's own, a supervisor's team's (named by its CSM, cut to ``TEAM_NAME_CELLS``) or
    another's."""
    if row.own:
        return t("search.own")
    if row.team:
        return t("search.team", name=clip(Text(row.team), TEAM_NAME_CELLS).plain)
    return t("search.other")


class SearchScreen(ModalScreen[None]):
    ENTER_HELP = "enter.search"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "key.close", id="search.close"),
        Binding("f1", "app.help", "key.help", show=False, id="search.help"),  # a modal screen hides the app's F1
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
        self.results_for: str | None = None  # the text the results shown were found for

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("search.title"), classes="screen-title")
            yield BoundedInput(placeholder=t("clients.search_hint"), max_length=SEARCH_MAX, id="search-text")
            yield Static(t("search.lookup_hint", limit=self.ws.policy.lookups_per_hour), classes="hint")
            # At 80 columns the name and the masked ID give way (the ID in its hidden middle, ``310106…1234``), never
            # the client number, age, tier, masked mobile or whose client it is (what tells two namesakes apart).
            yield KeyTable(id="search-results", whole=(0, 2, 3, 4, 6), middle=(5,), min_widths=ID_MIN_WIDTHS)

    def on_mount(self) -> None:
        self.query_one(KeyTable).show_rows(self._headers(), [])
        self.query_one(Input).focus()

    @staticmethod
    def _headers() -> list[str]:
        return [
            t("clients.number"), t("clients.name"), t("search.age"), t("clients.tier"), t("clients.mobile"),
            t("clients.id"), t("search.whose"),
        ]  # fmt: skip

    def on_input_changed(self, event: Input.Changed) -> None:
        self.text = event.value
        if self.text.strip():
            self.search(self.text)
        else:
            self.query_one(KeyTable).show_rows(self._headers(), [])
            self.results_for = self.text

    def search(self, text: str) -> None:
        in_background(
            self, lambda: find_clients(self.ws, text), lambda rows: self._show(text, rows), group="search", load=True
        )

    def _show(self, text: str, rows: list[ClientListRow]) -> None:
        if text != self.text:
            return  # an older keystroke's answer
        table = self.query_one(KeyTable)
        self.results_for = text
        today = self.ws.time.today()
        cells = []
        for row in rows:
            age = str(ResidentId.years_between(row.born, today)) if row.born else ""
            tier = label(tier_of(row.avg_3m, self.ws.policy.tiers)) if row.full else ""
            cells.append((row.number, row.name, age, tier, row.masked_mobile, row.masked_id, whose(row)))
        # Laid out to the terminal's width (a long column cut with …, the whole row one key away), not past it.
        table.show_rows(self._headers(), cells, keys=[str(row.id) for row in rows])
        if rows:
            table.move_cursor(row=0)

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
        """Enter: opens the highlighted result (the first, until ↓ moves to another); with none shown and a whole
        number typed, looks it up in others' books too."""
        table = self.query_one(KeyTable)
        if self.results_for != self.text:
            return  # the results of what is typed now are on their way
        if table.row_count == 0:
            if whole_number(self.text, self.ws.time.today()) is not None:
                self.look_up(self.text)
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            self.open_client(int(key))

    def action_results(self) -> None:
        self.query_one(KeyTable).focus()

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_client(int(event.row_key.value))

    def open_client(self, client_id: int) -> None:
        self.dismiss(None)
        self.app.push_screen(ClientDetailScreen(self.ws, client_id))
