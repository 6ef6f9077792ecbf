"""Tables in files: CSV (UTF-8, or GBK/GB18030 as Chinese Excel writes it) and XLSX, read and written.

Reading hands out every cell as text with the line it came from, so a bad row can be reported where a person will
find it. Writing takes headers, rows, a path and a format; the file appears whole (written beside, then renamed) and
readable by its owner only.

Text that a spreadsheet would run as a formula (it starts with ``= + - @``, a tab or a carriage return) is written
as text: an XLSX string cell with Excel's quote prefix, or in CSV behind a single quote (OWASP's advice for CSV
injection). A CSV cell read back loses that one quote again, so a list exported and imported keeps its text exactly;
a text that itself starts with a quote is written with one more, to come back whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from csm_tui.domain.errors import DomainError

CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # tried in this order; GB18030 is a superset of GBK and GB2312
XLSX_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# A character a Chinese bank's table does not hold: not ASCII or Latin-1 (¥ · é), general punctuation (— “ ” …),
# Han, CJK or full-width forms.
_UNLIKELY = re.compile(
    "[^\x00-\xff\u2010-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
    "\uff00-\uffef\U00020000-\U0003134f]"
)
EXCEL_DIGITS = 15  # Excel shows (and computes with) 15 significant digits


class TableFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @classmethod
    def of(cls, path: Path) -> TableFormat:
        """The format a file name asks for: ``.xlsx`` is a workbook, anything else CSV."""
        return cls.XLSX if path.suffix.lower() == ".xlsx" else cls.CSV


@dataclass(frozen=True)
class Table:
    """A table read from a file: its header cells and its rows, each with the line (or sheet row) it is on."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str  # what the file was read as: "utf-8-sig", "gb18030" or "xlsx"
    digest: str  # SHA-256 of the file's bytes, for the audit log


def read_table(path: Path, encoding: str | None = None) -> Table:
    """Read the first sheet of a workbook or a CSV file; raises ``DomainError`` when it cannot be read as a table."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DomainError("import.unreadable", path=str(path), reason=exc.strerror or type(exc).__name__) from None
    if data.startswith(XLSX_MAGIC):
        lines = _xlsx_lines(data)
        encoding = "xlsx"
    else:
        text, encoding = _decode(data, encoding)
        lines = _csv_lines(text)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for line, cells in lines:
        if not any(cells):
            continue  # blank lines, and Excel's trailing empty rows
        if header is None:
            header = cells
        else:
            rows.append((line, cells))
    if header is None:
        raise DomainError("import.empty")
    return Table([h.strip() for h in header], rows, encoding, hashlib.sha256(data).hexdigest())


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    """The file's text and the encoding it was read as: the one asked for; else UTF-8 (certain with a BOM); else
    GB18030. Short GBK text can be valid UTF-8 too (叶平 is "Ҷƽ"): when the UTF-8 reading holds letters a Chinese
    bank's file does not (``_UNLIKELY``) and the GB18030 reading holds none, the file is GB18030."""
    if b"\x00" in data[:4096]:
        raise DomainError("import.encoding")  # UTF-16 or a binary file: not a CSV we can read
    if encoding:
        candidates: tuple[str, ...] = (encoding,)
    elif data.startswith(UTF8_BOM):
        candidates = ("utf-8-sig",)
    else:
        candidates = CSV_ENCODINGS
    readings: list[tuple[str, str]] = []
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        if not _UNLIKELY.search(text):
            return text, candidate
        readings.append((text, candidate))
    if not readings:
        raise DomainError("import.encoding")
    return readings[0]


def _csv_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            yield start, [_unprotect(c).strip() for c in cells]
            start = reader.line_num + 1
    except csv.Error:
        raise DomainError("import.not_csv", line=reader.line_num) from None


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # imported when first needed: a workbook is the rarer case

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        book.close()
    except Exception:  # openpyxl raises many kinds of error on a damaged or foreign file: each means the same here
        raise DomainError("import.not_xlsx") from None
    for number, row in enumerate(rows, start=1):
        yield number, [_cell_text(v) for v in row]


def _cell_text(value: object) -> str:
    """A workbook cell as the text a person sees: whole numbers without ``.0``, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        shown = float(f"{value:.{EXCEL_DIGITS}g}")  # 300.29999999999995, as Excel computes =100.1+200.2, is 300.3
        return str(int(shown)) if shown.is_integer() else repr(shown)
    return str(value).strip()


def write_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], path: Path, fmt: TableFormat | None = None
) -> int:
    """Write a table to ``path`` as CSV (UTF-8 with a BOM, so Excel reads Chinese) or XLSX; returns the row count.

    Cells are written as text (dates ISO, money as two-place decimals), so nothing is reinterpreted by Excel.
    """
    with staged_table(headers, rows, path, fmt) as count:
        return count


@contextmanager
def staged_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], path: Path, fmt: TableFormat | None = None
) -> Iterator[int]:
    """Write the table beside ``path`` and hand out its row count; the file takes its name when the block ends
    without an error, and is removed when it raises (an export whose audit entry fails leaves no file). An existing
    file at ``path`` is never replaced: ``FileExistsError``."""
    fmt = fmt or TableFormat.of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    temp = Path(scratch)
    try:
        count = _write_xlsx(headers, rows, temp) if fmt is TableFormat.XLSX else _write_csv(headers, rows, temp)
        temp.chmod(0o600)
        yield count
        os.link(temp, path)  # never over an existing file: FileExistsError if ``path`` is taken
    finally:
        temp.unlink(missing_ok=True)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _protect(text: str) -> str:
    """A CSV cell a spreadsheet will not run: behind a quote when it starts like a formula (or with a quote)."""
    return QUOTE + text if text.startswith((*FORMULA_START, QUOTE)) else text


def _unprotect(text: str) -> str:
    """A CSV cell as it was before ``_protect``."""
    return text[1:] if text.startswith(QUOTE) and text[1:].startswith((*FORMULA_START, QUOTE)) else text


def _write_csv(headers: Sequence[str], rows: Iterable[Sequence[object]], path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([_protect(h) for h in headers])
        for row in rows:
            writer.writerow([_protect(_text(v)) if isinstance(v, str) else _text(v) for v in row])
            count += 1
    return count


def _write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[object]], path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    def text_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
        text = _text(value)
        if not text.startswith(FORMULA_START):
            return text
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # openpyxl would write "=…" as a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
        return cell

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([text_cell(sheet, h) for h in headers])
    count = 0
    for row in rows:
        sheet.append([text_cell(sheet, v) for v in row])
        count += 1
    book.save(path)
    return count
