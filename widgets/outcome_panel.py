"""The call session's outcome keys, all of them in view: a panel of two rows above the key bar.

Ten outcomes, the skip and snooze keys beside them, do not fit one key bar at 80 columns; the panel shows each with
a short word, in columns, read from the screen's bindings (so a key remapped in the settings shows as remapped).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from csm_tui.i18n import t


class OutcomePanel(Static):
    """``actions`` in order, each as its key and the short word ``outcome_key.<action id>`` says."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"outcome-panel--key"}
    DEFAULT_CSS = """
    OutcomePanel { height: auto; background: $boost; }
    OutcomePanel > .outcome-panel--key { color: $accent; text-style: bold; }
    """
    ROWS: ClassVar[int] = 2

    def __init__(self, binding_ids: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.binding_ids = binding_ids

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._changed)
        self._changed(self.screen)

    def on_resize(self) -> None:
        self._changed(self.screen)

    def _changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            text = self.panel(self.size.width)
            if text != self.content:
                self.update(text)

    def entries(self) -> list[tuple[str, str]]:
        """(key as shown, short word) for each of the panel's bindings, in order."""
        found: dict[str, str] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.id in self.binding_ids and binding.id not in found:
                found[binding.id] = self.app.get_key_display(binding)
        return [(found[i], t(f"outcome_key.{i.replace('.', '_')}")) for i in self.binding_ids if i in found]

    def panel(self, width: int) -> Text:
        entries = self.entries()
        if not entries:
            return Text()
        per_row = -(-len(entries) // self.ROWS)
        column = max(1, (width or 80) // per_row)
        key_style = self.get_component_rich_style("outcome-panel--key")
        rows = []
        for start in range(0, len(entries), per_row):
            row = Text(no_wrap=True, overflow="crop")
            for key, word in entries[start : start + per_row]:
                cell = Text(f" {key} ", key_style)
                cell.append(word)
                cell.truncate(column, pad=True)
                row.append_text(cell)
            rows.append(row)
        return Text("\n", no_wrap=True, overflow="crop").join(rows)
