"""Text wrapped where a reader expects a line to end, in Chinese as in English: Rich breaks only at spaces (and cuts a
run without one at any cell), which splits ``（1–5 分）`` at its space and a Chinese sentence anywhere.

A line may end:
- after a space (the space is not drawn at the line's end), but never between a number and its unit (``5 分``,
  ``3 days``, ``3个月``), nor inside a short bracketed unit (``（1–5 分）``, ``(1–5)``);
- between two characters when one of them is wide (Chinese), except before closing punctuation (``，。）：`` …) or
  after opening punctuation (``（“《`` …) — the line-breaking rules (禁则) of Chinese typesetting;
- inside a phrase the catalog joins with no-break spaces (``已于\u00a0{date}\u00a0过期``), kept whole from the space
  or punctuation before it to the one after it.
A bracketed unit wider than the whole line breaks inside as other text does; what is still wider is cut by cells, as
nothing else fits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

NO_LINE_START = frozenset("，。、；：？！）」』》】〉…”’,.;:?!)]}%·")
NO_LINE_END = frozenset("（「『《【〈“‘([{¥￥$")
NO_BREAK_SPACE = "\u00a0"
PHRASE_ENDS = re.escape(" \u3000" + "".join(sorted(NO_LINE_START | NO_LINE_END)))  # spaces (not a no-break one), marks
BRACKETS = {"（": "）", "(": ")"}
UNIT_WITHIN = 12  # a bracketed unit of at most this many characters is kept on one line


def units(text: str, *, keep_units: bool = True) -> list[str]:
    """``text`` cut at every place a line may end (the pieces, joined, are ``text``); ``keep_units=False`` lets
    a bracketed unit or a joined phrase break inside as any text does."""
    pieces: list[str] = []
    start = 0
    closes = _kept(text) if keep_units else {}
    kept_until = -1
    for i in range(1, len(text)):
        kept_until = max(kept_until, closes.get(i - 1, -1))
        if i <= kept_until:
            continue
        if _may_break(text[i - 1], text[i], text[i - 2] if i > 1 else ""):
            pieces.append(text[start:i])
            start = i
    pieces.append(text[start:])
    return [p for p in pieces if p]


def _kept_brackets(text: str) -> dict[int, int]:
    """Where each short bracketed unit opens: the index of its closing bracket."""
    kept = {}
    for i, char in enumerate(text):
        close = BRACKETS.get(char)
        if close is not None:
            end = text.find(close, i + 1, i + UNIT_WITHIN + 1)
            if end != -1:
                kept[i] = end
    return kept


def _kept(text: str) -> dict[int, int]:
    """Where each short bracketed unit or phrase joined by no-break spaces (from a space or punctuation to the next)
    starts: the index of its last character."""
    kept = _kept_brackets(text)
    for phrase in re.finditer(f"[^{PHRASE_ENDS}]*{NO_BREAK_SPACE}[^{PHRASE_ENDS}]*", text):
        kept[phrase.start()] = max(kept.get(phrase.start(), -1), phrase.end() - 1)
    return kept


def _may_break(before: str, after: str, earlier: str) -> bool:
    """A line may end between ``before`` and ``after`` (``earlier``: the character before ``before``)."""
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    if before == " ":
        return after != " " and not earlier.isdigit()  # after the spaces; a number keeps its unit
    if after == " " or before.isdigit():  # a number keeps its unit (``1号``, ``3个月``)
        return False
    return cell_len(before) > 1 or cell_len(after) > 1


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken where ``units`` allows and at every "\\n" (a hard break,
    never part of a line); spaces at a line's end dropped."""
    return [text[start:end] for start, end in line_spans(text, width)]


def line_spans(text: str, width: int) -> list[tuple[int, int]]:
    """Where each of ``wrap``'s lines starts and ends in ``text`` (to cut a styled text the same way): each paragraph
    (between "\\n") wrapped on its own, an empty one an empty line."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n"):
        spans += [(offset + start, offset + end) for start, end in _paragraph_spans(paragraph, width)]
        offset += len(paragraph) + 1
    return spans


def _paragraph_spans(text: str, width: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = end = 0
    for piece in _fitting(units(text), width):
        if end > start and cell_len((text[start:end] + piece).rstrip()) > width:
            spans.append(_without_trailing_spaces(text, start, end))
            start = end + len(piece) - len(piece.lstrip())
        end += len(piece)
    spans.append(_without_trailing_spaces(text, start, end))
    return spans


def _without_trailing_spaces(text: str, start: int, end: int) -> tuple[int, int]:
    return start, start + len(text[start:end].rstrip())


def _fitting(pieces: list[str], width: int) -> Iterator[str]:
    """The pieces, each wider than a line broken inside its brackets where ``units`` would break it elsewhere, and
    what is still wider cut by cells (``_cut``)."""
    for piece in pieces:
        if cell_len(piece.rstrip()) <= width:
            yield piece
            continue
        for part in units(piece, keep_units=False):
            yield from _cut(part, width) if cell_len(part.rstrip()) > width else (part,)


def _cut(text: str, width: int) -> Iterator[str]:
    """``text`` cut by cells into lines of ``width``, except that closing punctuation (after spaces or not) takes
    the character before it down to the next line rather than start one."""
    while text:
        n = len(chop_cells(text, max(width, 2))[0])
        while 1 < n < len(text) and text[n:].lstrip(" ")[:1] in NO_LINE_START:
            n -= 1
        yield text[:n]
        text = text[n:]


class Wrapped:
    """A renderable of ``text`` (plain or styled) wrapped by ``wrap`` to the width it is given."""

    def __init__(self, text: str | Text) -> None:
        self.text = text if isinstance(text, Text) else Text(text)

    def __str__(self) -> str:
        return self.text.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for start, end in line_spans(self.text.plain, options.max_width):
            line = self.text[start:end]
            line.no_wrap, line.overflow = True, "crop"
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        paragraphs = self.text.plain.split("\n")
        widest = max((cell_len(p.rstrip()) for paragraph in paragraphs for p in units(paragraph)), default=0)
        return Measurement(min(widest, options.max_width), max(cell_len(p) for p in paragraphs))
