"""Imports read their files row by row: the encoding is chosen on the file's start, a line later on that is not text
in it is refused by its line, a file that breaks part way leaves the database as it was, and a balances file's
memory does not grow with its length.

Run on SQLite and PostgreSQL (``db_url``) where the database matters.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from csm_tui.services.imports import run, staging
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import STEPS, ImportReport, import_file
from csm_tui.services.tabular import SAMPLE, open_table
from csm_tui.services.workstation import Workstation
from storage.orm import BalanceSpanRow, MetaRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.files import CLIENTS, LAST, write_csv, write_xlsx

HEADER = ["客户号", "日期", "余额"]


def balance_rows(clients: int, days: int) -> list[list[str]]:
    """``days`` days ending on ``LAST`` for the first ``clients`` clients, day by day as the bank concatenates them."""
    return [
        [f"C{c:05d}", (LAST - dt.timedelta(days=days - 1 - d)).isoformat(), f"{1000 + c + d % 7}.{d % 100:02d}"]
        for d in range(days)
        for c in range(clients)
    ]


def spans(uow_factory: SqlUnitOfWorkFactory) -> int:
    with uow_factory() as tx:
        return int(tx.session.scalar(select(func.count()).select_from(BalanceSpanRow)) or 0)  # type: ignore[attr-defined]


def data_as_of(uow_factory: SqlUnitOfWorkFactory) -> str | None:
    with uow_factory() as tx:
        return tx.session.scalar(select(MetaRow.value).where(MetaRow.key == "data_as_of"))  # type: ignore[attr-defined,no-any-return]


def problems(report: ImportReport) -> list[list[str]]:
    assert report.errors_path is not None
    with report.errors_path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))[1:]


def test_a_line_not_in_the_files_encoding_after_its_start_is_refused_by_its_line(
    admin: Workstation, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    rows = balance_rows(CLIENTS, 12)
    path = write_csv(tmp_path / "b.csv", [HEADER, *rows[:3000]])
    assert path.stat().st_size > SAMPLE  # the encoding (UTF-8) is chosen before the bad line is read
    with path.open("ab") as fh:
        fh.write("C00001,2026-11-25,张\r\n".encode("gbk"))  # a GBK byte pair: not UTF-8
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows[3000:])
    report = import_file(admin, ImportKind.BALANCES, path)
    assert (report.encoding, report.rows, report.rejected) == ("utf-8-sig", len(rows) + 1, 1)
    ((line, column, reason, value),) = problems(report)
    assert (line, column, value) == ("3002", "", "") and "UTF-8" in reason and "未导入" in reason
    assert report.new == len(rows) and report.as_of == LAST and data_as_of(uow_factory) == LAST.isoformat()


def test_a_file_is_read_row_by_row_and_hashed_whole(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "big.csv", [HEADER, *balance_rows(CLIENTS, 400)])
    with open_table(path) as table:
        assert table.headers == HEADER and isinstance(table.rows, Iterator)
        first = next(table.rows)
        assert first.line == 2 and first.cells == ["C00000", "2025-10-22", "1000.00"]
        assert table.read < 0.1  # only the first buffers of a 5 MB file are read
        assert sum(1 for _ in table.rows) == CLIENTS * 400 - 1
        assert table.read == 1.0 and table.digest() == hashlib.sha256(path.read_bytes()).hexdigest()
    book = write_xlsx(
        tmp_path / "b.xlsx", [HEADER, ["C00001", "2026-11-25", 5], [None, None, None], ["C00002", "x", 6]]
    )
    with open_table(book) as table:
        assert isinstance(table.rows, Iterator)
        assert [(r.line, r.cells) for r in table.rows] == [
            (2, ["C00001", "2026-11-25", "5"]),
            (4, ["C00002", "x", "6"]),
        ]
        assert table.digest() == hashlib.sha256(book.read_bytes()).hexdigest()


def test_bad_rows_and_a_duplicate_at_the_end_of_a_long_file_are_reported_by_line(
    admin: Workstation, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    rows = balance_rows(CLIENTS, 60)  # 18,000 rows
    tail = [["C00001", "2026-11-25", "-5"], ["C99999", "2026-11-25", "5"], rows[0]]
    path = write_csv(tmp_path / "b.csv", [HEADER, *rows, *tail])
    end = len(rows) + 1  # the last good row's line
    dry = import_file(admin, ImportKind.BALANCES, path, dry_run=True)
    assert (dry.new, dry.rejected, dry.duplicates, spans(uow_factory)) == (len(rows) - 1, 4, 2, 0)
    seen: list[tuple[int, int]] = []
    report = import_file(admin, ImportKind.BALANCES, path, progress=lambda done, total: seen.append((done, total)))
    assert (report.rows, report.new, report.rejected, report.duplicates) == (len(rows) + 3, len(rows) - 1, 4, 2)
    assert [(line, column) for line, column, _reason, _value in problems(report)] == [
        ("2", "客户号"), (str(end + 1), "余额"), (str(end + 2), "客户号"), (str(end + 3), "客户号"),
    ]  # fmt: skip
    assert f"{end + 3}" in problems(report)[0][2] and "2" in problems(report)[3][2]  # each names the other's line
    assert seen[-1] == (STEPS, STEPS) and [d for d, _t in seen] == sorted({d for d, _t in seen})
    again = import_file(admin, ImportKind.BALANCES, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, len(rows) - 1)


def test_a_file_that_breaks_part_way_leaves_the_database_as_it_was(
    admin: Workstation, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "b.csv", [HEADER, *balance_rows(CLIENTS, 20)])
    with path.open("a", encoding="utf-8") as fh:
        fh.write('C00001,2026-11-25,"' + "9" * 200_000 + "\n")  # an unclosed quote: no CSV from here on
    report = import_file(admin, ImportKind.BALANCES, path)
    assert report.refused and "CSV" in report.refused and (report.new, report.rows) == (0, 0)
    assert [row[0] for row in problems(report)] == [""]
    assert spans(uow_factory) == 0 and data_as_of(uow_factory) is None


def test_a_balances_files_memory_does_not_grow_with_its_length(
    admin: Workstation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "CLIENTS_PER_BATCH", 20)
    monkeypatch.setattr(run, "STAGE_BATCH", 1_000)
    monkeypatch.setattr(staging, "FETCH", 1_000)
    peaks = []
    for clients in (CLIENTS // 4, CLIENTS):  # a client's days are merged together: the batches hold 20 clients' days
        path = write_csv(tmp_path / f"b{clients}.csv", [HEADER, *balance_rows(clients, 50)])
        tracemalloc.start()
        report = import_file(admin, ImportKind.BALANCES, path, dry_run=True)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert report.rows == clients * 50 and report.new == clients * 50
    assert peaks[1] < 1.5 * peaks[0], peaks  # four times the rows, not four times the memory
