"""Table cells that read well in a column: figures right-aligned."""

from __future__ import annotations

from rich.text import Text


def figure(text: str) -> Text:
    return Text(text, justify="right")
