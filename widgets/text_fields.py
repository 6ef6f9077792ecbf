"""Text fields that never hold more than their column does: what is typed past the end is refused (the bell), what is
pasted past it is cut to fit with a notice saying so, and the screen goes on at once (a paste of any length is
looked at once, never a character at a time)."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input, TextArea
from textual.widgets.text_area import Edit, EditResult

from csm_tui.i18n import t

SEARCH_MAX = 64  # a name, a client number, an ID or a mobile number, or a part of one
PATH_MAX = 4096  # a file path (Linux's PATH_MAX)
DATE_MAX = 10  # YYYY-MM-DD
TIME_MAX = 5  # HH:MM
AMOUNT_MAX = 20  # ¥ 9,999,999,999.99 and some spaces


class BoundedInput(Input):
    """An ``Input`` with a ``max_length`` it must be given: a paste past it is cut to fit, with a notice. Its cursor
    does not blink: a blink is a write to the terminal twice a second, over SSH, while a user sits in a field."""

    def __init__(self, value: str | None = None, placeholder: str = "", *, max_length: int, **kwargs: Any) -> None:
        super().__init__(value, placeholder, max_length=max_length, **kwargs)
        self.limit = max_length
        self.cursor_blink = False

    def _on_paste(self, event: events.Paste) -> None:
        line = event.text.splitlines()[0] if event.text else ""
        start, end = sorted(self.selection)
        room = max(0, self.limit - (len(self.value) - (end - start)))
        if len(line) > room:
            self.notify(t("input.cut", max=self.limit), severity="warning")
            event.stop()
            event = events.Paste(line[:room])
        super()._on_paste(event)


class BoundedTextArea(TextArea):
    """A ``TextArea`` of at most ``max_length`` characters: an edit past it (a paste) is cut to fit, with a notice."""

    def __init__(self, text: str = "", *, max_length: int, **kwargs: Any) -> None:
        super().__init__(text, **kwargs)
        self.max_length = max_length
        self.cursor_blink = False  # as ``BoundedInput``'s

    def edit(self, edit: Edit) -> EditResult:
        start, end = sorted((edit.from_location, edit.to_location))
        room = max(0, self.max_length - (len(self.text) - len(self.get_text_range(start, end))))
        if len(edit.text) > room:
            if len(edit.text) > 1:  # a paste (one typed character past the end only rings)
                self.notify(t("input.cut", max=self.max_length), severity="warning")
            else:
                self.app.bell()
            edit = Edit(edit.text[:room], edit.from_location, edit.to_location, edit.maintain_selection_offset)
        return super().edit(edit)
