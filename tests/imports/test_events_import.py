"""The client import brings the payroll company (代发单位) and the securities-custody flag (银证转账) by which an
event's invitees are picked; a blank flag keeps what was recorded, a wrong one rejects the row."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.workstation import Workstation
from storage.orm import ClientRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.files import HEADER_ZH, VALID_IDS, write_csv

HEADER = [*HEADER_ZH, "代发单位", "银证转账"]


def stored(uow_factory: SqlUnitOfWorkFactory) -> dict[str, tuple[str, bool]]:
    with uow_factory() as tx:
        rows = tx.session.execute(  # type: ignore[attr-defined]
            select(ClientRow.number, ClientRow.employer, ClientRow.securities_custody)
        )
        return {number: (employer, bool(custody)) for number, employer, custody in rows}


def test_the_client_import_carries_the_employer_and_the_custody_flag(
    branch: dict[str, Workstation],
    uow_factory: SqlUnitOfWorkFactory,
    tmp_path: Path,
) -> None:
    rows = [["C1", "张三", VALID_IDS[0], "", "", "上海电气", "是"], ["C2", "李四", VALID_IDS[1], "", "", "", ""]]
    report = import_file(branch["admin"], ImportKind.CLIENTS, write_csv(tmp_path / "a.csv", [HEADER, *rows]))
    assert (report.new, report.rejected) == (2, 0)
    assert stored(uow_factory) == {"C1": ("上海电气", True), "C2": ("", False)}
    rows = [["C1", "张三", VALID_IDS[0], "", "", "宝钢", ""], ["C2", "李四", VALID_IDS[1], "", "", "", "也许"]]
    again = import_file(branch["admin"], ImportKind.CLIENTS, write_csv(tmp_path / "b.csv", [HEADER, *rows]))
    assert (again.updated, again.rejected) == (1, 1)
    assert stored(uow_factory) == {"C1": ("宝钢", True), "C2": ("", False)}
