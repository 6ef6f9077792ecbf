"""Tables in files: CSV (UTF-8, or GBK/GB18030 as Chinese Excel writes it) and XLSX, read and written.

Reading hands out every cell as text (as written: spaces and tabs around it kept, for a note) with the line it came
from, so a bad row can be reported where a person will find it, one row at a time: a file of millions of rows is
never held whole. Writing takes headers, rows, a path and a format; the file appears whole (written beside, then
renamed) and readable by its owner only.

Every file is read within ``Limits`` (sized for the bank's real files): a workbook's parts unpacked, a cell's text, a
CSV line, the rows and the columns. A file over any of them is refused whole (``DomainError``) as soon as that is
seen, in bounded memory: a workbook's parts are checked by the sizes its zip directory declares before anything is
unpacked, and counted again as they are unpacked (a run of text between two XML tags longer than a cell may hold is
refused before it is parsed).

Text that a spreadsheet would run as a formula (it starts with ``= + - @``, a tab or a carriage return) is written
as text: an XLSX string cell with Excel's quote prefix, or in CSV behind a single quote (OWASP's advice for CSV
injection). A CSV cell read back loses that one quote again, so a list exported and imported keeps its text exactly;
a text that itself starts with a quote is written with one more, to come back whole. Every text cell written passes
through the one masking function (``csm_tui.domain.masking``): no table leaves with a full identity.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from csm_tui.domain.errors import DomainError
from csm_tui.domain.masking import mask_text

CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # tried in this order; GB18030 is a superset of GBK and GB2312
XLSX_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"
SAMPLE = 1 << 16  # the bytes a CSV's encoding is chosen on
REPLACED = "\ufffd"  # what a byte that is not text in the encoding is shown as
# Bytes that are not text in the encoding are read as a lone surrogate: no decoder gives one for text, so a genuine
# U+FFFD in the file stays text.
UNDECODED = "\udcff"
UNDECODED_ERRORS = "csm-undecoded"
NUL = "\x00"
codecs.register_error(UNDECODED_ERRORS, lambda error: (UNDECODED, error.end))  # type: ignore[attr-defined]
NON_ASCII = re.compile(b"[\x80-\xff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# A character a Chinese bank's table does not hold: not ASCII or Latin-1 (¥ · é), general punctuation (— “ ” …),
# Han, CJK or full-width forms.
_UNLIKELY = re.compile(
    "[^\x00-\xff\u2010-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
    "\uff00-\uffef\U00020000-\U0003134f]"
)
EXCEL_DIGITS = 15  # Excel shows (and computes with) 15 significant digits
MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What a file read as a table may hold; beyond any of these it is refused whole."""

    unpacked: int = 200 * MB  # a workbook's parts, unzipped, together
    cell: int = 32_767  # characters in a cell: Excel's own limit
    line: int = 1 * MB  # characters in a CSV line (a quoted cell may span lines; each is bounded)
    rows: int = 50_000_000  # a CSV's (six months of a big branch's balances are some 20 million)
    sheet_rows: int = 1_048_576  # a worksheet's: Excel's own limit
    columns: int = 1_000

    @property
    def xml_run(self) -> int:
        """The longest run of a workbook part's bytes between two ``<`` taken: a cell of the longest text, each
        character as long as UTF-8 and XML escapes make it, and its tag."""
        return 6 * self.cell + 4096


LIMITS = Limits()


class TableFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @classmethod
    def of(cls, path: Path) -> TableFormat:
        """The format a file name asks for: ``.xlsx`` is a workbook, anything else CSV."""
        return cls.XLSX if path.suffix.lower() == ".xlsx" else cls.CSV


class Row(NamedTuple):
    """A row of cells and the line (or sheet row) it starts on; ``decoded`` False: some of its bytes are not text in
    the file's encoding (the cells hold U+FFFD where they were), so nothing of it may be taken."""

    line: int
    cells: list[str]
    decoded: bool = True


@dataclass(frozen=True)
class Table:
    """A table read whole from a file: its header cells and its rows."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str  # what the file was read as: "utf-8-sig", "gb18030" or "xlsx"
    digest: str  # SHA-256 of the file's bytes, for the audit log


class TableStream:
    """A table read row by row: its header cells, then ``rows`` (each read when asked for; blank rows skipped).

    ``read`` is how far through the file the rows are, as a fraction (None: not known, a workbook read past the
    rows its sheet declares); ``digest()`` is the SHA-256 of the bytes read, the whole file once the rows are all read.
    """

    def __init__(self, lines: Iterator[Row], encoding: str, source: _Counted, size: int | None = None) -> None:
        # blank lines, and Excel's trailing empty rows
        self._lines = (row for row in lines if any(cell.strip() for cell in row.cells))
        self._source = source
        self._size = size  # the rows a workbook's sheet declares (a hint: it may be stale); None: the file's bytes
        self.encoding = encoding
        self.rows_read = 0
        first = next(self._lines, None)
        if first is None:
            raise DomainError("import.empty")
        if not first.decoded:
            raise DomainError("import.encoding")
        self.headers = [h.strip() for h in first.cells]
        self.rows: Iterator[Row] = self._count(self._lines)

    def _count(self, rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            self.rows_read += 1
            yield row

    @property
    def read(self) -> float | None:
        if self.encoding == "xlsx":
            return self.rows_read / self._size if self._size and self.rows_read < self._size else None
        return min(1.0, self._source.count / self._source.size) if self._source.size else 1.0

    def digest(self) -> str:
        return self._source.digest()

    @property
    def encoding_name(self) -> str:
        """The encoding in words a person knows: "UTF-8" (with or without a BOM), "GBK (GB18030)"."""
        return ENCODING_NAMES.get(self.encoding, self.encoding.upper())


ENCODING_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GBK (GB18030)", "xlsx": "XLSX"}


class _Counted(io.RawIOBase):
    """A file's bytes as read, counted and hashed on the way."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb", buffering=0)
        self.size = os.fstat(self._file.fileno()).st_size
        self.count = 0
        self._hash = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        got = self._file.readinto(buffer) or 0
        self._hash.update(memoryview(buffer)[:got])
        self.count += got
        return got

    def digest(self) -> str:
        while self.readinto(bytearray(1 << 20)):  # the rest of a file whose rows were not all read (a workbook)
            pass
        return self._hash.hexdigest()

    def close(self) -> None:
        self._file.close()
        super().close()


def read_table(path: Path, encoding: str | None = None) -> Table:
    """A whole (small) table at once: an export read back, say. Raises ``DomainError`` like ``open_table``, and for
    a line that is not text in the file's encoding."""
    with open_table(path, encoding) as table:
        rows: list[tuple[int, list[str]]] = []
        for line, cells, decoded in table.rows:
            if not decoded:
                raise DomainError("import.encoding")
            rows.append((line, cells))
        return Table(table.headers, rows, table.encoding, table.digest())


@contextmanager
def open_table(path: Path, encoding: str | None = None, limits: Limits = LIMITS) -> Iterator[TableStream]:
    """The first sheet of a workbook, or a CSV file, to read row by row; raises ``DomainError`` when it cannot be
    read as a table or is over ``limits`` (then, or while its rows are read). A CSV's encoding is chosen on its first
    ``SAMPLE`` bytes; a later line that is not text in it comes as a row not ``decoded``. A file whose sample is
    plain ASCII is decided on its first bytes that are not (found by scanning on)."""
    try:
        source = _Counted(path)
    except OSError as exc:
        raise DomainError("import.unreadable", path=str(path), reason=exc.strerror or type(exc).__name__) from None
    with source:
        with path.open("rb") as fh:
            sample = fh.read(SAMPLE)
            if sample.startswith(XLSX_MAGIC):
                with _workbook(path, limits) as (lines, size):
                    yield TableStream(lines, "xlsx", source, size)
                return
            if b"\x00" in sample[:4096]:
                raise DomainError("import.encoding")  # UTF-16 or a binary file: not a CSV we can read
            complete = len(sample) < SAMPLE
            if sample.isascii() and not complete and not encoding:
                sample, complete = _first_non_ascii(fh)
        chosen = _encoding(sample, encoding, complete=complete)
        text = io.TextIOWrapper(io.BufferedReader(source, 1 << 16), chosen, errors=UNDECODED_ERRORS, newline="")
        yield TableStream(_csv_lines(text, limits), chosen, source)


def _first_non_ascii(fh: io.BufferedReader) -> tuple[bytes, bool]:
    """From where ``fh`` is, ``SAMPLE`` bytes starting at the first byte that is not ASCII (every encoding we read
    agrees on ASCII, and a character starts there), and whether they run to the end of the file; none: ``b""``."""
    while chunk := fh.read(SAMPLE):
        found = NON_ASCII.search(chunk)
        if found is not None:
            window = chunk[found.start() :]
            window += fh.read(SAMPLE - len(window))
            return window, len(window) < SAMPLE
    return b"", True


def _encoding(sample: bytes, encoding: str | None, *, complete: bool) -> str:
    """The encoding to read a file as, from its first bytes: the one asked for; else UTF-8 (certain with a BOM); else
    GB18030. Short GBK text can be valid UTF-8 too (叶平 is "Ҷƽ"): when the UTF-8 reading holds letters a Chinese
    bank's file does not (``_UNLIKELY``) and the GB18030 reading holds none, the file is GB18030. A sample that
    ends inside a character is read up to it."""
    if encoding:
        candidates: tuple[str, ...] = (encoding,)
    elif sample.startswith(UTF8_BOM):
        candidates = ("utf-8-sig",)
    else:
        candidates = CSV_ENCODINGS
    readable: list[str] = []
    for candidate in candidates:
        try:
            text = codecs.getincrementaldecoder(candidate)().decode(sample, final=complete)
        except (UnicodeDecodeError, LookupError):
            continue
        if not _UNLIKELY.search(text):
            return candidate
        readable.append(candidate)
    if not readable:
        raise DomainError("import.encoding")
    return readable[0]


def _bounded_lines(text: io.TextIOWrapper, limits: Limits) -> Iterator[str]:
    """The text's lines, each read only as far as ``limits.line`` characters: a longer one is refused."""
    number = 0
    while line := text.readline(limits.line):
        number += 1
        if len(line) == limits.line and not line.endswith(("\n", "\r")):
            raise DomainError("import.line_too_long", line=number, max=limits.line)
        yield line


def _csv_lines(text: io.TextIOWrapper, limits: Limits) -> Iterator[Row]:
    reader = csv.reader(_bounded_lines(text, limits))
    start = 1
    try:
        for number, cells in enumerate(reader, start=1):
            _within(limits, start, cells, number > limits.rows, limits.rows)
            if any(UNDECODED in c or NUL in c for c in cells):  # a NUL is not text (nor storable on PostgreSQL)
                cells = [c.replace(UNDECODED, REPLACED).replace(NUL, REPLACED) for c in cells]
                yield Row(start, cells, decoded=False)
            else:
                yield Row(start, [_unprotect(c) if c[:1] == QUOTE else c for c in cells])
            start = reader.line_num + 1
    except csv.Error:  # an unclosed quote running on past the csv module's own field limit among others
        raise DomainError("import.not_csv", line=reader.line_num) from None


def _within(limits: Limits, line: int, cells: Sequence[str], too_many_rows: bool, rows: int) -> None:
    """Refuse the file (``DomainError``) when this row is past the rows it may have, or has too many columns or a
    cell too long."""
    if too_many_rows:
        raise DomainError("import.too_many_rows", max=rows)
    if len(cells) > limits.columns and any(cells[limits.columns :]):
        raise DomainError("import.too_many_columns", line=line, max=limits.columns)
    if cells and max(map(len, cells)) > limits.cell:
        raise DomainError("import.cell_too_long", line=line, max=limits.cell)


class _BoundedZip(zipfile.ZipFile):
    """A workbook's zip whose parts are unpacked within ``limits``: refused at once when its directory declares more
    than ``limits.unpacked`` bytes, and as its parts are read when they hold more (counted), or a run of bytes
    between two XML tags longer than ``limits.xml_run``."""

    def __init__(self, path: Path, limits: Limits) -> None:
        super().__init__(path)
        self.limits = limits
        self.left = limits.unpacked
        if sum(info.file_size for info in self.infolist()) > limits.unpacked:
            self.close()
            raise DomainError("import.too_large", max=limits.unpacked // MB)

    def open(self, name: Any, mode: Any = "r", pwd: bytes | None = None, **kwargs: Any) -> Any:
        part = super().open(name, mode, pwd, **kwargs)
        return io.BufferedReader(_BoundedPart(part, self)) if mode == "r" else part


class _BoundedPart(io.RawIOBase):
    """One part of a ``_BoundedZip`` as it is unpacked: its bytes counted against the zip's, its text runs bounded."""

    def __init__(self, part: Any, owner: _BoundedZip) -> None:
        self._part = part
        self._owner = owner
        self._run = 0  # bytes since the last "<"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        limits = self._owner.limits
        data = self._part.read(min(len(buffer), limits.xml_run))  # a chunk no longer than a run may be
        got = len(data)
        self._owner.left -= got
        if self._owner.left < 0:
            raise DomainError("import.too_large", max=limits.unpacked // MB)
        first = data.find(b"<")
        if first < 0:
            self._run += got
            longest = self._run
        else:  # a run inside the chunk is shorter than the chunk; the one it starts with may go on from before
            longest = self._run + first
            self._run = got - data.rfind(b"<") - 1
        if longest > limits.xml_run:
            raise DomainError("import.xlsx_cell_too_long", max=limits.cell)
        memoryview(buffer)[:got] = data
        return got

    def close(self) -> None:
        self._part.close()
        super().close()


@contextmanager
def _workbook(path: Path, limits: Limits) -> Iterator[tuple[Iterator[Row], int | None]]:
    """The first sheet's rows, read as the workbook is (openpyxl's read-only mode, from a ``_BoundedZip``), and how
    many it says it has."""
    from openpyxl.reader.excel import ExcelReader  # imported when first needed: a workbook is the rarer case

    try:
        reader = ExcelReader(path, read_only=True, data_only=True)
        reader.archive.close()
        reader.archive = _BoundedZip(path, limits)
        reader.read()
        book = reader.wb
        sheet = book.worksheets[0]
        size = sheet.max_row  # from the sheet's <dimension>, which a report generator may leave stale
        sheet.reset_dimensions()  # so every row and column is read, whatever it says
    except DomainError:
        raise
    except Exception:  # openpyxl raises many kinds of error on a damaged or foreign file: each means the same here
        raise DomainError("import.not_xlsx") from None
    try:
        yield _sheet_lines(sheet.iter_rows(values_only=True), limits), size
    finally:
        book.close()


def _sheet_lines(rows: Iterator[tuple[object, ...]], limits: Limits) -> Iterator[Row]:
    try:
        for number, row in enumerate(rows, start=1):
            cells = [_cell_text(v) for v in row]
            _within(limits, number, cells, number > limits.sheet_rows, limits.sheet_rows)
            yield Row(number, cells)
    except DomainError:
        raise
    except Exception:  # as in ``_workbook``: a damaged sheet, found as it is read
        raise DomainError("import.not_xlsx") from None


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
    return str(value)


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
    """A cell as written: text passes through the one masking function, so no table (an export, an import's
    error file) leaves with a full ID, mobile, card or account number, wherever it was typed."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return mask_text(value)
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
