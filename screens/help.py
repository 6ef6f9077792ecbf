"""F1: every key that works here, with what it does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from csm_tui.i18n import t
from widgets.bindings import described
from widgets.table import KeyTable


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "key.close", id="help.close"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(t("help.title"), classes="screen-title")
            yield KeyTable(id="help-keys")
            yield Static(t("help.footer"), classes="hint")

    def on_mount(self) -> None:
        table = self.query_one(KeyTable)
        table.add_columns(t("help.key"), t("help.action"))
        seen: set[str] = set()
        for key, active in self.under.active_bindings.items():
            binding = active.binding
            description = described(binding)
            if binding.id is None or description in seen:
                continue
            seen.add(description)
            table.add_row(self.app.get_key_display(binding), description, key=key)
        table.focus()
