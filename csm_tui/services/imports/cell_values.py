"""Cells as typed values: dates, instants, yes/no, codes of the bank's vocabularies. Each failure is a ``RowError``
naming the column and the reason in the user's language."""

from __future__ import annotations

import datetime as dt
import functools
import re
from enum import Enum
from typing import TypeVar
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from csm_tui.i18n import LANGUAGES, catalog, error_reason, t
from csm_tui.services.imports.columns import normalise

E = TypeVar("E", bound=Enum)

_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YES = frozenset({"1", "y", "yes", "true", "是", "有", "在职"})
_NO = frozenset({"0", "n", "no", "false", "否", "无", "离职", ""})


class RowError(Exception):
    """A cell that cannot be taken: which column (field) and why, already in the user's language."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.field = field
        self.reason = reason


def reason_of(error: ValidationError) -> tuple[str, str]:
    """The first failing field of a domain model and the reason in the user's language (``error_reason``)."""
    item = error.errors()[0]
    return (str(item["loc"][0]) if item["loc"] else ""), error_reason(item)


@functools.lru_cache(maxsize=4096)
def parse_date(text: str) -> dt.date:
    """YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD or 2026年11月27日; raises ValueError otherwise."""
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        raise ValueError(text)
    year, month, day = (int(g) for g in match.groups())
    return dt.date(year, month, day)


def date_cell(field: str, text: str) -> dt.date:
    try:
        return parse_date(text)
    except ValueError:
        raise RowError(field, t("import_error.bad_date", value=text)) from None


def optional_date(field: str, text: str) -> dt.date | None:
    return date_cell(field, text) if text else None


def instant_cell(field: str, text: str, tz: str) -> dt.datetime:
    """ISO 8601 with an offset, or a local date and time of the branch (YYYY-MM-DD HH:MM[:SS]); as UTC."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise RowError(field, t("import_error.bad_time", value=text)) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(dt.UTC)


def optional_instant(field: str, text: str, tz: str) -> dt.datetime | None:
    return instant_cell(field, text, tz) if text else None


def bool_cell(field: str, text: str) -> bool:
    value = normalise(text)
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise RowError(field, t("import_error.bad_flag", value=text))


def int_cell(field: str, text: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise RowError(field, t("import_error.bad_number", value=text)) from None


@functools.cache
def _enum_texts(enum: type[Enum]) -> dict[str, Enum]:
    """Every way a member may be written: its code, its name, and its label in each language."""
    kind = "".join(f"_{c.lower()}" if c.isupper() else c for c in enum.__name__).lstrip("_")
    texts: dict[str, Enum] = {}
    for member in enum:
        names = {str(member.value), member.name}
        names |= {catalog(lang)[k] for lang in LANGUAGES if (k := f"{kind}.{member.name.lower()}") in catalog(lang)}
        texts.update({normalise(n): member for n in names})
    return texts


def enum_cell(field: str, text: str, enum: type[E]) -> E:
    member = _enum_texts(enum).get(normalise(text))
    if member is None:
        raise RowError(field, t("import_error.bad_code", value=text))
    return member  # type: ignore[return-value]


def optional_enum(field: str, text: str, enum: type[E]) -> E | None:
    return enum_cell(field, text, enum) if text else None
