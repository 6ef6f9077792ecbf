"""The checklist as the thin start paints it (``csm_tui.start``): the same header, title line, table, summary and
key bar as ``screens.checklist``, from the first screen's thin read, until the signed-in workstation replaces it
with the checklist itself. It acts on no key: the app keeps the keys typed meanwhile and replays them then."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Static

from csm_tui.i18n import t
from widgets import checklist_view
from widgets.key_bar import KeyBar
from widgets.table import KeyTable

if TYPE_CHECKING:
    from csm_tui.first_read import FirstScreen


class FirstChecklistScreen(Screen[None]):
    def __init__(self, first: FirstScreen) -> None:
        super().__init__()
        self.first = first

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("nav.checklist"), id="screen-title", classes="screen-title")
        yield KeyTable(id="checklist")
        yield Static("", id="summary", classes="summary")
        yield KeyBar()

    def on_mount(self) -> None:
        first = self.first
        table = self.query_one(KeyTable)
        keys = [s.item.code for s in first.items]
        table.show_rows(checklist_view.headers(), checklist_view.rows(first.items), keys=keys)
        table.focus()
        self.query_one("#summary", Static).update(checklist_view.summary_text(first.summary, True))
        status = checklist_view.status_text("", first.day, first.items, editable=True, on_leave=first.on_leave)
        self.query_one("#screen-title", Static).update(f"{t('nav.checklist')} · {status}")
