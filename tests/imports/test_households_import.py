"""Households by import (SQLite and PostgreSQL): an admin's file of family links, each pair kept once whichever side
it is given from; a bad row refused with its line and reason, the good ones in; a re-import changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update

from csm_tui.i18n import set_language
from csm_tui.rules.birthdays import lunar_md
from csm_tui.services.clients import households
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.workstation import Workstation
from storage.orm import AuditRow, ClientLinkRow, ClientRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import rid
from tests.support.files import VALID_IDS, clients_file, error_lines, write_csv


def test_family_links_import_once_per_pair_and_refuse_bad_rows_by_line(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    people = [[f"C{n}", name, VALID_IDS[n], "", "csm01"] for n, name in enumerate(["张伟", "李秀英", "张小明", "王强"])]
    people[2][2] = rid("310104", dt.date(2005, 5, 1), 3)  # 张小明, 张伟's son: born 25 years after him
    assert import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, people)).new == 4
    rows = [
        ["客户号", "亲属客户号", "关系"],
        ["C0", "C1", "配偶"],  # line 2: in
        ["C2", "C0", "parent"],  # line 3: 张伟 is 张小明's parent: kept from 张伟's side as his child
        ["C3", "C3", "spouse"],  # line 4: themself
        ["C3", "C9", "spouse"],  # line 5: no such client
        ["C3", "C1", "cousin"],  # line 6: no such relation
    ]
    report = import_file(branch["admin"], ImportKind.HOUSEHOLDS, write_csv(tmp_path / "family.csv", rows))
    assert (report.new, report.rejected) == (2, 3)
    refused = {(line, column) for line, column, _reason, _value in error_lines(report)}
    assert refused == {("4", "亲属客户号"), ("5", "亲属客户号"), ("6", "关系")}
    with uow_factory() as tx:
        session = tx.session  # type: ignore[attr-defined]
        ids = {number: client_id for number, client_id in session.execute(select(ClientRow.number, ClientRow.id))}
        link = (ClientLinkRow.client_id, ClientLinkRow.relative_id, ClientLinkRow.relation)
        links = {tuple(r) for r in session.execute(select(*link))}
        audited = session.scalar(select(AuditRow.id).where(AuditRow.action == "import").limit(1))
    assert links == {(ids["C0"], ids["C1"], "spouse"), (ids["C0"], ids["C2"], "child")}
    assert audited is not None
    again = import_file(branch["admin"], ImportKind.HOUSEHOLDS, write_csv(tmp_path / "family.csv", rows[:3]))
    assert (again.new, again.unchanged) == (0, 2)


def test_a_pair_given_from_both_sides_that_disagree_is_refused_on_both_lines(
    branch: dict[str, Workstation], tmp_path: Path
) -> None:
    people = [[f"C{n}", name, VALID_IDS[n], "", ""] for n, name in enumerate(["张伟", "李秀英"])]
    assert import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, people)).new == 2
    rows = [["客户号", "亲属客户号", "关系"], ["C0", "C1", "父母"], ["C1", "C0", "parent"]]  # each the other's parent
    report = import_file(branch["admin"], ImportKind.HOUSEHOLDS, write_csv(tmp_path / "both.csv", rows))
    assert (report.new, report.rejected) == (0, 2)
    assert [line for line, *_ in error_lines(report)] == ["2", "3"]


def test_a_lunar_birthday_follows_the_birth_date_when_the_bank_corrects_the_id(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    """The lunar month and day are worked out when the client chooses them; the bank's file correcting the ID's birth
    date must move them too, or the greeting stays on the wrong day for good. A solar client stays solar."""
    from stdnum.cn import ric

    def born_on(day: str, seq: int) -> str:
        body = f"310104{day}{seq:03d}"
        return body + ric.calc_check_digit(body + "0")

    people = [["C0", "张伟", VALID_IDS[0], "", "csm01"], ["C1", "李秀英", VALID_IDS[1], "", "csm01"]]
    assert import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, people)).new == 2
    with uow_factory() as tx:
        ids = {n: i for n, i in tx.session.execute(select(ClientRow.number, ClientRow.id))}  # type: ignore[attr-defined]
    households.set_birthday_lunar(branch["csm"], ids["C0"], True)
    corrected = [
        ["C0", "张伟", born_on("19750815", 1), "", "csm01"],
        ["C1", "李秀英", born_on("19750816", 2), "", "csm01"],
    ]
    report = import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, corrected, name="fixed.csv"))
    assert report.updated == 2
    with uow_factory() as tx:
        kept = dict(tx.session.execute(select(ClientRow.number, ClientRow.lunar_birthday)).all())  # type: ignore[attr-defined]
    assert kept == {"C0": lunar_md(dt.date(1975, 8, 15)), "C1": None}


@pytest.mark.parametrize(
    ("lang", "parent_words", "spouse_words"),
    [("zh_CN", "至少大 16 岁", "法定婚龄"), ("en", "at least 16 years older", "legal marriage age")],
)
def test_implausible_family_rows_are_refused_with_their_line_and_reason_in_the_users_language(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path, lang: str,
    parent_words: str, spouse_words: str,
) -> None:  # fmt: skip
    set_language(lang)
    try:
        people = [
            ["C0", "张伟", rid("310104", dt.date(1970, 1, 1), 1), "", "csm01"],
            ["C1", "李秀英", rid("310104", dt.date(1980, 1, 1), 2), "", "csm01"],
            ["C2", "张小明", rid("310104", dt.date(2006, 1, 1), 3), "", "csm01"],  # a man of 20
            ["C3", "王芳", rid("310104", dt.date(2005, 1, 1), 4), "", "csm01"],  # a woman of 21
        ]
        assert import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, people)).new == 4
        rows = [
            ["客户号", "亲属客户号", "关系"],
            ["C0", "C1", "parent"],  # line 2: a parent ten years younger
            ["C1", "C0", "child"],  # line 3: the same, from the other side
            ["C2", "C3", "spouse"],  # line 4: he is under 22
            ["C3", "C3", "child"],  # line 5: herself
            ["C0", "C1", "spouse"],  # line 6: in
            ["C1", "C3", "child"],  # line 7: in (25 years)
        ]
        report = import_file(branch["admin"], ImportKind.HOUSEHOLDS, write_csv(tmp_path / "family.csv", rows))
        assert (report.new, report.rejected) == (2, 4)
        reasons = {line: reason for line, _column, reason, _value in error_lines(report)}
        assert set(reasons) == {"2", "3", "4", "5"}
        assert parent_words in reasons["2"] and parent_words in reasons["3"] and spouse_words in reasons["4"]
        with uow_factory() as tx:
            session = tx.session  # type: ignore[attr-defined]
            assert len(session.scalars(select(ClientLinkRow)).all()) == 2
    finally:
        set_language("zh_CN")


def test_a_family_row_naming_a_client_whose_stored_id_cannot_be_read_is_refused_on_its_line(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    """A legacy 15-digit number written past the client import (by SQL): that row is refused with its line and a
    reason in words, the others go in."""
    people = [[f"C{n}", name, VALID_IDS[n], "", "csm01"] for n, name in enumerate(["张伟", "李秀英", "王强"])]
    assert import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, people)).new == 3
    with uow_factory(write=True) as tx:
        tx.session.execute(  # type: ignore[attr-defined]
            update(ClientRow).where(ClientRow.number == "C2").values(resident_id="110105800301002")
        )
        tx.commit()
    rows = [["客户号", "亲属客户号", "关系"], ["C0", "C1", "spouse"], ["C0", "C2", "spouse"], ["C2", "C1", "spouse"]]
    report = import_file(branch["admin"], ImportKind.HOUSEHOLDS, write_csv(tmp_path / "family.csv", rows))
    assert (report.new, report.rejected) == (1, 2)
    reasons = {line: reason for line, _column, reason, _value in error_lines(report)}
    assert set(reasons) == {"3", "4"} and all("身份证" in r for r in reasons.values()), reasons


def test_a_link_made_implausible_by_a_corrected_birth_date_stays_and_is_refused_when_given_again(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    """The bank's file is the record of who was born when: a corrected ID goes in whatever links it touches, and the
    link stays (nothing is dropped unseen; the CSM may take it back); the same link given again is judged anew and
    refused on its line, as a link typed now would be."""
    people = [
        ["C0", "张伟", rid("310104", dt.date(1970, 1, 1), 1), "", "csm01"],
        ["C1", "张小明", rid("310104", dt.date(1995, 1, 1), 3), "", "csm01"],
    ]
    assert import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, people)).new == 2
    family = [["客户号", "亲属客户号", "关系"], ["C1", "C0", "parent"]]
    assert import_file(branch["admin"], ImportKind.HOUSEHOLDS, write_csv(tmp_path / "family.csv", family)).new == 1
    people[1][2] = rid("310104", dt.date(1980, 1, 1), 3)  # the son's birth date corrected: ten years after his father
    fixed = import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, people, name="fixed.csv"))
    assert (fixed.updated, fixed.rejected) == (1, 0)
    with uow_factory() as tx:
        assert len(tx.session.scalars(select(ClientLinkRow)).all()) == 1  # type: ignore[attr-defined]
    again = import_file(branch["admin"], ImportKind.HOUSEHOLDS, write_csv(tmp_path / "again.csv", family))
    assert (again.new, again.rejected) == (0, 1)
    [(line, _column, reason, _value)] = error_lines(again)
    assert line == "2" and "16" in reason
    with uow_factory() as tx:
        ids = dict(tx.session.execute(select(ClientRow.number, ClientRow.id)).all())  # type: ignore[attr-defined]
    households.unlink(branch["csm"], ids["C1"], ids["C0"])  # the CSM takes it back
