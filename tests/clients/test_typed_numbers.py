"""Numbers as people type them: a mobile after +86, in groups split by spaces or dashes, in full-width digits; an ID
in full-width digits and letters; a client number in full width. Search (as one types and by whole number), the
lobby's walk-in and the edit form read them all as the bank stores them (``csm_tui.domain.typed``), on SQLite and
on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.errors import DomainError
from csm_tui.domain.typed import client_number, mobile_or_none, number_digits, search_text
from csm_tui.domain.values import MobileNumber, validate_resident_id
from csm_tui.services.clients import client_detail, referrals
from csm_tui.services.clients.finding import look_up_number, whole_number
from csm_tui.services.rows import NumberKey
from tests.support.branch import rid
from tests.support.clients_branch import WDH_MOBILE, ZSF_ID, ZSF_MOBILE, Branch, names

FULL_WIDTH = str.maketrans("0123456789Xx+-() ", "０１２３４５６７８９Ｘｘ＋－（）\u3000")
# Mainland mobile prefixes phonenumbers knows as mobile (a few of each operator's).
PREFIXES = ("139", "138", "136", "150", "186", "133", "177", "199")


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


@st.composite
def mobiles(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(PREFIXES)) + draw(st.text("0123456789", min_size=8, max_size=8))


@st.composite
def written(draw: st.DrawFn, number: str) -> str:
    """``number`` as someone may type it: groups 3-4-4 or none, split by spaces or dashes, after +86, 0086, 86 or
    nothing, perhaps in full width."""
    separator = draw(st.sampled_from(["", " ", "-", " - ", "\u3000", "\u2014"]))
    text = separator.join((number[:3], number[3:7], number[7:])) if separator else number
    prefix = draw(st.sampled_from(["", "+86 ", "+86", "0086 ", "86", "(+86) ", "+86-"]))
    text = f"{prefix}{text}"
    return full_width(text) if draw(st.booleans()) else text


@given(st.data())
def test_a_mobile_typed_any_usual_way_reads_as_its_eleven_digits(data: st.DataObject) -> None:
    number = data.draw(mobiles())
    typed = data.draw(written(number))
    assert search_text(typed) == number
    assert number_digits(typed) == number


@given(st.data())
def test_a_whole_mobile_typed_any_usual_way_is_looked_up_as_a_mobile(data: st.DataObject) -> None:
    number = data.draw(mobiles())
    assert whole_number(data.draw(written(number)), dt.date(2026, 11, 27)) == (number, NumberKey.MOBILE)


@given(st.sampled_from(PREFIXES), st.integers(min_value=1, max_value=8), st.sampled_from(["+86 ", "0086", "+86-"]))
def test_the_start_of_a_mobile_after_a_country_code_searches_as_its_digits(prefix: str, more: int, cc: str) -> None:
    typed = f"{cc}{prefix} {'1234 5678'[:more]}"
    assert search_text(typed) == (prefix + "12345678"[: more - (more > 4)]).replace(" ", "")


@given(
    st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2008, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.booleans(),
    st.booleans(),
)
def test_an_id_in_full_width_or_split_in_groups_reads_as_stored(
    born: dt.date, sequence: int, wide: bool, spaced: bool
) -> None:
    number = rid("110105", born, sequence)
    typed = f"{number[:6]} {number[6:14]} {number[14:]}" if spaced else number
    typed = full_width(typed.lower()) if wide else typed.lower()
    assert search_text(typed) == number
    assert validate_resident_id(typed) == number
    assert whole_number(typed, dt.date(2026, 11, 27)) == (number, NumberKey.RESIDENT_ID)


@given(st.text(alphabet=st.characters(categories=["Lo"]), min_size=1, max_size=6))
def test_a_name_is_searched_as_typed(name: str) -> None:
    assert search_text(f" {name} ") == unicodedata.normalize("NFKC", name).strip()


def test_digits_inside_a_card_number_are_never_taken_for_a_country_code() -> None:
    assert search_text("6222008612345678901") == "6222008612345678901"
    assert search_text("0086 6222") == "00866222"  # only before a mobile is 0086 a country code
    assert search_text("86123") == "86123"  # a bare 86 only before a whole mobile


def test_a_client_number_in_full_width_or_lower_case_reads_as_stored() -> None:
    assert client_number(" ｃ３００００１ ") == "C300001"
    assert search_text("Ｃ１０００") == "C1000"
    assert mobile_or_none("１３９－１２３４－５６７８") == "13912345678"
    assert mobile_or_none("0139") is None


# --- everywhere input is taken, on both backends -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["+86 139 1234 5678", "139-1234-5678", "１３９１２３４５６７８", "+86 139", "０１３９"[1:], "(+86) 1391234"],
)
def test_search_finds_an_own_client_by_a_mobile_typed_with_plus_86_spaces_dashes_or_full_width(
    branch: Branch,
    typed: str,
) -> None:
    found = names(branch.ws(branch.csm_a), typed)
    assert found[0] == "张三丰"  # 13912345678 (王大海's 13912340000 is B's: never found by a secret prefix)
    assert "王大海" not in found


def test_search_finds_an_own_client_by_an_id_in_full_width_digits_and_letters(branch: Branch) -> None:
    a = branch.ws(branch.csm_a)
    assert names(a, full_width(ZSF_ID.lower())) == ["张三丰"]  # 11010519491231002X as ｘ
    assert names(a, f"{ZSF_ID[:6]} {ZSF_ID[6:14]} {ZSF_ID[14:]}") == ["张三丰"]


def test_a_look_up_of_another_s_client_by_a_mobile_typed_with_plus_86_finds_it_masked(branch: Branch) -> None:
    rows = look_up_number(branch.ws(branch.csm_a), f"+86 {WDH_MOBILE[:3]}-{WDH_MOBILE[3:7]}-{WDH_MOBILE[7:]}")
    assert [(r.name, r.own, r.masked_mobile) for r in rows] == [("王大海", False, "139****0000")]


def test_the_lobby_s_walk_in_takes_a_client_number_in_full_width(branch: Branch) -> None:
    assert referrals.client_by_number(branch.ws(branch.teller), " ｃ３００００１ ").id == branch.zl


def test_the_edit_form_takes_a_mobile_with_plus_86_dashes_and_full_width_digits(branch: Branch) -> None:
    a = branch.ws(branch.csm_a)
    saved = client_detail.edit(a, branch.client(branch.zsf), mobile="＋８６ １３８－０１３８－０００９")
    assert saved.mobile == "13801380009"
    with pytest.raises(DomainError) as refused:  # not a mainland mobile: said in plain words
        client_detail.edit(a, branch.client(branch.zsf), mobile="+1 650 253 0000")
    assert refused.value.code == "mobile_not_valid"
    assert branch.client(branch.zsf).mobile == "13801380009" != ZSF_MOBILE


@pytest.mark.parametrize("unit", ["(", " (", "1 "], ids=["brackets", "spaced-brackets", "digits"])
def test_a_huge_paste_is_read_in_linear_time(unit: str) -> None:
    paste = unit * (100_000 // len(unit)) + "a"
    started = time.perf_counter()
    assert number_digits(paste) is None and search_text(paste)
    assert time.perf_counter() - started < 2


@given(
    mobiles(),
    st.sampled_from(["", " ", "-", "\u200b", ".", "\u00b7", "\u2014", "\u2013", " \u200b"]),
    st.sampled_from(["", "+86 ", "0086", "(+86) ", "+86\u200b"]),
    st.booleans(),
)
def test_a_form_takes_a_mobile_typed_any_way_search_reads_it(number: str, sep: str, cc: str, wide: bool) -> None:
    typed = f"{cc}{number[:3]}{sep}{number[3:7]}{sep}{number[7:]}"
    typed = full_width(typed) if wide else typed
    assert number_digits(typed) == number  # search reads it ...
    assert MobileNumber(typed) == number  # ... and so does the edit form's field (the domain's type)


@pytest.mark.parametrize("separator", ["-", "\u2014", "\u200b", "."])
def test_a_form_takes_an_id_split_in_groups_the_way_search_reads_it(separator: str) -> None:
    typed = separator.join((ZSF_ID[:6], ZSF_ID[6:14], ZSF_ID[14:]))
    assert number_digits(typed) == ZSF_ID
    assert validate_resident_id(typed, dt.date(2026, 11, 27)) == ZSF_ID


@pytest.mark.parametrize("around", ["\u200b", "\ufeff", "\u2060", " \u200b "])
def test_a_number_pasted_with_invisible_characters_around_it_is_read(around: str) -> None:
    assert search_text(f"{around}139 1234 5678{around}") == "13912345678"
    assert whole_number(f"{around}{ZSF_MOBILE}{around}", dt.date(2026, 11, 27)) == (ZSF_MOBILE, NumberKey.MOBILE)
