"""The streamed import at its edges (files read row by row, balances staged on disk): encodings detected past the
first block, memory that does not grow with refused rows, a temporary folder that fills, stale workbook dimensions,
a CSM saving while a file is read, an import left running. Run on SQLite and PostgreSQL (``db_url``) where the
database matters.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import tempfile
import threading
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from stdnum.cn import ric
from textual.widgets import Button

from csm_tui.cli import main
from csm_tui.services.imports import staging
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import PROGRESS_EVERY, import_file
from csm_tui.services.tabular import SAMPLE, read_table
from csm_tui.services.workstation import Workstation
from storage.engine import make_engine
from storage.orm import ClientRow, StaffRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.files import CLIENTS, LAST, demo_clients_csv, write_csv, write_xlsx
from tests.support.pilot import dry_run, make_app, notices, settle


def balance_rows(clients: int, days: int, prefix: str = "C") -> list[list[str]]:
    return [
        [f"{prefix}{c:05d}", (LAST - dt.timedelta(days=days - 1 - d)).isoformat(), f"{1000 + c}.{d % 100:02d}"]
        for d in range(days)
        for c in range(clients)
    ]


def test_a_gbk_file_whose_first_64k_are_ascii_is_read_as_gbk_throughout(admin: Workstation, tmp_path: Path) -> None:
    # The bank's system writes English headers and a remark column (ignored by the import) that is mostly blank.
    rows = [[*row, ""] for row in balance_rows(CLIENTS, 12)]
    rows[3500][3] = "补录"  # a back-filled day, noted in Chinese
    path = write_csv(tmp_path / "b.csv", [["client number", "date", "amount", "remark"], *rows], encoding="gbk")
    assert path.read_bytes()[:SAMPLE].isascii()  # the file's first 64 KiB are plain ASCII
    report = import_file(admin, ImportKind.BALANCES, path)
    assert (report.encoding, report.rejected, report.new) == ("gb18030", 0, len(rows))  # before: read whole as GBK


def test_a_balances_file_of_refused_rows_does_not_grow_memory_with_its_length(
    admin: Workstation, tmp_path: Path
) -> None:
    peaks = []
    for clients in (CLIENTS // 4, CLIENTS):
        # Balances of clients the branch does not have yet: every row is refused as an unknown client.
        path = write_csv(tmp_path / f"b{clients}.csv", [["客户号", "日期", "余额"], *balance_rows(clients, 50, "N")])
        tracemalloc.start()
        report = import_file(admin, ImportKind.BALANCES, path, dry_run=True)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert report.rows == report.rejected == clients * 50
    assert peaks[1] < 1.5 * peaks[0], peaks  # four times the rows, not four times the memory


def test_a_full_temporary_disk_while_staging_balances_is_said_plainly(
    runner: CliRunner, demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: staging.BalanceStage, rows: list[staging.Staged]) -> None:
        raise sqlite3.OperationalError("database or disk is full")  # what SQLite says when the temp folder fills

    monkeypatch.setattr(staging.BalanceStage, "add", full)
    path = write_csv(tmp_path / "b.csv", [["客户号", "日期", "余额"], ["NOPE", "2026-11-25", "1"]])
    result = runner.invoke(main, ["--staff", "admin", "import", "balances", str(path), "--db", demo_url])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 2, (result.exception, result.output)


def _with_dimension(book: Path, ref: str) -> Path:
    """The workbook as a report generator writes it, its sheet declaring ``ref`` as its extent (``<dimension>``)."""
    target = book.with_name(f"dim-{book.name}")
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{ref}"/>'.encode(), data)
            out.writestr(item, data)
    return target


@pytest.mark.parametrize("ref", ["A1", "A1:C4"])
def test_a_workbook_with_a_stale_dimension_is_read_whole(admin: Workstation, tmp_path: Path, ref: str) -> None:
    sheet: list[list[object]] = [["客户号", "日期", "余额"]]
    sheet.extend([*row] for row in balance_rows(10, 1))
    path = _with_dimension(write_xlsx(tmp_path / "b.xlsx", sheet), ref)
    report = import_file(admin, ImportKind.BALANCES, path)
    assert (report.rows, report.new, report.rejected) == (10, 10, 0)


def test_a_replacement_character_written_in_utf8_is_text_not_an_undecodable_line(
    admin: Workstation, tmp_path: Path
) -> None:
    body = "310104198001010300"[:17]
    resident_id = body + ric.calc_check_digit(body + "0")
    header = ["客户号", "姓名", "身份证号码", "联系地址", "客户经理"]
    # The bank's core system stored an address whose character it could not convert as U+FFFD; the file is UTF-8.
    path = write_csv(tmp_path / "c.csv", [header, ["C00300", "赵六", resident_id, "上海市徐汇区\ufffd路1号", "csm01"]])
    report = import_file(admin, ImportKind.CLIENTS, path)
    assert (report.rejected, report.new) == (0, 1), report.problems


# Messages, progress and the error file.


def test_an_undecodable_line_names_the_encoding_in_words(admin: Workstation, tmp_path: Path) -> None:
    rows = balance_rows(CLIENTS, 10)
    path = write_csv(tmp_path / "b.csv", [["客户号", "日期", "余额"], *rows], encoding="utf-8")
    assert path.stat().st_size > SAMPLE
    with path.open("ab") as fh:
        fh.write(b"C00001,2026-11-26,\xff1.00\n")  # beyond the sample: not UTF-8
    report = import_file(admin, ImportKind.BALANCES, path)
    assert (report.encoding, report.new, report.rejected) == ("utf-8-sig", len(rows), 1)
    assert "UTF-8 编码" in report.problems[0].reason and "SIG" not in report.problems[0].reason.upper()


def test_a_workbook_past_its_stale_dimension_moves_the_bar_forward_only(admin: Workstation, tmp_path: Path) -> None:
    sheet: list[list[object]] = [["客户号", "日期", "余额"], *balance_rows(CLIENTS, 10)]
    path = _with_dimension(write_xlsx(tmp_path / "b.xlsx", sheet), "A1:C100")
    steps: list[tuple[int, int]] = []
    report = import_file(admin, ImportKind.BALANCES, path, progress=lambda done, total: steps.append((done, total)))
    assert (report.rows, report.new, report.rejected) == (CLIENTS * 10, CLIENTS * 10, 0)
    done = [d for d, _total in steps]
    assert done == sorted(done) and done[-1] == steps[-1][1]


def test_the_error_file_is_in_line_order_and_the_screen_gets_the_first_rows(admin: Workstation, tmp_path: Path) -> None:
    rows = balance_rows(CLIENTS, 1)
    rows[5] = rows[250] = ["C00007", LAST.isoformat(), "1"]  # duplicates: found after every other problem
    rows.extend([["NOPE", LAST.isoformat(), "1"]] * 300)  # unknown clients, found as read
    path = write_csv(tmp_path / "b.csv", [["客户号", "日期", "余额"], *rows])
    report = import_file(admin, ImportKind.BALANCES, path, dry_run=True)
    assert (report.rejected, report.duplicates) == (303, 3)
    assert report.errors_path is not None
    lines = [int(cells[0]) for _line, cells in read_table(report.errors_path).rows]
    assert lines == sorted(lines) and len(lines) == 303
    assert [p.line for p in report.problems] == lines[:200]


def test_a_csm_can_save_while_a_balances_file_is_read(
    admin: Workstation, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "b.csv", [["客户号", "日期", "余额"], *balance_rows(CLIENTS, 30)])
    saved: list[int] = []

    def save_while_reading(done: int, total: int) -> None:
        if 0 < done < total // 2 and not saved:  # the file is being read and checked
            with uow_factory(write=True) as tx:  # another workstation's save: not locked out
                tx.meta.set("probe", str(done))
                tx.commit()
            saved.append(done)

    report = import_file(admin, ImportKind.BALANCES, path, progress=save_while_reading)
    assert saved and (report.new, report.rejected) == (CLIENTS * 30, 0)


def test_a_csm_deactivated_while_the_file_is_read_refuses_the_import_whole(
    admin: Workstation, uow_factory: SqlUnitOfWorkFactory, engine: Engine, tmp_path: Path
) -> None:
    header = ["客户号", "姓名", "身份证号码", "手机号码", "客户经理"]
    rows = []
    for i in range(CLIENTS, CLIENTS + 2 * PROGRESS_EVERY):
        body = f"3201041985{i // 28 % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
        rows.append([f"D{i:05d}", "李四", body + ric.calc_check_digit(body + "0"), "", "csm01"])
    path = write_csv(tmp_path / "c.csv", [header, *rows])

    def deactivate(done: int, total: int) -> None:
        if 0 < done < total // 2:
            with engine.begin() as connection:
                connection.execute(update(StaffRow).where(StaffRow.login == "csm01").values(active=False))

    report = import_file(admin, ImportKind.CLIENTS, path, progress=deactivate)
    assert "重新导入" in report.refused and report.new == 0
    with uow_factory() as tx:
        assert "D00300" not in tx.imports.codes("clients")


async def test_an_import_left_running_is_written_and_told(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The admin leaves the import screen while an import runs: it goes on, and they are told how it ended."""
    from screens import imports as import_screen

    release = threading.Event()
    real = import_file

    def slow(*args: Any, **kw: Any) -> Any:
        if not kw.get("dry_run"):
            release.wait(10)
        return real(*args, **kw)

    monkeypatch.setattr(import_screen, "import_file", slow)
    app = make_app(demo_url, login="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await dry_run(pilot, demo_clients_csv(tmp_path))
        screen.query_one("#run", Button).press()
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, import_screen.ImportScreen)
        release.set()
        await settle(pilot)
        told = notices(app)
    engine = make_engine(demo_url)
    with Session(engine) as session:
        assert session.scalar(select(ClientRow.id).where(ClientRow.number == "C9000000001")) is not None
    engine.dispose()
    assert any("新增 2" in text for text in told), told


def test_a_temporary_folder_that_fills_or_cannot_be_written_refuses_the_import_plainly(
    admin: Workstation, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "b.csv", [["客户号", "日期", "余额"], *balance_rows(CLIENTS, 40)])
    real = staging.BalanceStage.add

    def fills(self: staging.BalanceStage, rows: list[staging.Staged]) -> None:
        if self.rows:
            raise sqlite3.OperationalError("database or disk is full")
        real(self, rows)

    monkeypatch.setattr(staging.BalanceStage, "add", fills)
    report = import_file(admin, ImportKind.BALANCES, path)
    assert "临时文件夹" in report.refused and "database or disk is full" in report.refused
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))  # TMPDIR names a folder that is not there
    report = import_file(admin, ImportKind.BALANCES, path)
    assert "临时文件夹" in report.refused and str(tmp_path / "gone") in report.refused
    with uow_factory() as tx:
        assert tx.views.data_as_of() is None  # nothing of either was written
