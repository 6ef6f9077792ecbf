"""What a person types for a number, in the form the bank stores it: the one normaliser behind every field that takes
a mobile, a resident ID, a card, account or client number, and behind search (F3, the client list, the wizard's
client search, look-ups by whole number, the lobby's walk-in).

People type numbers as they read them off a card or a phone: in full-width digits from a Chinese input method
(``１３９…``, ``Ｃ０００１``), in groups split by spaces or dashes (``139 1234 5678``, ``139-1234-5678``), after a
country code (``+86 139…``, ``0086…``, ``(+86)``). Imports already read full-width text; this module gives the
screens and the services the same reading. A whole mobile is read by phonenumbers (``MobileNumber``), a whole ID by
the one ID validator (``validate_resident_id``); this module only strips what is not part of a number.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic_core import PydanticCustomError

from csm_tui.domain.values import MOBILE_DIGITS, NUMBER_SEPARATORS, SEPARATOR_CHARS, MobileNumber

# A dialled number as typed: digits and separators, perhaps a leading + (after brackets or spaces) and an ID's
# check character X at the end. The optional prefix ends at its + so the two runs never compete for the same
# characters: a huge paste of brackets is read in linear time, not retried from every bracket.
_NUMBER_LIKE = re.compile(f"(?:[(\\s]*\\+)?[0-9{SEPARATOR_CHARS}]*[0-9][Xx]?")
# A country code before a mobile (or the start of one): +86 or 0086; a bare 86 only before a whole mobile.
_COUNTRY = re.compile(r"^(?:\+|00)86(?=1\d{0,10}$)|^86(?=1\d{10}$)")

# What a person types for a hidden digit (after NFKC: ＊ and ﹡ are *, ｘ is x, ＃ is #), and a masked number: a
# country code, the visible digits, one run of them, the visible digits.
MASK_GLYPHS = "*∗⁎✱xX×#•●∙"
_MASKED = re.compile(f"(?:(?:\\+|00)?86(?=1))?([0-9]*)([{re.escape(MASK_GLYPHS)}]+)([0-9]*)")
# Dots typed for hidden digits (``139····5678``, a Chinese input method's ·): two or more in a row, where one alone
# separates groups (``139·1234·5678``).
_DOTS = re.compile("[.\u00b7\u30fb]{2,}")

# Invisible characters a paste brings along (zero-width spaces and joiners, the word joiner, a byte-order mark):
# not whitespace to ``str.strip``.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def typed(text: str) -> str:
    """``text`` as compared: NFKC (full-width digits, letters, ＋ and － to ASCII; the ideographic space to a space),
    outer spaces and invisible characters gone."""
    text = unicodedata.normalize("NFKC", text)
    while (stripped := text.strip().strip(_INVISIBLE)) != text:
        text = stripped
    return text


def number_digits(text: str) -> str | None:
    """The typed text as the digits of one number (``+86``/``0086`` before a mobile dropped, separators gone, a
    trailing check character as ``X``), or None when it is not written as a number at all (a name, a client number
    with its letter, digits among words)."""
    text = typed(text)
    if not _NUMBER_LIKE.fullmatch(text):
        return None
    digits = NUMBER_SEPARATORS.sub("", text).upper()
    return _COUNTRY.sub("", digits, count=1).lstrip("+")


def search_text(text: str) -> str:
    """What typed search text stands for: a number written in any of the ways above as its bare digits (so a
    prefix of a mobile typed ``+86 139 12`` finds ``13912…``), anything else (a name, initials, a client number) as
    ``typed`` reads it."""
    digits = number_digits(text)
    return digits if digits is not None else typed(text)


def client_number(text: str) -> str:
    """A client number as typed (``c0001``, ``Ｃ０００１``): as stored, upper-case."""
    return typed(text).upper()


def typed_mask(text: str) -> str | None:
    """``text`` read as a masked number, the way ``mask_mobile`` shows one, as a user leaves, pastes or retypes it:
    the visible digits around one run of mask glyphs (``*``, ``x``, ``#``, dots — full-width too), each glyph as
    ``*``; a ``+86``/``0086``/``86`` before it and separators between groups gone (``+86 139-••••-5678`` reads
    ``139****5678``). None when it is not written as a mask, or shows a whole mobile's digits (``13912345678#``: a
    stray mark, not a hidden digit)."""
    text = _DOTS.sub(lambda dots: "*" * len(dots.group()), typed(text))
    match = _MASKED.fullmatch(NUMBER_SEPARATORS.sub("", text))
    if match is None:
        return None
    visible, hidden, rest = match.groups()
    if len(visible) + len(rest) >= MOBILE_DIGITS:
        return None
    return f"{visible}{'*' * len(hidden)}{rest}"


def mobile_or_none(text: str) -> str | None:
    """The typed text as a mainland mobile in its 11-digit form (by phonenumbers), or None."""
    try:
        return MobileNumber.normalise(text)
    except PydanticCustomError:
        return None
