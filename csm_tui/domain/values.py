"""Value types: resident ID numbers, mainland mobile numbers and money.

Each is validated by a well-kept library and fails with a ``PydanticCustomError`` whose type is a catalog key
(``value.<type>``), so the message reaches the user in their language with the field's name.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

import phonenumbers
from pydantic import BeforeValidator, GetCoreSchemaHandler, PlainSerializer
from pydantic_core import PydanticCustomError, core_schema
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


def mask_resident_id(number: str) -> str:
    """The OCRM mask: area code and last four kept, birth date and sequence hidden."""
    return f"{number[:6]}********{number[-4:]}"


def mask_mobile(number: str | None) -> str:
    return "" if not number else f"{number[:3]}****{number[-4:]}"


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


class ResidentId(str):
    """An 18-character PRC resident ID number (GB 11643), stored upper-case.

    Birth date, sex and age are derived from the number itself.
    """

    __slots__ = ()

    def __new__(cls, value: str) -> ResidentId:
        return super().__new__(cls, cls.normalise(value))

    @staticmethod
    def normalise(value: str) -> str:
        try:
            return str(ric.validate(value))
        except InvalidLength:
            raise PydanticCustomError("value.id_length", "an ID number has 18 characters") from None
        except InvalidFormat:
            raise PydanticCustomError("value.id_format", "an ID number is 17 digits and a digit or X") from None
        except InvalidChecksum:
            raise PydanticCustomError("value.id_checksum", "the check character does not match") from None
        except InvalidComponent:
            raise PydanticCustomError("value.id_component", "the area code or birth date is not valid") from None

    @property
    def birth_date(self) -> dt.date:
        return dt.date(int(self[6:10]), int(self[10:12]), int(self[12:14]))

    @property
    def sex(self) -> Sex:
        return Sex.MALE if int(self[16]) % 2 else Sex.FEMALE

    def age_on(self, day: dt.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def masked(self) -> str:
        return mask_resident_id(self)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(), serialization=core_schema.to_string_ser_schema()
        )


class MobileNumber(str):
    """A mainland China mobile number in its 11-digit national form."""

    __slots__ = ()

    def __new__(cls, value: str) -> MobileNumber:
        return super().__new__(cls, cls.normalise(value))

    @staticmethod
    def normalise(value: str) -> str:
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
            or len(national) != 11
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

CENT = Decimal("0.01")
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


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)
