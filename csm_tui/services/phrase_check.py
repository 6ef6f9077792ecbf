"""The phrase check: a note, an SMS text or a day summary is looked through for the policy's forbidden marketing
phrases (保本, 稳赚, 无风险, …: ``Compliance.forbidden_phrases``, which the policy may add to, never shorten) before
it is saved, on the workstation, not on a server after the message went out.

A phrase is found however it is dressed: in full width (``稳赚`` typed ``稳　赚`` or ``ＡＢＣ``), in either case, with
spaces, punctuation, symbols, combining marks or variation selectors between its characters (``稳 赚``, ``稳-赚``,
``稳·赚``, ``稳*赚``, ``稳\u0301赚``), in traditional characters (``穩賺``, ``無風險``: each character read as its
simplified form by OpenCC's table, so a branch's own phrases are found in either script too). A hit is not
always a breach ("本产品不保本" says the opposite): the staff member either changes the text or confirms it with a
reason. The services enforce it (``screen``): a save whose texts hold a phrase is refused, and the refusal is in the
audit log, unless a confirmation naming every phrase found and a reason comes with it; the confirmation is then in
the audit log with the save (``record_confirmed``, inside the save's transaction).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import opencc

from csm_tui.domain.errors import DomainError
from csm_tui.i18n import listed
from csm_tui.services.ports import UnitOfWork
from csm_tui.services.workstation import Workstation

PHRASES_REFUSED = "phrases.refused"  # the audit log's action for a save refused by the check
PHRASES_CONFIRMED = "phrases.confirmed"  # and for a save whose phrases the staff member confirmed with a reason
REASON_MAX = 200
# Between the characters of a phrase: separators (Z*), punctuation (P*), symbols (S*), format and control
# characters (C*: zero-width spaces), marks (M*: combining accents, variation selectors, enclosing circles) —
# nothing that is a letter or a digit of the phrase itself.
_SKIPPED = ("Z", "P", "S", "C", "M")
_CJK_FROM = 0x2E80  # the first code point a traditional character can have a simplified form from


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _simplified(ch: str) -> str:
    """One character in its simplified form (``穩`` → ``稳``), itself when it has none."""
    if ord(ch) < _CJK_FROM:
        return ch
    converted: str = _converter().convert(ch)
    return converted if len(converted) == 1 else ch


@dataclass(frozen=True)
class PhraseHit:
    """One forbidden phrase in one of the texts: which text (``field``), which phrase (as the policy writes it) and
    where it stands in the text as typed (``start``..``end``, including whatever was put between its characters)."""

    field: str
    phrase: str
    start: int
    end: int


@dataclass(frozen=True)
class PhrasesConfirmed:
    """The staff member saw ``phrases`` in place and keeps them, for ``reason``."""

    phrases: frozenset[str]
    reason: str


class ForbiddenPhrases(DomainError):
    """A save refused: its texts hold forbidden phrases that were not confirmed."""

    def __init__(self, hits: list[PhraseHit]) -> None:
        super().__init__("forbidden_phrases", phrases=listed(dict.fromkeys(h.phrase for h in hits)))
        self.hits = hits


def _fold(text: str) -> tuple[str, list[int]]:
    """``text`` as compared (NFKD, so full width as ASCII and accents apart; case-folded; without separators,
    punctuation, symbols and marks; simplified) and, for each folded character, the position in ``text`` it came
    from."""
    folded: list[str] = []
    at: list[int] = []
    for i, ch in enumerate(text):
        for piece in unicodedata.normalize("NFKD", ch).casefold():
            if unicodedata.category(piece)[0] in _SKIPPED:
                continue
            folded.append(_simplified(piece))
            at.append(i)
    return "".join(folded), at


def find_phrases(text: str, phrases: Iterable[str], field: str = "") -> list[PhraseHit]:
    """Every place in ``text`` where one of ``phrases`` stands, by position; a longer phrase found where a shorter
    one also is (高收益低风险 holding 低风险) is listed, and so is the shorter."""
    folded, at = _fold(text)
    hits: list[PhraseHit] = []
    for phrase in dict.fromkeys(phrases):
        needle, _ = _fold(phrase)
        if not needle:
            continue
        start = folded.find(needle)
        while start >= 0:
            hits.append(PhraseHit(field, phrase, at[start], at[start + len(needle) - 1] + 1))
            start = folded.find(needle, start + 1)
    return sorted(hits, key=lambda h: (h.start, -h.end, h.phrase))


def check(texts: Mapping[str, str], phrases: Iterable[str]) -> list[PhraseHit]:
    """The hits in each of ``texts`` (field name → text)."""
    wanted = tuple(phrases)
    return [hit for field, text in texts.items() for hit in find_phrases(text, wanted, field)]


def said(text: str) -> str:
    """A reason as said: without the spaces around it, and empty when nothing in it can be read (only spaces,
    zero-width or format characters: a reason the audit log would show as blank is no reason)."""
    text = text.strip()
    return text if any(unicodedata.category(ch)[0] not in ("Z", "C") for ch in text) else ""


def _covers(confirmed: PhrasesConfirmed | None, hits: list[PhraseHit]) -> bool:
    return (
        confirmed is not None
        and bool(said(confirmed.reason))
        and len(confirmed.reason) <= REASON_MAX
        and {h.phrase for h in hits} <= confirmed.phrases
    )


def screen(
    ws: Workstation, texts: Mapping[str, str], confirmed: PhrasesConfirmed | None, *, entity: str, entity_id: str = ""
) -> list[PhraseHit]:
    """Check ``texts`` before a save of ``entity``: the hits, when none or all are confirmed (the save then calls
    ``record_confirmed`` in its transaction); else the refusal is written to the audit log in its own transaction
    and ``ForbiddenPhrases`` raised, so nothing of the save is written."""
    hits = check(texts, ws.policy.compliance.forbidden_phrases)
    if not hits or _covers(confirmed, hits):
        return hits
    with ws.uow(write=True) as tx:
        tx.audit.record(PHRASES_REFUSED, entity, entity_id, **_detail(hits))
        tx.commit()
    raise ForbiddenPhrases(hits)


def record_confirmed(
    tx: UnitOfWork, hits: list[PhraseHit], confirmed: PhrasesConfirmed | None, *, entity: str, entity_id: str = ""
) -> None:
    """In the save's transaction: the phrases it keeps and why (nothing when the texts held none)."""
    if hits and confirmed is not None:
        tx.audit.record(PHRASES_CONFIRMED, entity, entity_id, reason=confirmed.reason.strip(), **_detail(hits))


def _detail(hits: list[PhraseHit]) -> dict[str, list[str]]:
    """What the log keeps of a check: the phrases and the fields they were in, never the text itself."""
    return {
        "phrases": list(dict.fromkeys(h.phrase for h in hits)),
        "fields": list(dict.fromkeys(h.field for h in hits)),
    }
