"""Above a list: what it would hold and how it gets filled, shown only while it is empty (once its data has come)."""

from __future__ import annotations

from textual.dom import DOMNode
from textual.widgets import DataTable, Static

from csm_tui.domain.enums import Role
from csm_tui.domain.roles import BOOK_ROLES
from csm_tui.i18n import t
from widgets.line_breaks import Wrapped


class EmptyNote(Static):
    DEFAULT_CSS = """
    EmptyNote { color: $text-muted; padding: 0 1; height: auto; display: none; }
    """

    def __init__(self, table_id: str, text_key: str) -> None:
        self.text = t(text_key)
        super().__init__(Wrapped(self.text), id=f"{table_id}-empty")  # broken where a reader expects
        self.table_id = table_id

    def check(self) -> None:
        table = self.screen.query_one(f"#{self.table_id}", DataTable)
        self.display = table.row_count == 0


def own_book_note(role: Role, table_id: str, text_key: str, *, wode: bool = False) -> EmptyNote:
    """The note above a list of one's own clients (``text_key``), or for a role with no book of its own
    (``roles.BOOK_ROLES``: a supervisor, the admin) why it is empty and where to look instead (``text_key``
    + ``_no_book``). ``wode``: the list has a 沃德 client manager's own words (``text_key`` + ``_wode``), whose book
    fills from the 沃德 referrals they accept."""
    if role not in BOOK_ROLES:
        return EmptyNote(table_id, f"{text_key}_no_book")
    return EmptyNote(table_id, f"{text_key}_wode" if wode and role is Role.WEALTH_MANAGER else text_key)


def show_empty_notes(node: DOMNode) -> None:
    """Each list of ``node`` that is empty says so (``EmptyNote``); call once the lists are filled."""
    for note in node.query(EmptyNote):
        note.check()
