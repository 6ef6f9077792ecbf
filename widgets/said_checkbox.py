"""A checkbox whose state is said in words and in its shape, not by a colour alone.

Textual's checkbox draws the same ``X`` ticked or not, only its colour changing: in many terminals (and over a
slow link, in a dim theme) both look alike. This one shows ``✓`` when ticked and an empty box when not, and its
words may change with it: what ticking means when unticked, what is done now when ticked. Every checkbox of the app
is one.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Checkbox

TICKED = "✓"
UNTICKED = " "


class SaidCheckbox(Checkbox):
    """``ticked`` and ``unticked``: the words beside the box in either state (the same words when only the mark
    changes)."""

    def __init__(self, ticked: str, unticked: str | None = None, value: bool = False, **kwargs: object) -> None:
        self.ticked_words = ticked
        self.unticked_words = ticked if unticked is None else unticked
        words = self.ticked_words if value else self.unticked_words
        super().__init__(words, value, **kwargs)  # type: ignore[arg-type]  # Checkbox's keywords as given

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = TICKED if self.value else UNTICKED
        return super()._button

    def watch_value(self) -> None:
        super().watch_value()
        self.label = self.ticked_words if self.value else self.unticked_words


class FormCheckbox(SaidCheckbox, inherit_bindings=False):
    """A ``SaidCheckbox`` in a form: Space ticks it, Enter is the form's (it saves, as in every field of the form),
    never a tick the user did not mean; the form may open with its focus on the box."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_button", show=False)]
