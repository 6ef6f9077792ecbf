"""Above a list: what it would hold and how it gets filled, shown only while it is empty (once its data has come)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text
from textual import events
from textual.dom import DOMNode
from textual.widgets import DataTable, Static

from csm_tui.domain.enums import Role
from csm_tui.domain.roles import BOOK_ROLES
from csm_tui.i18n import t

# Marks that never begin a line in Chinese text (行首禁则): the character before them goes down with them.
NO_LINE_START = frozenset("，。：；、）》」』？！")


def wrapped(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` cells, as the terminal would break it, except that no line
    starts with a closing mark (a "：" alone at the start of a line reads as if something were missing)."""
    if width <= 1:
        return text
    console = Console(width=width)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        rest = paragraph
        while rest:
            first = Text(rest).wrap(console, width)[0].plain.rstrip(" ")
            n = max(len(first), 1)  # at least one character a line: the loop always moves on
            while 1 < n < len(rest) and rest[n] in NO_LINE_START:
                n -= 1  # the character the mark closes goes down with it
            lines.append(rest[:n].rstrip(" "))
            rest = rest[n:].lstrip(" ")
        if not paragraph:
            lines.append("")
    return "\n".join(lines)


class EmptyNote(Static):
    DEFAULT_CSS = """
    EmptyNote { color: $text-muted; padding: 0 1; height: auto; display: none; }
    """

    def __init__(self, table_id: str, text_key: str) -> None:
        self.text = t(text_key)
        super().__init__(self.text, id=f"{table_id}-empty")
        self.table_id = table_id

    def on_resize(self, _: events.Resize) -> None:
        """Broken into lines for this width with no line starting with a closing mark (``wrapped``)."""
        self.update(wrapped(self.text, self.content_size.width))

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
