"""Value types: resident ID numbers, mainland mobile numbers and money.

Each is validated by a well-kept library and fails with a ``PydanticCustomError`` whose type is a catalog key
(``value.<type>``), so the message reaches the user in their language with the field's name.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

import phonenumbers
from pydantic import BeforeValidator, GetCoreSchemaHandler, PlainSerializer
from pydantic_core import PydanticCustomError, core_schema
from stdnum.iso7064 import mod_11_2

from csm_tui.domain.fen import CENT as CENT  # kept here too, with the other money helpers
from csm_tui.domain.fen import from_fen as from_fen


def mask_resident_id(number: str) -> str:
    """The OCRM mask: area code and last four kept, birth date and sequence hidden."""
    return f"{number[:6]}********{number[-4:]}"


MOBILE_DIGITS = 11  # a mainland mobile's national number


def mask_mobile(number: str | None) -> str:
    return "" if not number else f"{number[:3]}****{number[-4:]}"


def mask_account(number: str) -> str:
    """A card or account number as banks print it: the issuer's first six digits and the last four."""
    hidden = max(len(number) - 10, 4)
    return f"{number[: len(number) - 4 - hidden]}{'*' * hidden}{number[-4:]}"


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


# The first two digits of a mainland resident ID: the province-level division (GB/T 2260). The county codes below
# them change every year and no library lists them all (python-stdnum's table misses many): an ID is taken on its
# check character, its province and its birth date, as the bank's core system takes it.
MAINLAND_PROVINCES = frozenset(
    ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44",
     "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")
)  # fmt: skip
# Residence permits of Hong Kong (81), Macau (82) and Taiwan (83) residents (港澳台居民居住证, since 2018) carry an
# 18-character number of the same form; banks open accounts on them, so the bank's files hold them as ID numbers.
RESIDENCE_PERMIT_CODES = frozenset(("81", "82", "83"))
FIRST_BIRTH_DATE = dt.date(1900, 1, 1)
# Between the groups of a typed number: spaces (also no-break, ideographic, zero-width), dashes of any width, dots
# and brackets (after NFKC the full-width ones are ASCII already). The one set behind the domain's number types and
# ``csm_tui.domain.typed`` (search), so a form takes a number written any way search reads it.
SEPARATOR_CHARS = "\\s\u00a0\u200b\u200c\u200d\u2060\ufeff\\-\u2010-\u2015\u2212.\u00b7\u30fb()"
NUMBER_SEPARATORS = re.compile(f"[{SEPARATOR_CHARS}]+")
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def _id_error(kind: str, text: str) -> PydanticCustomError:
    return PydanticCustomError(f"value.id_{kind}", text)


def validate_resident_id(value: object, today: dt.date | None = None) -> str:
    """The one check of a resident ID number, for imports, forms and search alike: the number in its stored form
    (ASCII, upper-case X), or a ``PydanticCustomError`` (``value.id_*``) saying why not; nothing else is raised.

    Full-width digits and Ｘ (a Chinese input method) and separators between groups (``NUMBER_SEPARATORS``: spaces,
    dashes, dots) are accepted. The birth date must be
    a real date from 1900-01-01 to ``today`` (the branch's date; without it, no upper bound is checked).
    """
    if not isinstance(value, str):
        raise _id_error("format", "an ID number is 17 digits and a digit or X")
    number = NUMBER_SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()
    if len(number) != 18:
        raise _id_error("length", "an ID number has 18 characters")
    if not _ID_SHAPE.fullmatch(number):
        raise _id_error("format", "an ID number is 17 digits and a digit or X")
    if mod_11_2.calc_check_digit(number[:17]) != number[17]:
        raise _id_error("checksum", "the check character does not match")
    if number[:2] not in MAINLAND_PROVINCES | RESIDENCE_PERMIT_CODES:
        raise _id_error("province", "the ID number names no mainland province nor a residence permit")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _id_error("birth_date", "the birth date in the ID number is not a date") from None
    if born < FIRST_BIRTH_DATE or (today is not None and born > today):
        raise _id_error("birth_date", "the birth date in the ID number is not a date") from None
    return number


class ResidentId(str):
    """An 18-character PRC resident ID number (GB 11643), stored upper-case.

    Birth date, sex and age are derived from the number itself. In a model, the birth date is checked against the
    validation context's ``today`` when one is given (``Client.model_validate(data, context={"today": day})``).
    """

    __slots__ = ()

    def __new__(cls, value: str, today: dt.date | None = None) -> ResidentId:
        return super().__new__(cls, validate_resident_id(value, today))

    @classmethod
    def _from_model(cls, value: str, info: core_schema.ValidationInfo) -> ResidentId:
        context = info.context if isinstance(info.context, dict) else {}
        return cls(value, context.get("today"))

    @property
    def birth_date(self) -> dt.date:
        return dt.date(int(self[6:10]), int(self[10:12]), int(self[12:14]))

    @property
    def sex(self) -> Sex:
        return Sex.MALE if int(self[16]) % 2 else Sex.FEMALE

    def age_on(self, day: dt.date) -> int:
        return self.years_between(self.birth_date, day)

    @staticmethod
    def years_between(born: dt.date, day: dt.date) -> int:
        """Whole years from ``born`` to ``day`` (an age)."""
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def masked(self) -> str:
        return mask_resident_id(self)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.with_info_after_validator_function(
            cls._from_model, core_schema.str_schema(), serialization=core_schema.to_string_ser_schema()
        )


class MobileNumber(str):
    """A mainland China mobile number in its 11-digit national form."""

    __slots__ = ()

    def __new__(cls, value: str) -> MobileNumber:
        return super().__new__(cls, cls.normalise(value))

    @staticmethod
    def normalise(value: str) -> str:
        # Full-width digits, ＋ and － (a Chinese input method) read as their ASCII selves; the separators search
        # reads between groups (zero-width spaces, dashes of any width, dots) go.
        value = NUMBER_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
        # phonenumbers reads letters as keypad digits and drops extensions: refuse anything but a dialled number.
        if not _DIALLED.fullmatch(value):
            raise PydanticCustomError("value.mobile_format", "not a phone number")
        try:
            parsed = phonenumbers.parse(value, "CN")
        except phonenumbers.NumberParseException:
            raise PydanticCustomError("value.mobile_format", "not a phone number") from None
        national = str(parsed.national_number)
        if (
            parsed.country_code != 86
            or len(national) != MOBILE_DIGITS
            or not national.startswith("1")
            or phonenumbers.number_type(parsed) not in _MOBILE_TYPES
            or not phonenumbers.is_valid_number(parsed)
        ):
            raise PydanticCustomError("value.mobile_invalid", "not a mainland mobile number")
        return national

    def masked(self) -> str:
        return mask_mobile(self)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(), serialization=core_schema.to_string_ser_schema()
        )


_DIALLED = re.compile(r"\s*\+?[\d\s()-]{7,20}")
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}

MONEY_LIMIT = Decimal(10) ** 15  # yuan: well inside a 64-bit count of fen


def parse_money(value: object, *, signed: bool = False) -> Decimal:
    """Decimal yuan with two places. Floats are refused: they cannot hold money exactly. A negative amount is refused
    unless the caller says the amount carries a sign (``signed``): no balance, price, sale or threshold is below 0."""
    if isinstance(value, bool | float):
        raise PydanticCustomError("value.money_float", "money must not be a float")
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        amount = Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise PydanticCustomError("value.money_format", "not an amount of money") from None
    if not amount.is_finite():
        raise PydanticCustomError("value.money_format", "not an amount of money")
    if abs(amount) >= MONEY_LIMIT:
        raise PydanticCustomError("value.money_range", "the amount is too large")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise PydanticCustomError("value.money_precision", "money has at most two decimal places")
    if amount < 0 and not signed:
        raise PydanticCustomError("value.money_negative", "an amount of money cannot be negative")
    return amount.quantize(CENT)


Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(lambda d: str(d), return_type=str, when_used="json"),
]


def to_fen(amount: Decimal) -> int:
    """Yuan to integer fen, as stored."""
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def money(amount: Decimal) -> str:
    """An amount as the bank writes it in any language: ¥1,234.50."""
    return f"¥{amount:,.2f}"
