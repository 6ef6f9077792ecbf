"""Above a list: what it would hold and how it gets filled, shown only while it is empty (once its data has come)."""

from __future__ import annotations

from textual.dom import DOMNode
from textual.widgets import DataTable, Static

from csm_tui.i18n import t


class EmptyNote(Static):
    DEFAULT_CSS = """
    EmptyNote { color: $text-muted; padding: 0 1; height: auto; display: none; }
    """

    def __init__(self, table_id: str, text_key: str) -> None:
        super().__init__(t(text_key), id=f"{table_id}-empty")
        self.table_id = table_id

    def check(self) -> None:
        table = self.screen.query_one(f"#{self.table_id}", DataTable)
        self.display = table.row_count == 0


def show_empty_notes(node: DOMNode) -> None:
    """Each list of ``node`` that is empty says so (``EmptyNote``); call once the lists are filled."""
    for note in node.query(EmptyNote):
        note.check()
