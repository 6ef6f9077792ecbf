"""Every file read as a table is bounded: a workbook by what it unpacks to, each cell, its rows and columns; a CSV by
its lines, cells, rows and columns. A file over a limit is refused whole, quickly and in little memory — a zip bomb
(one 1 GB cell in a 1 MB workbook, a 1.5 GB sheet in a few MB) included."""

from __future__ import annotations

import struct
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook

from csm_tui.domain.errors import DomainError
from csm_tui.i18n import current_language, explain, set_language
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.tabular import LIMITS, Limits, open_table, read_table
from csm_tui.services.workstation import Workstation
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import open_desk
from tests.support.files import HEADER_ZH, VALID_IDS, error_lines, write_csv


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    before = current_language()
    set_language("en")
    yield
    set_language(before)


SHEET = "xl/worksheets/sheet1.xml"
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    b'main"><sheetData>'
)
TAIL = b"</sheetData></worksheet>"
CHUNK = 1 << 20


class Repeated:
    """A zip part of ``head``, ``chunk`` ``times`` over, and ``tail``: deflated once per chunk (after a full flush
    the deflater starts afresh, so every chunk deflates to the same bytes), to build a bomb in a moment."""

    def __init__(self, head: bytes, chunk: bytes, times: int, tail: bytes) -> None:
        self.head, self.chunk, self.times, self.tail = head, chunk, times, tail

    def deflated(self) -> tuple[bytes, int, int]:
        deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
        start = deflater.compress(self.head) + deflater.flush(zlib.Z_FULL_FLUSH)
        block = deflater.compress(self.chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
        end = deflater.compress(self.tail) + deflater.flush()
        crc = zlib.crc32(self.head)
        for _ in range(self.times):
            crc = zlib.crc32(self.chunk, crc)
        crc = zlib.crc32(self.tail, crc)
        size = len(self.head) + len(self.chunk) * self.times + len(self.tail)
        return start + block * self.times + end, crc, size


def write_zip(path: Path, parts: dict[str, bytes | Repeated]) -> None:
    """A zip file of ``parts``, written by hand (the standard library would deflate a bomb byte by byte)."""
    local, directory = bytearray(), bytearray()
    for name, part in parts.items():
        if isinstance(part, Repeated):
            data, crc, size = part.deflated()
        else:
            deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
            data, crc, size = deflater.compress(part) + deflater.flush(), zlib.crc32(part), len(part)
        raw = name.encode()
        fields = (20, 0, 8, 0, 0x21, crc, len(data), size, len(raw))
        directory += struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIIIH", *fields)
        directory += struct.pack("<HHHHII", 0, 0, 0, 0, 0, len(local)) + raw
        local += struct.pack("<I", 0x04034B50) + struct.pack("<HHHHHIIIH", *fields) + struct.pack("<H", 0)
        local += raw + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory), len(local), 0)
    path.write_bytes(bytes(local + directory + end))


def workbook_parts(tmp_path: Path) -> dict[str, bytes | Repeated]:
    """The parts of a real one-sheet workbook (its sheet to be replaced)."""
    import zipfile

    book = Workbook()
    book.active.append(["客户号", "姓名"])
    book.save(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as plain:
        return {name: plain.read(name) for name in plain.namelist()}


def refused_quickly(path: Path, limits: Limits = LIMITS) -> str:
    """Read ``path`` as a table: refused (the reason) within seconds and a few MB."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(DomainError) as refusal, open_table(path, limits=limits) as table:
            for _row in table.rows:
                pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 10
    assert peak < 64 << 20, f"{peak >> 20} MB"
    return explain(refusal.value)


def test_a_workbook_with_a_1_gb_cell_in_1_mb_is_refused_at_once(tmp_path: Path) -> None:
    parts = workbook_parts(tmp_path)
    cell = b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    parts[SHEET] = Repeated(HEAD + cell, b"A" * CHUNK, 1024, b"</t></is></c></row>" + TAIL)
    write_zip(tmp_path / "bomb.xlsx", parts)
    assert (tmp_path / "bomb.xlsx").stat().st_size < 2 << 20
    assert "200 MB" in refused_quickly(tmp_path / "bomb.xlsx")


def test_a_workbook_holding_a_1_5_gb_sheet_in_a_few_mb_is_refused_at_once(tmp_path: Path) -> None:
    parts = workbook_parts(tmp_path)
    row = b'<row><c t="inlineStr"><is><t>C0001</t></is></c><c><v>1</v></c></row>'
    parts[SHEET] = Repeated(HEAD, row * (CHUNK // len(row)), 1536, TAIL)
    write_zip(tmp_path / "rows.xlsx", parts)
    assert (tmp_path / "rows.xlsx").stat().st_size < 8 << 20
    assert "200 MB" in refused_quickly(tmp_path / "rows.xlsx")


def test_an_import_of_a_bomb_is_refused_whole_naming_the_limit(demo_url: str, tmp_path: Path) -> None:
    parts = workbook_parts(tmp_path)
    parts[SHEET] = Repeated(
        HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>', b"A" * CHUNK, 300, b"</t></is></c></row>" + TAIL
    )
    write_zip(tmp_path / "clients.xlsx", parts)
    report = import_file(open_desk(demo_url, "admin"), ImportKind.CLIENTS, tmp_path / "clients.xlsx")
    assert "200 MB" in report.refused and (report.new, report.updated) == (0, 0)


def test_a_cell_longer_than_a_cell_may_be_is_refused_before_its_text_is_held_whole(tmp_path: Path) -> None:
    """Within what the zip declares (40 MB here), a 40 MB cell is refused as its first few hundred KB are read."""
    parts = workbook_parts(tmp_path)
    cell = b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    parts[SHEET] = Repeated(HEAD + cell, b"A" * CHUNK, 40, b"</t></is></c></row>" + TAIL)
    write_zip(tmp_path / "long.xlsx", parts)
    assert "32767 characters" in refused_quickly(tmp_path / "long.xlsx")
    assert "10 MB" in refused_quickly(tmp_path / "long.xlsx", Limits(unpacked=10 << 20))
    assert "1000 characters" in refused_quickly(tmp_path / "long.xlsx", Limits(cell=1000))


def test_a_workbook_cell_rows_and_columns_over_the_limits_are_refused(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["客户号", "备注"])
    book.active.append(["C1", "字" * 300])
    book.save(tmp_path / "cell.xlsx")
    assert "line 2" in refused_quickly(tmp_path / "cell.xlsx", Limits(cell=200))
    book = Workbook()
    for number in range(30):
        book.active.append([f"C{number}", "x"])
    book.save(tmp_path / "rows.xlsx")
    assert "20 rows" in refused_quickly(tmp_path / "rows.xlsx", Limits(sheet_rows=20))
    book = Workbook()
    book.active.append([f"列{n}" for n in range(12)])
    book.save(tmp_path / "wide.xlsx")
    assert "10 columns" in refused_quickly(tmp_path / "wide.xlsx", Limits(columns=10))


def test_a_csv_line_cell_rows_and_columns_over_the_limits_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("客户号,备注\nC1," + "x" * 5000 + "\n", encoding="utf-8")
    assert "Line 2" in refused_quickly(path, Limits(line=1000))
    path.write_text('客户号,备注\nC1,"' + "第一行\n" * 300 + '"\n', encoding="utf-8")
    assert "line 2" in refused_quickly(path, Limits(cell=1000, line=1000))
    path.write_text("客户号,备注\n" + "C1,x\n" * 30, encoding="utf-8")
    assert "20 rows" in refused_quickly(path, Limits(rows=20))
    path.write_text(",".join(f"c{n}" for n in range(50)) + "\n", encoding="utf-8")
    assert "10 columns" in refused_quickly(path, Limits(columns=10))


def test_a_csv_of_one_endless_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "noise.csv"
    with path.open("wb") as out:
        out.write("客户号,".encode())
        for _ in range(64):
            out.write(b"x" * CHUNK)
    assert "Line 1" in refused_quickly(path)


def test_files_within_the_limits_read_as_before(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["客户号", "备注"])
    book.active.append(["C1", "字" * 32_767])
    book.save(tmp_path / "full.xlsx")
    assert read_table(tmp_path / "full.xlsx").rows == [(2, ["C1", "字" * 32_767])]
    (tmp_path / "full.csv").write_text("客户号,备注\nC1," + "字" * 32_767 + "\n", encoding="utf-8")
    assert read_table(tmp_path / "full.csv").rows == [(2, ["C1", "字" * 32_767])]


def test_a_nul_in_a_csv_line_refuses_that_line_and_the_rest_go_in(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    """A NUL past the bytes the file's kind is judged on is not text: its line is refused like an undecodable one
    (on PostgreSQL it would otherwise fail the whole import, unnamed; on SQLite it would be stored)."""
    rows = [[f"C10000000{n:02d}", "张三" * 16, VALID_IDS[n], "", ""] for n in range(2, 80)]  # 78 lines of 124 bytes
    rows.append(["C1000000999", "李\x00四", VALID_IDS[1], "13812345678", ""])
    path = write_csv(tmp_path / "clients.csv", [HEADER_ZH, *rows])
    assert b"\x00" not in path.read_bytes()[:4096]
    report = import_file(branch["admin"], ImportKind.CLIENTS, path)
    assert not report.refused and report.new == 78
    ((line, _column, reason, _value),) = error_lines(report)
    assert line == "80" and "UTF-8" in reason
    with uow_factory() as tx:
        assert tx.clients.id_of("C1000000999") is None
