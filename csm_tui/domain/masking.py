"""Masking free text: every resident ID, mainland mobile and bank card or account number in it, however written.

One function for every text that leaves the workstation or is kept for the record: the audit log, every export
(contacts, tasks, the scoreboard; CSV and XLSX) and an import's error file. A number is found as people type it:
in full-width digits (``１３９…``) or any script's decimal digits, in groups split by spaces (also the ideographic
space), dashes, dots, slashes, underscores or brackets (``139 1234 5678``, ``139.1234.5678``, ``(139)1234_5678``),
after a ``+86``/``0086``/``86`` prefix, an ID's check character ``X`` in either width. Each is masked as the OCRM
masks it (a mobile's first three and last four digits kept, an ID's area code and last four, a card's first and last
four), its middle never shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from csm_tui.domain.values import mask_mobile, mask_resident_id

# What may stand between the groups of one number: spaces (also no-break, ideographic and zero-width), dashes of any
# width, dots (also full-width and the middle dot), slashes, underscores and brackets in either width, at most three
# in a row (``139 - 1234 - 5678``, ``(139) 1234_5678``). Not commas: they end one item of a list (``座机
# 010-12345678，2026-11-27``), and reading across them would take a landline and a date for an old ID.
_SEPARATORS = (
    " \t\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff\\-\u2010\u2011\u2012\u2013\u2014\uff0d.\uff0e\u00b7\u30fb"
    "/\uff0f_\uff3f()\uff08\uff09\\[\\]\uff3b\uff3d\u3010\u3011"
)
_CHECK = "Xx\uff38\uff58"  # an ID's check character, ASCII or full-width
_RUN = re.compile(rf"\d+[{_CHECK}]?")
_CHAIN = re.compile(rf"\d+[{_CHECK}]?(?:[{_SEPARATORS}]{{1,3}}\d+[{_CHECK}]?)*")
_MOBILE = re.compile(r"(?P<cc>0086|86)?(?P<number>1[3-9]\d{9})")
_RESIDENT_ID = re.compile(r"\d{17}[\dX]|\d{15}")
_CARD_DIGITS = range(16, 20)  # bank cards (16 or 19 digits) and accounts (17)
_CARD_GROUP = 3  # a card written in groups has groups of three or more (19 digits: 4-4-4-4-3)
_FEWEST = 11  # the fewest digits of anything masked (a mobile)
_WINDOW = 19  # the most groups one number can be written in (a digit each)
_INSIDE = (11, 15, 18)  # the lengths of a mobile and of IDs, looked for inside a longer run of digits


@dataclass(frozen=True)
class _Run:
    """A group of digits (``digits`` in ASCII, ``at`` the text positions of each) and its check character."""

    digits: str
    at: tuple[int, ...]
    check_at: int | None


@dataclass(frozen=True)
class _Number:
    """A reading of some digits as one number: where it stands in the text (``start``, ``end``), its masked form
    and the text positions of the digits that form hides."""

    start: int
    end: int
    masked: str
    hidden: frozenset[int]


def mask_text(text: str) -> str:
    """``text`` with every ID, mobile, card and account number in it masked; everything else as it was."""
    pieces: list[str] = []
    kept = 0
    for chain in _CHAIN.finditer(text):
        if sum(ch.isdigit() for ch in chain[0]) < _FEWEST:
            continue
        runs = _runs(chain)
        numbers = list(_numbers(text, runs))
        others = list(_other_readings(text, runs))
        hidden = frozenset().union(*(n.hidden for n in numbers))
        if any(
            other.hidden - hidden and not any(n.start <= other.start and other.end <= n.end for n in numbers)
            for other in others
        ):
            # The digits read more than one way (numbers run together): hide, in place, every digit any reading
            # hides, so no way of reading them shows what another way would hide.
            start = chain.start()
            hide = hidden.union(*(other.hidden for other in others))
            masked = "".join("*" if start + k in hide else ch for k, ch in enumerate(chain[0]))
            pieces += [text[kept:start], masked]
            kept = chain.end()
            continue
        for number in numbers:
            pieces += [text[kept : number.start], number.masked]
            kept = number.end
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


def _readings(text: str, runs: list[_Run], i: int) -> Iterator[tuple[int, _Number]]:
    """Every number read from the groups starting at ``runs[i]``, with the index of its last group."""
    digits = ""
    at: tuple[int, ...] = ()
    for j in range(i, min(len(runs), i + _WINDOW)):
        run = runs[j]
        digits, at = digits + run.digits, at + run.at
        grouped = i == j or all(len(r.digits) >= _CARD_GROUP for r in runs[i : j + 1])
        readings = [(digits, at, grouped)]
        if run.check_at is not None:
            readings.append((digits + "X", (*at, run.check_at), False))
        for number, where, card in readings:
            if (number_read := _read(text, number, where, card)) is not None:
                yield j, number_read
        if run.check_at is not None:
            return  # a check character ends a number


def _read(text: str, number: str, where: tuple[int, ...], card: bool) -> _Number | None:
    """``number`` (its characters at ``where`` in ``text``) masked, if it reads as a number at all."""
    reading = _reading(number, card)
    if reading is None:
        return None
    kept, masked, hidden = reading
    start, end = where[0], where[-1] + 1
    return _Number(start, end, text[start : where[kept]] + masked if kept else masked, frozenset(where[hidden]))


def _numbers(text: str, runs: list[_Run]) -> Iterator[_Number]:
    """The numbers among consecutive groups, left to right, each the longest that reads as one."""
    i = 0
    while i < len(runs):
        best: tuple[int, _Number] | None = None  # (last group, number)
        for j, number in _readings(text, runs, i):
            if best is None or number.end - number.start > best[1].end - best[1].start:
                best = (j, number)
        if best is None:
            i += 1
            continue
        yield best[1]
        i = best[0] + 1


def _other_readings(text: str, runs: list[_Run]) -> Iterator[_Number]:
    """Every other way the groups read: any consecutive groups, and inside a group that is no number itself
    (numbers typed together), any stretch of its digits that reads as a mobile or an ID."""
    for i, run in enumerate(runs):
        yield from (number for _j, number in _readings(text, runs, i))
        if _reading(run.digits, True) is not None:
            continue
        for length in _INSIDE:
            for offset in range(len(run.digits) - length + 1):
                where = run.at[offset : offset + length]
                if (inside := _read(text, run.digits[offset : offset + length], where, False)) is not None:
                    yield inside


def _reading(number: str, card: bool) -> tuple[int, str, slice] | None:
    """How ``number`` reads if it is a mobile, an ID or (``card``) a card or account number: the count of its
    leading digits kept as written (a country code), the masked rest and which of its digits that hides."""
    if mobile := _MOBILE.fullmatch(number):
        cc = len(mobile["cc"] or "")
        return cc, mask_mobile(mobile["number"]), slice(cc + 3, cc + 7)
    if _RESIDENT_ID.fullmatch(number):
        return 0, mask_resident_id(number), slice(6, len(number) - 4)
    if card and number.isdigit() and len(number) in _CARD_DIGITS:
        return 0, f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}", slice(4, len(number) - 4)
    return None
