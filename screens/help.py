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

# Textual's own keys of a focused widget (they have no id, so no keymap remaps them), with the catalog's words: the
# tab bar's ← and → beside the page's own [ and ].
WIDGET_KEYS = {"previous_tab": "key.prev_tab", "next_tab": "key.next_tab"}


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
            yield KeyTable(id="help-keys", enter_opens_row=True)
            yield Static(t("help.footer"), classes="hint")

    def on_mount(self) -> None:
        rows: list[tuple[str, str | Text]] = []
        keys: list[str | None] = []
        seen: set[str] = set()
        enter = enter_help(self.under)  # said in full where the screen explains it, whoever's binding it is
        for key, active in shown_bindings(self.under).items():
            binding = active.binding
            if binding.id is None:  # a widget's own key (Textual's): said where it has words
                if binding.action not in WIDGET_KEYS:
                    continue
                description = t(WIDGET_KEYS[binding.action])
            else:
                description = described(binding)
                if description in seen or (key == "enter" and enter):
                    continue
                seen.add(description)
            rows.append((self.app.get_key_display(binding), description))
            keys.append(key)
        if enter:  # a list's own Enter: what it does here
            rows.append((self.app.get_key_display(Binding("enter", "")), t(enter)))
            keys.append("enter")
        legend = getattr(self.under, "help_legend", None)
        if callable(legend):
            rows.append(("", Text(t("help.legend"), style="bold")))
            keys.append("legend")
            for n, (term, meaning) in enumerate(legend()):
                rows.append((term, meaning))
                keys.append(f"legend.{n}")
        table = self.query_one(KeyTable)
        table.show_rows([t("help.key"), t("help.action")], rows, keys, title=t("help.title"))  # a cut line: → or Enter
        table.focus()


def enter_help(screen: Screen[object]) -> str:
    """The catalog key of what Enter does on ``screen`` where a list or a form, not a binding, gives it a meaning
    (``ENTER_HELP_BY_FIELD`` for the focused field or list where each has its own, else ``ENTER_HELP`` of the screen
    or of one of its classes, else a list that opens its row whole); "" where it does nothing."""
    focused = screen.focused
    by_field: dict[str, str] = getattr(screen, "ENTER_HELP_BY_FIELD", {})
    if focused is not None and focused.id in by_field:
        return by_field[focused.id]
    whole_row = isinstance(focused, KeyTable) and focused.enter_opens_row
    return str(getattr(screen, "ENTER_HELP", "")) or ("enter.row" if whole_row else "")
