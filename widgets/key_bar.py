"""The key bar at the foot of a screen: the current bindings as one line of text.

Textual's ``Footer`` builds a widget per key and rebuilds them all whenever the bindings change (every focus
change, every dialog); that costs more than the work a key does, and many bytes over a slow link. This draws the
same information as one ``Text``, redrawn only when it changes.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from widgets.bindings import described


class KeyBar(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description", "key-bar--disabled"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: clip;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .key-bar--key { color: $footer-key-foreground; text-style: bold; }
    KeyBar > .key-bar--description { color: $footer-description-foreground; }
    KeyBar > .key-bar--disabled { color: $text-disabled; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_resize(self) -> None:
        self._bindings_changed(self.screen)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            line = self.line(self.size.width)
            if line != self.content:
                self.update(line)

    def line(self, width: int) -> Text:
        """Each shown binding once (the first key of its action); the command palette's key kept at the right."""
        bindings = self.screen.active_bindings
        palette = bindings.get(self.app.COMMAND_PALETTE_BINDING) if self.app.ENABLE_COMMAND_PALETTE else None
        keys = Text(no_wrap=True, overflow="crop")
        seen: set[str] = set()
        for _, binding, enabled, _ in bindings.values():
            if binding.show and binding.action not in seen and binding is not (palette and palette[1]):
                seen.add(binding.action)
                keys.append_text(self._key(binding, enabled, lead=" " if keys else ""))
        if palette is None:
            return keys
        right = self._key(palette[1], palette[2], lead=" ")
        keys.truncate(max(width - right.cell_len, 0), pad=True)
        return keys + right

    def _key(self, binding: Binding, enabled: bool, lead: str) -> Text:
        key_style = self.get_component_rich_style("key-bar--key" if enabled else "key-bar--disabled")
        text_style = self.get_component_rich_style("key-bar--description" if enabled else "key-bar--disabled")
        text = Text(lead)
        text.append(f" {self.app.get_key_display(binding)} ", key_style)
        text.append(described(binding), text_style)
        return text
