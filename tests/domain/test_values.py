"""Value types: resident ID numbers, mobile numbers, money, and how their errors reach a model's fields."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
import stdnum
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError
from stdnum.cn import ric

from csm_tui.domain.models import NewClient, NewHolding
from csm_tui.domain.values import (
    MobileNumber,
    Money,
    ResidentId,
    Sex,
    from_fen,
    mask_mobile,
    mask_resident_id,
    parse_money,
    to_fen,
)

VALIDATORS = settings(max_examples=200)
FIRST_YEAR, LAST_YEAR = 1900, 2025
ID_ALPHABET = "0123456789X"

# --- resident ID numbers -------------------------------------------------------------------------------------


@cache
def area_codes() -> list[tuple[str, int, int]]:
    """(area code, first year, last year) for every window in which python-stdnum knows a code was in use.

    Read from the library's own table, so that the generated numbers are exactly those ``ric`` accepts.
    """
    table = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    codes: list[tuple[str, int, int]] = []
    province = ""
    for line in table.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code, rest = line.strip().split(" ", 1)
        county = re.fullmatch(r'county="(.*)"', rest)
        assert county, line
        # One entry per window of use: a code reassigned with a gap is valid only inside its windows.
        for name in county.group(1).split(","):
            window = re.match(r"\[(\d*)-(\d*)\]", name)
            start, end = (window.group(1), window.group(2)) if window else ("", "")
            lo, hi = max(FIRST_YEAR, int(start or FIRST_YEAR)), min(LAST_YEAR, int(end or LAST_YEAR))
            if lo <= hi:
                codes.append((province + code, lo, hi))
    return codes


def with_check(body: str) -> str:
    """The 17-character body completed with its check character (calc_check_digit ignores the last one)."""
    return body + ric.calc_check_digit(body + "0")


@st.composite
def resident_ids(draw: st.DrawFn, born: st.SearchStrategy[dt.date] | None = None) -> str:
    if born is None:
        area, first, last = draw(st.sampled_from(area_codes()))
        year = draw(st.integers(first, last))
        birth = draw(st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    else:
        birth = draw(born)
        area = draw(st.sampled_from([code for code, first, last in area_codes() if first <= birth.year <= last]))
    sequence = draw(st.integers(0, 999))
    return with_check(f"{area}{birth:%Y%m%d}{sequence:03d}")


def test_area_code_table_is_usable() -> None:
    assert len(area_codes()) > 3000
    assert ("110105", FIRST_YEAR, LAST_YEAR) in area_codes()


@pytest.mark.parametrize("number", ["11010519491231002X", "360426199101010071"])
def test_known_numbers(number: str) -> None:
    assert ResidentId(number) == number


@VALIDATORS
@given(resident_ids())
def test_valid_numbers_pass(number: str) -> None:
    rid = ResidentId(number)
    assert rid == number
    assert isinstance(rid, ResidentId)
    assert rid.masked() == mask_resident_id(number) == number[:6] + "*" * 8 + number[-4:]


@VALIDATORS
@given(resident_ids())
def test_lower_case_x_is_normalised(number: str) -> None:
    if number.endswith("X"):
        assert ResidentId(number.lower()) == number
        assert ResidentId(f" {number[:-1]}x ") == number
    else:
        assert ResidentId(number.lower()) == number


def test_lower_case_x_example() -> None:
    assert ResidentId("11010519491231002x") == "11010519491231002X"


@VALIDATORS
@given(resident_ids(), st.data())
def test_every_single_character_corruption_fails(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, 17), label="position")
    replacement = data.draw(st.sampled_from([c for c in ID_ALPHABET if c != number[position]]), label="replacement")
    corrupted = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(PydanticCustomError) as err:
        ResidentId(corrupted)
    assert err.value.type.startswith("value.id_")


def test_every_corruption_of_one_number_fails() -> None:
    """Exhaustively, for one number: 18 positions × 10 other characters."""
    number = "11010519491231002X"
    for position in range(18):
        for replacement in ID_ALPHABET:
            if replacement == number[position]:
                continue
            corrupted = number[:position] + replacement + number[position + 1 :]
            with pytest.raises(PydanticCustomError):
                ResidentId(corrupted)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("11010519491231002", "value.id_length"),
        ("11010519491231002X1", "value.id_length"),
        ("", "value.id_length"),
        ("1101051949123100XX", "value.id_format"),
        ("A1010519491231002X", "value.id_format"),
        ("110105194912310021", "value.id_checksum"),
        (with_check("11010519490231002"), "value.id_birth_date"),  # 31 February
        (with_check("99999919491231002"), "value.id_province"),  # no such province
        (with_check("71000019800101002"), "value.id_province"),  # 台湾 (71): no resident ID is issued under it
        (with_check("11010518991231002"), "value.id_birth_date"),  # before 1900
    ],
)
def test_error_types(value: str, error: str) -> None:
    with pytest.raises(PydanticCustomError) as err:
        ResidentId(value)
    assert err.value.type == error


@VALIDATORS
@given(resident_ids())
def test_birth_date_and_sex_come_from_the_number(number: str) -> None:
    rid = ResidentId(number)
    assert rid.birth_date == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert rid.sex is (Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE)


@pytest.mark.parametrize(("digit", "sex"), [(str(d), Sex.MALE if d % 2 else Sex.FEMALE) for d in range(10)])
def test_seventeenth_digit_parity(digit: str, sex: Sex) -> None:
    assert ResidentId(with_check(f"1101051949123100{digit}")).sex is sex


def _same_day_in(year: int, born: dt.date) -> dt.date:
    """The birthday in ``year``; 29 February falls on 1 March in common years (and is first reached then)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)


@VALIDATORS
@given(resident_ids(), st.integers(1, 100))
def test_age_changes_on_the_birthday(number: str, years: int) -> None:
    rid = ResidentId(number)
    birthday = _same_day_in(rid.birth_date.year + years, rid.birth_date)
    assert rid.age_on(birthday) == years
    assert rid.age_on(birthday - dt.timedelta(days=1)) == years - 1
    assert rid.age_on(birthday + dt.timedelta(days=1)) == years


@VALIDATORS
@given(resident_ids(), st.data())
def test_age_is_whole_years_elapsed(number: str, data: st.DataObject) -> None:
    rid = ResidentId(number)
    day = data.draw(st.dates(rid.birth_date, dt.date(2200, 1, 1)), label="day")
    age = rid.age_on(day)
    assert age >= 0
    assert _same_day_in(rid.birth_date.year + age, rid.birth_date) <= day
    assert day < _same_day_in(rid.birth_date.year + age + 1, rid.birth_date)


@VALIDATORS
@given(
    resident_ids(born=st.sampled_from([dt.date(y, 2, 29) for y in range(FIRST_YEAR, LAST_YEAR) if calendar.isleap(y)]))
)
def test_leap_day_births(number: str) -> None:
    rid = ResidentId(number)
    born = rid.birth_date
    assert (born.month, born.day) == (2, 29)
    common = born.year + 1  # never a leap year
    assert rid.age_on(dt.date(common, 2, 28)) == 0
    assert rid.age_on(dt.date(common, 3, 1)) == 1
    leap = next(y for y in range(born.year + 1, born.year + 9) if calendar.isleap(y))
    years = leap - born.year
    assert rid.age_on(dt.date(leap, 2, 28)) == years - 1
    assert rid.age_on(dt.date(leap, 2, 29)) == years


def test_age_on_example() -> None:
    rid = ResidentId("11010519491231002X")  # born 31 December 1949
    assert rid.birth_date == dt.date(1949, 12, 31)
    assert rid.sex is Sex.FEMALE
    assert rid.age_on(dt.date(2026, 12, 30)) == 76
    assert rid.age_on(dt.date(2026, 12, 31)) == 77


# --- mobile numbers ------------------------------------------------------------------------------------------

MOBILE_PREFIXES = [
    *(f"13{d}" for d in range(10)),
    "145",
    "147",
    *(f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)),
    "166",
    *(f"17{d}" for d in (3, 5, 6, 7, 8)),
    *(f"18{d}" for d in range(10)),
    "191",
    "198",
    "199",
]


@st.composite
def mobiles(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(MOBILE_PREFIXES)) + draw(st.text("0123456789", min_size=8, max_size=8))


@VALIDATORS
@given(mobiles())
def test_valid_mobiles_pass(number: str) -> None:
    mobile = MobileNumber(number)
    assert mobile == number
    assert mobile.masked() == mask_mobile(number) == f"{number[:3]}****{number[-4:]}"


@VALIDATORS
@given(
    mobiles(), st.sampled_from(["+86 {a} {b} {c}", "+86-{a}-{b}-{c}", "0086{a}{b}{c}", "{a} {b} {c}", "+86{a}{b}{c}"])
)
def test_formatted_mobiles_normalise_to_eleven_digits(number: str, template: str) -> None:
    written = template.format(a=number[:3], b=number[3:7], c=number[7:])
    assert MobileNumber(written) == number


def test_international_format_example() -> None:
    assert MobileNumber("+86 138 0013 8000") == "13800138000"


@VALIDATORS
@given(mobiles(), st.integers(0, 10))
def test_wrong_lengths_fail(number: str, position: int) -> None:
    with pytest.raises(PydanticCustomError):
        MobileNumber(number[:position] + number[position + 1 :])  # 10 digits
    with pytest.raises(PydanticCustomError):
        MobileNumber(number[:position] + "5" + number[position:])  # 12 digits


@pytest.mark.parametrize(
    "value",
    [
        "010-12345678",  # Beijing landline
        "021 6888 8888",  # Shanghai landline
        "02112345678",
        "075512345678",
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "12345678901",  # no such mobile range
        "10086",
        "+1 650 253 0000",  # not China
        "+852 9123 4567",  # Hong Kong mobile
        "abc",
        "mobile",
        "13800138000abc",
        "",
        "   ",
    ],
)
def test_not_mainland_mobiles_fail(value: str) -> None:
    with pytest.raises(PydanticCustomError) as err:
        MobileNumber(value)
    assert err.value.type in ("value.mobile_format", "value.mobile_invalid")


@pytest.mark.parametrize(
    "value", ["138OO138OOO", "1380013wxyz", "13800138000x", "13800138000 ext 12", "tel:13800138000", "1380013800a"]
)
def test_letters_in_a_mobile_fail(value: str) -> None:
    """phonenumbers alone would read letters as keypad digits (O→6) and drop extensions: a different number."""
    with pytest.raises(PydanticCustomError) as err:
        MobileNumber(value)
    assert err.value.type == "value.mobile_format"


@VALIDATORS
@given(mobiles(), st.integers(0, 10), st.sampled_from("OolIZSBxX#*."))
def test_any_letter_or_symbol_in_a_mobile_fails(number: str, position: int, char: str) -> None:
    with pytest.raises(PydanticCustomError):
        MobileNumber(number[:position] + char + number[position + 1 :])


# --- money ---------------------------------------------------------------------------------------------------

LIMIT = Decimal("9999999999999.99")  # ten thousand billion yuan: beyond any one client
amounts = st.decimals(min_value=-LIMIT, max_value=LIMIT, places=2, allow_nan=False, allow_infinity=False)


@VALIDATORS
@given(amounts)
def test_decimal_round_trips_through_fen(amount: Decimal) -> None:
    parsed = parse_money(amount, signed=True)
    assert parsed == amount
    assert parsed.as_tuple().exponent == -2
    fen = to_fen(parsed)
    assert isinstance(fen, int)
    assert fen == int(amount * 100)
    assert from_fen(fen) == amount
    assert str(from_fen(fen)) == str(parsed)


@VALIDATORS
@given(amounts)
def test_string_round_trips_through_fen(amount: Decimal) -> None:
    assert from_fen(to_fen(parse_money(str(amount), signed=True))) == amount
    assert parse_money(f" ¥{amount:,} ", signed=True) == amount
    assert parse_money(f"￥{amount}", signed=True) == amount


@VALIDATORS
@given(st.integers(-(10**12), 10**12))
def test_int_round_trips_through_fen(yuan: int) -> None:
    parsed = parse_money(yuan, signed=True)
    assert parsed == Decimal(yuan)
    assert to_fen(parsed) == yuan * 100
    assert from_fen(to_fen(parsed)) == yuan


@VALIDATORS
@given(st.integers(-(2**63), 2**63 - 1))
def test_every_stored_fen_value_reads_back_exactly(fen: int) -> None:
    assert to_fen(from_fen(fen)) == fen


@VALIDATORS
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_are_refused(value: float) -> None:
    with pytest.raises(PydanticCustomError) as err:
        parse_money(value)
    assert err.value.type == "value.money_float"


@VALIDATORS
@given(st.decimals(min_value=-LIMIT, max_value=LIMIT, places=3, allow_nan=False, allow_infinity=False))
def test_three_places_refused(amount: Decimal) -> None:
    assume(amount != amount.quantize(Decimal("0.01")))
    for value in (amount, str(amount)):
        with pytest.raises(PydanticCustomError) as err:
            parse_money(value)
        assert err.value.type == "value.money_precision"


@pytest.mark.parametrize(
    "value", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), "NaN", "inf", "-Infinity", "abc", "1.2.3", "", None]
)
def test_garbage_refused(value: object) -> None:
    with pytest.raises(PydanticCustomError) as err:
        parse_money(value)
    assert err.value.type == "value.money_format"


def test_bool_refused() -> None:
    with pytest.raises(PydanticCustomError):
        parse_money(True)


def test_trailing_zeros_beyond_cents_are_exact() -> None:
    assert parse_money("1.000") == Decimal("1.00")
    assert str(parse_money(5)) == "5.00"


def test_to_fen_rounds_half_up() -> None:
    assert to_fen(Decimal("0.005")) == 1
    assert to_fen(Decimal("-0.005")) == -1


@pytest.mark.parametrize("value", ["1e30", Decimal("1E+26"), 10**15, "-1000000000000000.00", Decimal("1E+400")])
def test_huge_amounts_are_a_validation_error(value: object) -> None:
    """Not decimal.InvalidOperation from quantize, nor a fen count past 64 bits at flush."""
    with pytest.raises(PydanticCustomError) as err:
        parse_money(value)
    assert err.value.type == "value.money_range"


def test_the_largest_amount_fits_a_64_bit_fen_count() -> None:
    largest = parse_money("999999999999999.99")
    assert to_fen(largest) < 2**63
    assert from_fen(to_fen(largest)) == largest


class _Priced(BaseModel):
    price: Money


def test_money_field_serialises_as_text_in_json() -> None:
    item = _Priced(price="12.5")  # type: ignore[arg-type]
    assert item.price == Decimal("12.50")
    assert item.model_dump_json() == '{"price":"12.50"}'
    assert item.model_dump() == {"price": Decimal("12.50")}


# --- errors on model fields ----------------------------------------------------------------------------------

CLIENT = {"number": "C0001", "name": "张三", "resident_id": "11010519491231002X"}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("resident_id", "110105194912310021", "value.id_checksum"),
        ("resident_id", "1101051949", "value.id_length"),
        ("mobile", "010-12345678", "value.mobile_invalid"),
        ("mobile", "not a number", "value.mobile_format"),
        ("balance", 1.5, "value.money_float"),
        ("avg_3m", "1.005", "value.money_precision"),
        ("balance", "lots", "value.money_format"),
    ],
)
def test_model_errors_name_the_field_and_the_catalog_key(field: str, value: object, error: str) -> None:
    with pytest.raises(ValidationError) as err:
        NewClient(**{**CLIENT, field: value})
    errors = err.value.errors()
    assert len(errors) == 1
    assert errors[0]["loc"] == (field,)
    assert errors[0]["type"] == error


def test_valid_client_fields_are_normalised() -> None:
    client = NewClient(
        **{**CLIENT, "resident_id": "11010519491231002x", "mobile": "+86 138 0013 8000", "balance": "1,000"}
    )
    assert client.resident_id == "11010519491231002X"
    assert isinstance(client.resident_id, ResidentId)
    assert client.mobile == "13800138000"
    assert isinstance(client.mobile, MobileNumber)
    assert client.balance == Decimal("1000.00")
    assert client.model_dump_json().count("11010519491231002X") == 1


def test_several_bad_fields_are_all_reported() -> None:
    with pytest.raises(ValidationError) as err:
        NewHolding(client_id="one", product_id=1, amount=0.1, start_date="2026-11-27")  # type: ignore[arg-type]
    assert [(e["loc"], e["type"]) for e in err.value.errors()] == [
        (("client_id",), "int_parsing"),
        (("amount",), "value.money_float"),
    ]
