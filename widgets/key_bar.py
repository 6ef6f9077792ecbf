"""The key bar at the foot of a screen: the current bindings as one line of text.

Textual's ``Footer`` builds a widget per key and rebuilds them all whenever the bindings change (every focus
change, every dialog); that costs more than the work a key does, and many bytes over a slow link. This draws the
same information as one ``Text``, redrawn only when it changes. When the keys don't fit on one line (80 columns,
a screen with many keys) the bar takes a second line rather than hiding keys; what still does not fit is cut at a
key's boundary, and F1 lists every key.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from widgets.bindings import described, shown_bindings

# Actions whose key the bar always shows, at the right: how to find every other key.
KEPT = ("help", "app.help")


class KeyBar(Static):
    MAX_LINES: ClassVar[int] = 2
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description", "key-bar--disabled"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        max-height: 2;
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
        """Each shown binding once (the first key of its action), on one line or, when they don't fit, two, cut at a
        key's boundary; F1 help and the command palette's key kept at the right of the last line, always in view."""
        bindings = shown_bindings(self.screen)
        palette = bindings.get(self.app.COMMAND_PALETTE_BINDING) if self.app.ENABLE_COMMAND_PALETTE else None
        kept = [a for a in bindings.values() if a.binding.action in KEPT and a.binding.show]
        kept += [palette] if palette is not None else []
        right = Text()
        for active in kept:
            right.append_text(self._key(active.binding, active.enabled, lead=" "))
        width = width or 10_000  # not laid out yet: one line

        def room(line: int) -> int:
            return width - (right.cell_len if line == self.MAX_LINES - 1 else 0)

        lines = [Text(no_wrap=True, overflow="crop")]
        seen: set[str] = {a.binding.action for a in kept}
        for _, binding, enabled, _ in bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self._key(binding, enabled, lead=" " if lines[-1] else "")
            if lines[-1] and lines[-1].cell_len + key.cell_len > room(len(lines) - 1) and len(lines) < self.MAX_LINES:
                lines.append(Text(no_wrap=True, overflow="crop"))
                key = self._key(binding, enabled, lead="")
            if lines[-1].cell_len + key.cell_len <= room(len(lines) - 1):
                lines[-1].append_text(key)
        if lines[-1].cell_len + right.cell_len > width and len(lines) < self.MAX_LINES:
            lines.append(Text(no_wrap=True, overflow="crop"))
        lines[-1].truncate(max(width - right.cell_len, 0), pad=True)
        lines[-1].append_text(right)
        return Text("\n", no_wrap=True, overflow="crop").join(lines)

    def _key(self, binding: Binding, enabled: bool, lead: str) -> Text:
        key_style = self.get_component_rich_style("key-bar--key" if enabled else "key-bar--disabled")
        text_style = self.get_component_rich_style("key-bar--description" if enabled else "key-bar--disabled")
        text = Text(lead)
        text.append(f" {self.app.get_key_display(binding)} ", key_style)
        text.append(described(binding), text_style)
        return text
