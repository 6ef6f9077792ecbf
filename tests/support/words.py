"""What the terminal shows, read back as text, and the words in it of the other language that are not the bank's
data: the check that no screen speaks the other language."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import String, Text, inspect, select

from csm_tui.app import CsmApp
from csm_tui.i18n import catalog
from storage.engine import make_engine
from storage.orm import Base

CJK = re.compile(r"[\u3400-\u9fff]+")
LATIN = re.compile(r"[A-Za-z]{2,}")
# Chinese punctuation no English text uses, and the ASCII marks Chinese text writes full-width beside a character.
FULL_WIDTH = re.compile(r"[，。：；（）？！、【】《》]")
ASCII_BESIDE_CJK = re.compile(r"[\u4e00-\u9fff][,:;?!()]|[,:;?!(][\u4e00-\u9fff]")
PATH = re.compile(r"(?:~|/)[\w./…-]*/[\w.-]+")  # a shortened path keeps its ends around …
# How Textual shows keys in the key bar and F1: names, not words of a language.
KEY_NAMES = {"esc", "enter", "tab", "space", "ctrl", "shift", "up", "down", "left", "right", "home", "end", "pgup",
             "pgdn", "delete", "backspace"}  # fmt: skip


def stored_text(url: str) -> str:
    """Every text the database holds, one blob: what a screen may show in either language as it is stored."""
    engine = make_engine(url)
    parts: list[str] = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if columns and inspect(conn).has_table(table.name):
                for row in conn.execute(select(*columns)):
                    parts += [str(v) for v in row if v]
    engine.dispose()
    return "\n".join(parts)


def screen_text(app: CsmApp) -> str:
    """What the terminal shows now, line by line (the SVG a snapshot would save, read back as text)."""
    svg = app.export_screenshot()
    rows: dict[float, list[str]] = {}
    for match in re.finditer(r'<text[^>]*?y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        text = re.sub("<[^>]+>", "", match.group(2))
        rows.setdefault(float(match.group(1)), []).append(text)
    return "\n".join(unescape("".join(parts)).replace("\xa0", " ") for _, parts in sorted(rows.items()))


def foreign_words(text: str, lang: str, data: str) -> list[str]:
    """The words of ``text`` in the other language that are neither the bank's data nor this language's own text
    (a Chinese text may name keys, codes and formats in Latin letters: those are in the Chinese catalog too)."""
    own = "\n".join(catalog(lang).values())
    text = PATH.sub(" ", text)  # a file's path (an export's) is the computer's, not a language's
    if lang == "en":
        return [w for w in CJK.findall(text) if w not in data]
    lowered_own, lowered_data = own.casefold(), data.casefold()
    return [
        w
        for w in LATIN.findall(text)
        if w.casefold() not in KEY_NAMES and w.casefold() not in lowered_own and w.casefold() not in lowered_data
    ]
