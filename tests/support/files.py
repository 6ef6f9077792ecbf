"""Files written the way the bank's systems and Chinese Excel write them, and read back: CSV in any encoding, XLSX,
the import's error report, an exported list as text."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from openpyxl import Workbook, load_workbook
from stdnum.cn import ric

from csm_tui.services.imports.run import ImportReport, errors_path
from storage.orm import TaskRow

HEADER_ZH = ["客户号", "姓名", "身份证号码", "手机号码", "客户经理"]
CLIENTS = 300  # the clients the imports' ``admin`` fixture imports
LAST = dt.date(2026, 11, 25)  # the last day of the streamed balance files


def _valid_ids() -> list[str]:
    found = []
    for seq in range(100, 200):
        body = f"31010419800101{seq:03d}"
        found.append(body + ric.calc_check_digit(body + "0"))  # it ignores the last character
    return found


VALID_IDS = _valid_ids()

# A task as an exported task list carries it back: what a round trip must keep.
TASK_FIELDS = (
    TaskRow.client_id, TaskRow.staff_id, TaskRow.kind, TaskRow.due_on, TaskRow.due_at, TaskRow.status,
    TaskRow.origin, TaskRow.origin_id, TaskRow.note, TaskRow.created_at, TaskRow.closed_at,
)  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def clients_file(tmp_path: Path, rows: list[list[str]], name: str = "clients.csv", **kw: str) -> Path:
    return write_csv(tmp_path / name, [HEADER_ZH, *rows], **kw)


def balances_file(tmp_path: Path, rows: list[list[str]], name: str = "b.csv") -> Path:
    return write_csv(tmp_path / name, [["客户号", "日期", "余额"], *rows])


def error_lines(report: ImportReport) -> list[list[str]]:
    assert report.errors_path is not None and report.errors_path == errors_path(report.path)
    with report.errors_path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))[1:]


def file_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        return "\n".join(",".join(str(c or "") for c in row) for row in book.worksheets[0].iter_rows(values_only=True))
    return path.read_text(encoding="utf-8-sig")


# A clients file for the demo branch, in GBK as the bank's system writes it: two of csm01's, one with a bad mobile and
# an unknown manager.
DEMO_CLIENT_ROWS = [
    ["客户号", "姓名", "身份证号码", "手机号码", "客户经理"],
    ["C9000000001", "张三", "310104198001011001", "13812345678", "csm01"],
    ["C9000000002", "李四", "31010419800101101X", "13812345679", "csm01"],
    ["C9000000003", "王五", "310104198001011028", "23812345670", "nobody"],
]


def demo_clients_csv(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_csv(folder / "clients.csv", DEMO_CLIENT_ROWS, encoding="gbk")
