"""F1: every key that works here, with what it does (Enter too, where a list or a form gives it a meaning), and the
words the screen shows that need explaining (``help_legend``)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static, Tabs

from csm_tui.i18n import t
from widgets.bindings import described, shown_bindings
from widgets.table import KeyTable

# Textual's own keys of a focused widget (they have no id, so no keymap remaps them), by action, with the catalog's
# words; every key with these words shares their one row (↑ ↓ j k): the tab bar's ← and → with the page's own [ and ],
# and a list's row, page, first and last row.
WIDGET_KEYS: dict[type[Widget], dict[str, str]] = {
    Tabs: {"previous_tab": "key.prev_tab", "next_tab": "key.next_tab"},
    DataTable: {
        "cursor_up": "key.row_step",
        "cursor_down": "key.row_step",
        "page_up": "key.page",
        "page_down": "key.page",
        "scroll_top": "key.first_last",
        "scroll_bottom": "key.first_last",
    },
}


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
        at_row: dict[str, int] = {}  # each description's row
        joined = {t(words) for actions in WIDGET_KEYS.values() for words in actions.values()}
        enter = enter_help(self.under)  # said in full where the screen explains it, whoever's binding it is
        for key, active in shown_bindings(self.under).items():
            binding = active.binding
            shown = self.app.get_key_display(binding)
            if binding.id is None:  # a widget's own key (Textual's): said where it has words
                words = widget_words(active)
                if not words:
                    continue
                description = t(words)
            else:
                description = described(binding)
                if key == "enter" and enter:
                    continue
            if description in at_row:  # said already; a widget's words gather their keys in one row (↑ ↓ j k)
                if description in joined:
                    at = at_row[description]
                    rows[at] = (f"{rows[at][0]} {shown}", rows[at][1])
                continue
            at_row[description] = len(rows)
            rows.append((shown, description))
            keys.append(key)
        if enter:  # a list's own Enter: what it does here
            rows.append((self.app.get_key_display(Binding("enter", "")), t(enter)))
            keys.append("enter")
        order = list_order([str(description) for _, description in rows], keys)
        rows, keys = [rows[i] for i in order], [keys[i] for i in order]
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


def list_order(descriptions: list[str], keys: list[str | None]) -> list[int]:
    """The rows' order over a list: its movement rows together first (a row, a page, the first or last row), then
    what opens the highlighted row (its whole text, Enter), then the rest, each group as gathered; elsewhere (no
    movement row) as gathered."""
    moves = {t(words) for words in WIDGET_KEYS[DataTable].values()}
    if not moves & set(descriptions):
        return list(range(len(descriptions)))
    opens = t("key.row_detail")

    def group(i: int) -> int:
        if descriptions[i] in moves:
            return 0
        return 1 if descriptions[i] == opens or keys[i] == "enter" else 2

    return sorted(range(len(descriptions)), key=group)


def widget_words(active: ActiveBinding) -> str:
    """The catalog key of what a focused widget's own key does (``WIDGET_KEYS``), "" where F1 does not say it."""
    for kind, words in WIDGET_KEYS.items():
        if isinstance(active.node, kind):
            return words.get(active.binding.action, "")
    return ""


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
