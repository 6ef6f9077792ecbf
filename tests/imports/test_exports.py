"""Exports of a CSM's own lists (masked, audited), the task list's round trip through an import, and the ``csm
import`` / ``csm export`` commands."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from csm_tui.cli import main
from csm_tui.domain.errors import DomainError
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.imports.run import import_file
from csm_tui.services.ports import AccessDenied
from csm_tui.services.scoreboard.team_export import export_team
from csm_tui.services.tabular import TableFormat, read_table, write_table
from storage.engine import make_engine
from storage.orm import AuditRow, ClientRow, ContactRow, StaffRow, TaskRow
from tests.support.branch import open_desk
from tests.support.files import TASK_FIELDS, file_text


def tasks_of(url: str, login: str) -> list[tuple[object, ...]]:
    with Session(make_engine(url)) as session:
        staff_id = session.scalar(select(StaffRow.id).where(StaffRow.login == login))
        rows = session.execute(select(*TASK_FIELDS).where(TaskRow.staff_id == staff_id))
        return sorted((tuple(r) for r in rows), key=repr)


def secrets(url: str) -> list[str]:
    with Session(make_engine(url)) as session:
        return [v for row in session.execute(select(ClientRow.resident_id, ClientRow.mobile)) for v in row if v]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_csm_exports_own_tasks_and_contacts_masked_and_audited(demo_url: str, tmp_path: Path, fmt: str) -> None:
    ws = open_desk(demo_url, "csm01")
    tasks = export_list(ws, ExportKind.TASKS, tmp_path / f"t.{fmt}")
    contacts = export_list(ws, ExportKind.CONTACTS, tmp_path / f"c.{fmt}", days=400)
    assert tasks > 0 and contacts > 0
    texts = file_text(tmp_path / f"t.{fmt}") + file_text(tmp_path / f"c.{fmt}")
    assert "****" in texts
    assert not [s for s in secrets(demo_url) if s in texts]
    table = read_table(tmp_path / f"t.{fmt}")
    assert len(table.rows) == tasks and table.headers[0] == "客户号"
    with Session(make_engine(demo_url)) as session:
        own = session.scalar(select(StaffRow.id).where(StaffRow.login == "csm01"))
        open_tasks = session.scalars(select(TaskRow.id).where(TaskRow.staff_id == own, TaskRow.status == "open")).all()
        events = session.scalars(select(AuditRow).where(AuditRow.action == "export").order_by(AuditRow.id)).all()
        assert [(e.entity, e.detail["rows"], e.staff_id) for e in events] == [
            ("tasks", tasks, own),
            ("contacts", contacts, own),
        ]
    assert tasks == len(open_tasks)  # open tasks only, by default
    assert (tmp_path / f"t.{fmt}").stat().st_mode & 0o077 == 0


def test_an_exported_task_list_imports_back_whole(demo_url: str, tmp_path: Path) -> None:
    path = tmp_path / "tasks.xlsx"
    export_list(open_desk(demo_url, "csm01"), ExportKind.TASKS, path, open_only=False)
    before = tasks_of(demo_url, "csm01")
    assert len(before) > 20 and any(t[4] is not None for t in before) and any(t[10] is not None for t in before)
    with Session(make_engine(demo_url)) as session, session.begin():
        staff_id = session.scalar(select(StaffRow.id).where(StaffRow.login == "csm01"))
        mine = select(TaskRow.id).where(TaskRow.staff_id == staff_id)
        session.execute(update(ContactRow).where(ContactRow.task_id.in_(mine)).values(task_id=None))
        session.query(TaskRow).filter(TaskRow.staff_id == staff_id).delete()
    assert tasks_of(demo_url, "csm01") == []
    admin = open_desk(demo_url, "admin")
    report = import_file(admin, ImportKind.TASKS, path)
    assert (report.new, report.rejected) == (len(before), 0)
    assert tasks_of(demo_url, "csm01") == before
    again = import_file(admin, ImportKind.TASKS, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, len(before))


def test_the_tabular_writer_takes_headers_rows_a_path_and_a_format(tmp_path: Path) -> None:
    rows = [["张三", dt.date(2026, 11, 27), 3], ["李四", None, 4]]
    for fmt in TableFormat:
        path = tmp_path / f"x.{fmt.value}"
        assert write_table(["姓名", "日期", "数"], rows, path, fmt) == 2
        table = read_table(path)
        assert table.headers == ["姓名", "日期", "数"]
        assert [cells for _line, cells in table.rows] == [["张三", "2026-11-27", "3"], ["李四", "", "4"]]
    assert not list(tmp_path.glob(".*part"))


# --- the commands ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _not_an_os_login() -> None:
    if getpass.getuser() in ("admin", "csm01"):
        pytest.skip("the OS login is one of the demo's staff")


def test_csm_import_dry_run_then_for_real(runner: CliRunner, demo_url: str, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    with path.open("w", encoding="gbk", newline="") as fh:
        csv.writer(fh).writerows(
            [["客户号", "姓名", "身份证号码"], ["C77", "张三", "310104198001011001"], ["C78", "李四", "1"]]
        )
    args = ["--staff", "admin", "import", "clients", str(path), "--db", demo_url]
    dry = runner.invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 1 and "试运行" in dry.output and "新增 1" in dry.output, dry.output
    assert str(path) + ".errors.csv" in dry.output
    real = runner.invoke(main, args)
    assert real.exit_code == 1 and "新增 1" in real.output and "拒绝 1" in real.output
    again = runner.invoke(main, ["--lang", "en", *args])
    assert again.exit_code == 1 and "0 new" in again.output and "1 unchanged" in again.output


def test_csm_import_refuses_a_non_admin_and_an_unreadable_file(
    runner: CliRunner, demo_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"")
    csm = runner.invoke(main, ["--staff", "csm01", "import", "clients", str(path), "--db", demo_url])
    assert csm.exit_code == 2 and "管理员" in csm.output and "Traceback" not in csm.output
    empty = runner.invoke(main, ["--staff", "admin", "import", "clients", str(path), "--db", demo_url])
    assert empty.exit_code == 2 and "空" in empty.output and "Traceback" not in empty.output


def test_csm_export_writes_the_signed_in_csms_list(runner: CliRunner, demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "mine.csv"
    result = runner.invoke(main, ["--staff", "csm01", "export", "tasks", "--out", str(out), "--db", demo_url])
    assert result.exit_code == 0 and str(out) in result.output, result.output
    assert not [s for s in secrets(demo_url) if s in out.read_text(encoding="utf-8-sig")]
    bad = runner.invoke(main, ["--staff", "csm01", "export", "tasks", "--out", "/proc/nope/x.csv", "--db", demo_url])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_an_export_never_replaces_a_file_and_names_its_format(demo_url: str, tmp_path: Path) -> None:
    ws = open_desk(demo_url, "csm01")
    taken = tmp_path / "mine.xlsx"
    taken.write_bytes(b"someone's file")
    for path, code in ((taken, "export.exists"), (tmp_path / "mine.txt", "export.suffix")):
        with pytest.raises(DomainError) as refused:
            export_list(ws, ExportKind.TASKS, path)
        assert refused.value.code == code
    assert taken.read_bytes() == b"someone's file" and not (tmp_path / "mine.txt").exists()


def test_an_ssh_session_exports_by_name_into_the_servers_export_folder_only(demo_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    ws = replace(open_desk(demo_url, "csm01"), exports=folder)
    assert export_list(ws, ExportKind.TASKS, Path("mine.csv")) > 0
    assert (folder / "mine.csv").exists()
    for path in (tmp_path / "elsewhere.csv", Path("../up.csv"), Path(".hidden.csv")):
        with pytest.raises(DomainError) as refused:
            export_list(ws, ExportKind.TASKS, path)
        assert refused.value.code == "export.name_only"
    assert sorted(p.name for p in tmp_path.rglob("*.csv")) == ["mine.csv"]


def test_the_scoreboard_exports_for_a_supervisor_and_never_for_a_csm(demo_url: str, tmp_path: Path) -> None:
    rows, path = export_team(open_desk(demo_url, "sup01"), tmp_path / "team.xlsx")
    sheet = load_workbook(path).worksheets[0]
    assert rows == sheet.max_row - 1 > 0
    with pytest.raises(AccessDenied):
        export_team(open_desk(demo_url, "csm01"), tmp_path / "mine.xlsx")
    assert not (tmp_path / "mine.xlsx").exists()
