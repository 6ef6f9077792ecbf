"""F1: every key that works here, with what it does (Enter too, where a list or a form gives it a meaning), and the
words the screen shows that need explaining (``help_legend``)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from csm_tui.i18n import t
from widgets.bindings import described, shown_bindings
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
        enter = enter_help(self.under)  # said in full where the screen explains it, whoever's binding it is
        for key, active in shown_bindings(self.under).items():
            binding = active.binding
            description = described(binding)
            if binding.id is None or description in seen or (key == "enter" and enter):
                continue
            seen.add(description)
            table.add_row(self.app.get_key_display(binding), description, key=key)
        if enter:  # a list's own Enter: what it does here
            table.add_row(self.app.get_key_display(Binding("enter", "")), t(enter), key="enter")
        legend = getattr(self.under, "help_legend", None)
        if callable(legend):
            table.add_row("", Text(t("help.legend"), style="bold"), key="legend")
            for n, (term, meaning) in enumerate(legend()):
                table.add_row(term, meaning, key=f"legend.{n}")
        table.focus()


def enter_help(screen: Screen[object]) -> str:
    """The catalog key of what Enter does on ``screen`` where a list or a form, not a binding, gives it a meaning
    (``ENTER_HELP`` of the screen or of one of its classes); "" where it does nothing."""
    return str(getattr(screen, "ENTER_HELP", ""))
