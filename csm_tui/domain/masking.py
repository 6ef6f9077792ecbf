"""Masking free text: every resident ID, mainland mobile and bank card or account number in it, however written.

One function for every text that leaves the workstation or is kept for the record: the audit log, every export
(contacts, tasks, the scoreboard; CSV and XLSX) and an import's error file. A number is found as people type it:
in full-width digits (``１３９…``) or any script's decimal digits, in groups split by spaces (also the ideographic
space), dashes or dots (``139 1234 5678``, ``139-1234-5678``, ``139.1234.5678``), after a ``+86``/``0086``/``86``
prefix, an ID's check character ``X`` in either width. Each is masked as the OCRM masks it (a mobile's first three
and last four digits kept, an ID's area code and last four, a card's first and last four), its middle never shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from csm_tui.domain.values import mask_mobile, mask_resident_id

# What may stand between the groups of one number: spaces (also no-break and ideographic), dashes of any width and
# dots (also full-width and the middle dot), at most three in a row (``139 - 1234 - 5678``).
_SEPARATORS = " \t\u00a0\u3000\\-\u2010\u2011\u2012\u2013\u2014\uff0d.\uff0e\u00b7\u30fb"
_CHECK = "Xx\uff38\uff58"  # an ID's check character, ASCII or full-width
_RUN = re.compile(rf"\d+[{_CHECK}]?")
_CHAIN = re.compile(rf"\d+[{_CHECK}]?(?:[{_SEPARATORS}]{{1,3}}\d+[{_CHECK}]?)*")
_MOBILE = re.compile(r"(?P<cc>0086|86)?(?P<number>1[3-9]\d{9})")
_RESIDENT_ID = re.compile(r"\d{17}[\dX]|\d{15}")
_CARD_DIGITS = range(16, 20)  # bank cards (16 or 19 digits) and accounts (17)
_CARD_GROUP = 3  # a card written in groups has groups of three or more (19 digits: 4-4-4-4-3)
_FEWEST = 11  # the fewest digits of anything masked (a mobile)
_WINDOW = 19  # the most groups one number can be written in (a digit each)


@dataclass(frozen=True)
class _Run:
    """A group of digits (``digits`` in ASCII, ``at`` the text positions of each) and its check character."""

    digits: str
    at: tuple[int, ...]
    check_at: int | None


def mask_text(text: str) -> str:
    """``text`` with every ID, mobile, card and account number in it masked; everything else as it was."""
    pieces: list[str] = []
    kept = 0
    for chain in _CHAIN.finditer(text):
        if sum(ch.isdigit() for ch in chain[0]) < _FEWEST:
            continue
        for start, end, masked in _numbers(text, _runs(chain)):
            pieces += [text[kept:start], masked]
            kept = end
    return "".join([*pieces, text[kept:]]) if pieces else text


def _runs(chain: re.Match[str]) -> list[_Run]:
    runs = []
    for run in _RUN.finditer(chain[0]):
        body = run[0]
        check = body[-1] in _CHECK
        digits = body[:-1] if check else body
        offset = chain.start() + run.start()
        runs.append(
            _Run(
                digits="".join(str(int(ch)) for ch in digits),  # int() reads any script's decimal digit
                at=tuple(range(offset, offset + len(digits))),
                check_at=offset + len(digits) if check else None,
            )
        )
    return runs


def _numbers(text: str, runs: list[_Run]) -> Iterator[tuple[int, int, str]]:
    """The numbers among consecutive groups, left to right, each the longest that reads as one: its start and end
    in ``text`` and its masked form."""
    i = 0
    while i < len(runs):
        best: tuple[int, int, int, str] | None = None  # (length, last group, end, masked)
        digits = ""
        at: tuple[int, ...] = ()
        for j in range(i, min(len(runs), i + _WINDOW)):
            run = runs[j]
            digits, at = digits + run.digits, at + run.at
            grouped = i == j or all(len(r.digits) >= _CARD_GROUP for r in runs[i : j + 1])
            readings = [(digits, at[-1] + 1, grouped)]
            if run.check_at is not None:
                readings.append((digits + "X", run.check_at + 1, False))
            for number, end, card in readings:
                reading = _reading(number, card)
                if reading is not None and (best is None or len(number) > best[0]):
                    kept, masked = reading
                    best = (len(number), j, end, text[at[0] : at[kept]] + masked if kept else masked)
            if run.check_at is not None:
                break  # a check character ends a number
        if best is None:
            i += 1
            continue
        _length, last, end, masked = best
        yield runs[i].at[0], end, masked
        i = last + 1


def _reading(number: str, card: bool) -> tuple[int, str] | None:
    """How ``number`` reads if it is a mobile, an ID or (``card``) a card or account number: the count of its
    leading digits kept as written (a country code) and the masked rest."""
    if mobile := _MOBILE.fullmatch(number):
        return len(mobile["cc"] or ""), mask_mobile(mobile["number"])
    if _RESIDENT_ID.fullmatch(number):
        return 0, mask_resident_id(number)
    if card and number.isdigit() and len(number) in _CARD_DIGITS:
        return 0, f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"
    return None
