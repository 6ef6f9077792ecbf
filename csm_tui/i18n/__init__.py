"""Translation: every user-facing string comes from a catalog. Chinese (zh_CN) is the default, English the other.

Catalogs are TOML files beside this module; keys are dotted paths (``[nav] queue = ...`` is ``nav.queue``).
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csm_tui.domain.errors import DomainError

if TYPE_CHECKING:  # pydantic loads with the policy, after the first screen is painted
    from pydantic import ValidationError
    from pydantic_core import ErrorDetails, PydanticCustomError

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
_HERE = Path(__file__).parent
_current = DEFAULT_LANGUAGE


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = str(value)
    return flat


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    with (_HERE / f"{lang}.toml").open("rb") as fh:
        return _flatten(tomllib.load(fh))


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(lang)
    _current = lang


def current_language() -> str:
    return _current


def has(key: str) -> bool:
    return key in catalog(_current)


def t(key: str, /, **params: Any) -> str:
    """The string for ``key`` in the current language, with ``{name}`` placeholders filled in."""
    text = catalog(_current).get(key)
    if text is None:
        return key  # a missing key shows itself rather than crashing; a test keeps catalogs complete
    return text.format(**params) if params else text


def counted(key: str, /, count: int, **params: Any) -> str:
    """``t(key)`` for a count of things: ``{key}_one`` when there is one (``1 meeting``, not ``1 meetings``)."""
    return t(f"{key}_one" if count == 1 else key, count=count, **params)


def listed(items: Iterable[str]) -> str:
    """Words in a list, in the user's language: ``借记卡、工资卡`` / ``debit card, payroll card``."""
    return t("list.separator").join(items)


def itemised(items: Iterable[str]) -> str:
    """Items that carry their own commas or spaces (an account and its number, a holding and its date), one after
    another: ``借记卡 ****1234；工资卡 ****5678`` (full-width in Chinese) / ``Debit card ****1234; …``."""
    return t("list.items").join(items)


def label(member: Enum) -> str:
    """The display name of an enum member: ``Role.CSM`` → ``t("role.csm")``."""
    kind = "".join(f"_{c.lower()}" if c.isupper() else c for c in type(member).__name__).lstrip("_")
    return t(f"{kind}.{member.name.lower()}")


def wan(amount: Decimal) -> str:
    """Yuan in units of ten thousand (万元), the way branch lists show assets: 5,228,438.12 → 522.84."""
    return f"{(amount / 10_000).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _error_param(name: str, value: object) -> str:
    text = str(value)
    if name == "expected":  # "'a', 'b' or 'c'": the choices alone, without pydantic's English "or"
        return ", ".join(re.findall(r"'([^']*)'", text)) or text
    decimal = re.fullmatch(r"Decimal\('([^']*)'\)", text)  # a decimal bound comes as its repr
    return decimal[1] if decimal else text


def refusal(key: str, /, **params: Any) -> PydanticCustomError:
    """A validation error of type ``key`` (a catalog key) for a validator to raise: ``error_reason`` tells it in the
    user's language; its message, for logs and developers, is the English text."""
    from pydantic_core import PydanticCustomError

    return PydanticCustomError(key, catalog("en")[key], params)


def error_reason(item: ErrorDetails) -> str:
    """One pydantic error in the user's language, by its type: our own (``value.*``, ``policy.*``, …) by that
    catalog key, pydantic's by ``field_error.<type>``, each with its parameters; never pydantic's English text."""
    kind = item["type"]
    params = {name: _error_param(name, value) for name, value in item.get("ctx", {}).items()}
    if has(kind):
        return t(kind, **params)
    key = f"field_error.{kind}"
    return t(key, **params) if has(key) else t("field_error.invalid")


def storage_cause(cause: str) -> str:
    """What a failed database ran into (``storage.engine.failure_cause``), in words with what to do; an error
    without a name of its own by its type."""
    return t(f"storage_cause.{cause}") if has(f"storage_cause.{cause}") else cause


def explain(error: ValidationError | DomainError) -> str:
    """A validation or domain error as one line in the user's language, naming the field and the reason."""
    if isinstance(error, DomainError):
        return t(f"error.{error.code}", **error.params)
    parts = []
    for item in error.errors():
        field = str(item["loc"][-1]) if item["loc"] else ""
        reason = error_reason(item)
        name = t(f"field.{field}") if has(f"field.{field}") else field
        parts.append(t("error.field", field=name, reason=reason) if name else reason)
    return itemised(parts)
