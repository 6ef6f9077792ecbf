"""A list row's every text in full, in a pane over the list: a note, a client's feedback, a task's reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from csm_tui.i18n import t


def field_lines(fields: Sequence[tuple[str, str]]) -> Text:
    """Each field as ``label: text``, the text whole (wrapped by the pane, never cut); an empty one says so."""
    out = Text()
    for n, (name, value) in enumerate(fields):
        if n:
            out.append("\n")
        out.append(f"{name}{t('row.colon')}", "bold")
        out.append(value if value.strip() else t("row.empty"), "" if value.strip() else "dim")
    return out


class RowDetail(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "key.close", id="row.close"),
        Binding("enter", "close", "key.close", show=False, id="row.close_enter"),
        Binding("left", "close", "key.close", show=False, id="row.close_left"),
    ]
    DEFAULT_CSS = """
    RowDetail { align: center middle; }
    RowDetail > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%; border: round $accent;
                           background: $surface; padding: 0 1; }
    RowDetail VerticalScroll { height: auto; max-height: 20; }
    RowDetail .hint { color: $text-muted; }
    """

    def __init__(self, title: str, fields: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title or t("row.title")
        self.fields = list(fields)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            with VerticalScroll():
                yield Static(field_lines(self.fields), id="row-text")
            yield Static(t("row.hint"), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
