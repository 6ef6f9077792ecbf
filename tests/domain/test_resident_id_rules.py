"""Resident IDs as the bank holds them: the check character, a mainland province and a real birth date from 1900 to
today decide; a county code the ID library does not list (or lists only for other years) is accepted; full-width
digits are read as digits; the one validator raises nothing but its own refusal, and the import, the forms (the
client model) and the search all use it."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticCustomError
from stdnum.cn import ric

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Role
from csm_tui.domain.models import NewClient, NewStaff
from csm_tui.domain.values import ResidentId, validate_resident_id
from csm_tui.policy import Policy
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.workstation import sign_in
from storage.uow import SqlUnitOfWorkFactory

UNLISTED_COUNTY = "34052419800101001X"  # 安徽, a county code python-stdnum does not list
NEWER_COUNTY = "310115198001011238"  # 浦东新区 (1993), for someone born in 1980
TODAY = dt.date(2026, 11, 27)
FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) for c in "530121199912314566")  # 云南, in full-width digits


def with_check(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize("number", [UNLISTED_COUNTY, NEWER_COUNTY, with_check("65999920000229001")])
def test_an_id_with_a_county_code_the_library_does_not_know_is_accepted(number: str) -> None:
    assert validate_resident_id(number, TODAY) == number
    assert ResidentId(number) == number
    client = NewClient.model_validate({"number": "C1", "name": "张三", "resident_id": number}, context={"today": TODAY})
    assert client.resident_id == number


def test_full_width_digits_and_x_are_read_as_ascii() -> None:
    full_width = "３４０５２４１９８００１０１００１Ｘ"
    assert validate_resident_id(full_width, TODAY) == UNLISTED_COUNTY
    assert validate_resident_id("340524 19800101 001x", TODAY) == UNLISTED_COUNTY


def test_a_birth_date_after_today_is_refused_and_today_itself_is_accepted() -> None:
    born_today = with_check("11010520261127001")
    born_tomorrow = with_check("11010520261128001")
    assert validate_resident_id(born_today, TODAY) == born_today
    with pytest.raises(PydanticCustomError) as err:
        validate_resident_id(born_tomorrow, TODAY)
    assert err.value.type == "value.id_birth_date"
    with pytest.raises(ValidationError) as refused:
        data = {"number": "C1", "name": "张三", "resident_id": born_tomorrow}
        NewClient.model_validate(data, context={"today": TODAY})
    assert refused.value.errors()[0]["type"] == "value.id_birth_date"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("71000019800101001", "value.id_province"),  # 台湾: no mainland resident ID
        ("00000019800101001", "value.id_province"),
        ("11010518991231001", "value.id_birth_date"),
        ("11010519800230001", "value.id_birth_date"),
        ("11010519801301001", "value.id_birth_date"),
    ],
)
def test_the_province_and_a_real_birth_date_are_required(body: str, error: str) -> None:
    with pytest.raises(PydanticCustomError) as err:
        validate_resident_id(with_check(body), TODAY)
    assert err.value.type == error


@given(st.one_of(st.text(), st.text(alphabet="0123456789Xx０１２３４５６７８９Ｘ ", max_size=24), st.integers()))
def test_the_validator_raises_nothing_but_its_own_refusal(value: object) -> None:
    try:
        number = validate_resident_id(value, TODAY)
    except PydanticCustomError as exc:
        assert exc.type.startswith("value.id_")
    else:
        assert len(number) == 18 and number == validate_resident_id(number, TODAY)


def test_an_import_takes_ids_with_unlisted_or_newer_county_codes_and_refuses_a_future_birth_date(
    uow_factory: SqlUnitOfWorkFactory, clock: FrozenClock, tmp_path: Path
) -> None:
    with uow_factory(write=True) as tx:
        admin = tx.staff.add(NewStaff(login="boss", name="李强", role=Role.ADMIN))
        tx.commit()
    ws = sign_in(uow_factory.acting_as(admin), admin, BranchTime(clock, "Asia/Shanghai"), Policy(), False)
    born_tomorrow = with_check("11010520261128001")  # the frozen clock stands on 2026-11-27 in Shanghai
    rows = [
        ["客户号", "姓名", "身份证号码", "手机号码"],
        ["C1", "张三", UNLISTED_COUNTY, ""],
        ["C2", "李四", NEWER_COUNTY, ""],
        ["C3", "王五", FULL_WIDTH, ""],
        ["C4", "赵六", born_tomorrow, ""],
    ]
    path = tmp_path / "clients.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    report = import_file(ws, ImportKind.CLIENTS, path)
    assert report.errors_path is not None
    with report.errors_path.open(encoding="utf-8-sig", newline="") as fh:
        problems = [(line, column) for line, column, _reason, _value in list(csv.reader(fh))[1:]]
    assert (report.new, report.rejected) == (3, 1)
    assert [line for line, _column in problems] == ["5"]
    with uow_factory() as tx:
        assert tx.clients.by_number("C1").resident_id == UNLISTED_COUNTY
        assert tx.clients.by_number("C2").resident_id == NEWER_COUNTY
        assert tx.clients.by_number("C3").resident_id == with_check("53012119991231456")
        assert tx.clients.id_of("C4") is None


@pytest.mark.parametrize("body", ["81000019800101001", "82000019920229002", "83000020000101003"])
def test_hong_kong_macau_and_taiwan_residence_permit_numbers_are_taken(body: str) -> None:
    """港澳台居民居住证 (since 2018): 81 Hong Kong, 82 Macau, 83 Taiwan; banks open accounts on them."""
    number = with_check(body)
    assert validate_resident_id(number, TODAY) == number
    assert ResidentId(number).birth_date.year in (1980, 1992, 2000)
