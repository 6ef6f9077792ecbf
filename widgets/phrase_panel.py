"""Where a dialog shows the forbidden phrases the check found (``services.phrase_check``): each named, in its text
with the phrase highlighted, and a field for the reason to keep them. The dialog saves again with the reason, or
the staff member changes the text."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from csm_tui.i18n import has, t
from csm_tui.services.phrase_check import PhraseHit

CONTEXT = 12  # characters of the text shown on each side of a phrase
HIGHLIGHT = "bold reverse red"


def excerpt(text: str, hit: PhraseHit) -> Text:
    """The phrase in its place in ``text``, a few characters either side, the phrase highlighted."""
    start, end = max(0, hit.start - CONTEXT), min(len(text), hit.end + CONTEXT)
    shown = Text("…" if start else "")
    shown.append(text[start : hit.start].replace("\n", " "))
    shown.append(text[hit.start : hit.end].replace("\n", " "), HIGHLIGHT)
    shown.append(text[hit.end : end].replace("\n", " "))
    shown.append("…" if end < len(text) else "")
    return shown


def field_name(field: str) -> str:
    return t(f"phrases.field.{field}") if has(f"phrases.field.{field}") else field


class PhrasePanel(Static):
    """The hits of one check, one line each: which field, which phrase, and the phrase in its place."""

    DEFAULT_CSS = """
    PhrasePanel { height: auto; color: $warning; }
    """

    def show_hits(self, hits: list[PhraseHit], texts: dict[str, str]) -> None:
        self.update(hit_lines(hits, texts))


def hit_lines(hits: list[PhraseHit], texts: dict[str, str]) -> Text:
    """One line per phrase and field, at its first place (the one selected), with how often it stands there: a text
    repeating a phrase does not push the reason field off an 80×24 screen."""
    first: dict[tuple[str, str], PhraseHit] = {}
    count: dict[tuple[str, str], int] = {}
    for hit in hits:
        key = (hit.field, hit.phrase)
        first.setdefault(key, hit)
        count[key] = count.get(key, 0) + 1
    lines = Text(t("phrases.found"))
    for key, hit in first.items():
        lines.append("\n")
        lines.append(t("phrases.hit", field=field_name(hit.field), phrase=hit.phrase) + " ")
        lines.append_text(excerpt(texts.get(hit.field, ""), hit))
        if count[key] > 1:
            lines.append(f" ×{count[key]}")
    return lines
