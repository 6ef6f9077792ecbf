"""Search by the letters or digits of a client number and by an account number typed in full."""

from __future__ import annotations

import datetime as dt

from csm_tui.domain.enums import AccountKind
from csm_tui.domain.models import Account
from csm_tui.services.clients.finding import look_up_number
from tests.support.branch import rid
from tests.support.clients_branch import Branch, names


def test_the_letters_of_a_client_number_find_the_client(branch: Branch) -> None:
    branch.add_client("KH000123", "周杰", rid("110101", dt.date(1980, 2, 2), 41), branch.csm_a)
    branch.add_client("KH000456", "吴刚", rid("110101", dt.date(1981, 3, 3), 51), branch.csm_b)
    a = branch.ws(branch.csm_a)
    assert names(a, "KH000") == ["周杰", "吴刚"]  # with a digit typed: found, own first (as before)
    assert names(a, "kh") == ["周杰", "吴刚"]  # the letters alone


def test_an_18_digit_account_number_typed_in_full_finds_its_client(branch: Branch) -> None:
    account = "621483010000000018"  # 18 digits
    branch.add_client(
        "C700001", "钱多", rid("110101", dt.date(1975, 4, 4), 61), branch.csm_b,
        accounts=(Account(number=account, kind=AccountKind.SAVINGS, opened_on=dt.date(2015, 3, 1)),),
    )  # fmt: skip
    b, a = branch.ws(branch.csm_b), branch.ws(branch.csm_a)
    assert names(b, account[:17]) == ["钱多"]  # the owner, by a prefix
    assert names(b, account) == ["钱多"]  # the owner, in full
    assert names(a, account) == []  # another manager: not as one types ...
    assert [r.name for r in look_up_number(a, account)] == ["钱多"]  # ... but looked up whole (audited, masked)


def test_an_all_digit_client_number_finds_its_client(branch: Branch) -> None:
    branch.add_client("8800012345", "孙立", rid("110101", dt.date(1982, 5, 5), 71), branch.csm_a)
    branch.add_client("8800067890", "郑和", rid("110101", dt.date(1983, 6, 6), 81), branch.csm_b)
    a = branch.ws(branch.csm_a)
    assert names(a, "8800012345") == ["孙立"]
    assert names(a, "8800067890") == ["郑和"]  # others' clients by their (not secret) client number
