"""Importing the bank's files as Excel and the bank's systems really write them, and exporting lists: amounts and
dates in every form Excel writes, error lines and reasons, every kind re-imported unchanged, a database failure half
way, a CSM's write during an import, and the error file's and the exports' bytes free of identities. Run on SQLite
and PostgreSQL (``db_url``).
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
import zipfile
from collections.abc import Iterator
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import Engine, func, select, text

from csm_tui.cli import main
from csm_tui.domain.enums import Role, TaskKind, TaskStatus, Tier
from csm_tui.domain.models import NewTask
from csm_tui.i18n import set_language
from csm_tui.rules.tiers import tier_of
from csm_tui.services.clients import client_detail
from csm_tui.services.imports.cell_values import date_cell
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.imports.records import money_cell
from csm_tui.services.imports.run import ImportReport, errors_path, import_file, summary
from csm_tui.services.ports import AccessDenied, ConcurrentEdit, StorageFailure
from csm_tui.services.workstation import Workstation
from storage.importer import SqlImports
from storage.orm import AuditRow, BalanceSpanRow, ClientRow, HoldingRow, MetaRow, ProductRow, StaffRow, TaskRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.files import VALID_IDS, write_csv, write_xlsx

ID_WITH_X = "11010519491231002X"  # a valid ID number whose check character is X
CLIENT_HEADER = ["客户号", "姓名", "身份证号码", "手机号码", "客户经理"]


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("zh_CN")


def clients_csv(tmp_path: Path, rows: list[list[str]], name: str = "clients.csv", encoding: str = "utf-8") -> Path:
    return write_csv(tmp_path / name, [CLIENT_HEADER, *rows], encoding)


def problems(report: ImportReport) -> list[list[str]]:
    assert report.errors_path is not None
    with report.errors_path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))[1:]


def scalar(uow_factory: SqlUnitOfWorkFactory, query: Any) -> Any:
    with uow_factory() as tx:
        return tx.session.scalar(query)


def count(uow_factory: SqlUnitOfWorkFactory, row: type) -> int:
    return int(scalar(uow_factory, select(func.count()).select_from(row)) or 0)


def import_ok(ws: Workstation, kind: ImportKind, path: Path) -> ImportReport:
    report = import_file(ws, kind, path)
    assert not report.refused and report.rejected == 0, (report.refused, report.problems)
    return report


# --- cells as Excel and the bank's systems write them -----------------------------------------------------------


def test_lowercase_x_and_dialled_mobile_forms_are_stored_normalised_and_match_on_reimport(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    rows = [
        ["C1", "张三", ID_WITH_X.lower(), "+86 138 1234 5678", "csm01"],
        ["C2", "李四", VALID_IDS[0], "138-1234-5679 ", ""],
        ["C3", "王五", VALID_IDS[1], "0086 13812345670", ""],
    ]
    import_ok(branch["admin"], ImportKind.CLIENTS, clients_csv(tmp_path, rows))
    with uow_factory() as tx:
        stored = {n: (tx.clients.by_number(n).resident_id, tx.clients.by_number(n).mobile) for n in ("C1", "C2", "C3")}
    assert stored == {
        "C1": (ID_WITH_X, "13812345678"),
        "C2": (VALID_IDS[0], "13812345679"),
        "C3": (VALID_IDS[1], "13812345670"),
    }
    plain = [["C1", "张三", ID_WITH_X, "13812345678", ""], ["C2", "李四", VALID_IDS[0], "13812345679", ""]]
    again = import_ok(branch["admin"], ImportKind.CLIENTS, clients_csv(tmp_path, plain, "plain.csv"))
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)


def one_client(ws: Workstation, tmp_path: Path, number: str = "C1", manager: str = "csm01") -> None:
    path = clients_csv(tmp_path, [[number, "张三", VALID_IDS[5], "", manager]], f"one-{number}.csv")
    assert import_file(ws, ImportKind.CLIENTS, path).new == 1


def test_excel_style_amounts_and_dates_are_read_as_a_person_means_them(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    one_client(branch["admin"], tmp_path)
    rows = [
        ["C1", "2026/11/20", "1.5E+5"],
        ["C1", "20261121", "1,234.50"],
        ["C1", "2026年11月22日", " 12.3 "],
        ["C1", "2026.11.23", "１２３４.５０"],
        ["C1", "2026-11-24", "￥2,000"],
    ]
    path = write_csv(tmp_path / "b.csv", [["客户号", "日期", "余额"], *rows])
    report = import_ok(branch["admin"], ImportKind.BALANCES, path)
    assert (report.new, report.as_of) == (5, dt.date(2026, 11, 24))
    with uow_factory() as tx:
        client_id = tx.clients.id_of("C1") or 0
        daily = [b.balance for b in tx.balances.daily(client_id, dt.date(2026, 11, 20), dt.date(2026, 11, 24))]
    assert daily == [Decimal(v) for v in ("150000.00", "1234.50", "12.30", "1234.50", "2000.00")]


def test_xlsx_dates_and_numbers_are_read_from_their_cells(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    one_client(branch["admin"], tmp_path)
    path = write_xlsx(
        tmp_path / "b.xlsx",
        [
            ["客户号", "日期", "余额"],
            ["C1", dt.datetime(2026, 11, 20), 100000],
            ["C1", dt.date(2026, 11, 21), 1234.5],
            ["C1", 20261122, "300"],
        ],
    )
    assert import_ok(branch["admin"], ImportKind.BALANCES, path).new == 3
    with uow_factory() as tx:
        client_id = tx.clients.id_of("C1") or 0
        daily = [b.balance for b in tx.balances.daily(client_id, dt.date(2026, 11, 20), dt.date(2026, 11, 22))]
    assert daily == [Decimal("100000.00"), Decimal("1234.50"), Decimal("300.00")]


def excel_wrote(path: Path, rows: list[list[object]]) -> Path:
    """A workbook as Excel saves a computed cell: =100.1+200.2 is 300.29999999999995, kept to 17 digits in the
    sheet's XML (openpyxl would round it to 300.3 when writing, so the XML is edited as Excel leaves it)."""
    assert 100.1 + 200.2 == 300.29999999999995
    write_xlsx(path, rows)
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert b"<v>300.3</v>" in parts[sheet]
    parts[sheet] = parts[sheet].replace(b"<v>300.3</v>", b"<v>300.29999999999995</v>")
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def test_an_excel_computed_amount_is_read_as_excel_shows_it(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    one_client(branch["admin"], tmp_path)
    path = excel_wrote(tmp_path / "b.xlsx", [["客户号", "日期", "余额"], ["C1", dt.date(2026, 11, 20), 300.3]])
    report = import_file(branch["admin"], ImportKind.BALANCES, path)
    assert (report.new, report.rejected) == (1, 0), report.problems
    assert scalar(uow_factory, select(BalanceSpanRow.balance)) == Decimal("300.30")


# --- the error file ---------------------------------------------------------------------------------------------


def test_error_lines_are_the_files_physical_lines_with_quoted_newlines_and_blank_lines(
    branch: dict[str, Workstation], tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "客户号,姓名,身份证号码,地址\r\n"  # line 1
        f'C1,张三,{VALID_IDS[0]},"上海市\r\n徐汇区\r\n漕溪北路 1 号"\r\n'  # lines 2-4
        "\r\n"  # line 5: blank
        f"C2,李四,{VALID_IDS[1][:-1]}0,\r\n"  # line 6: bad ID
        f'C3,"王\n五",{VALID_IDS[2]},\r\n',  # lines 7-8: a newline inside the name
        encoding="utf-8",
        newline="",
    )
    report = import_file(branch["admin"], ImportKind.CLIENTS, path)
    assert (report.rows, report.new, report.rejected) == (3, 2, 1)
    assert [p[:2] for p in problems(report)] == [["6", "身份证号码"]]


def test_xlsx_error_lines_are_sheet_rows_below_a_gap(branch: dict[str, Workstation], tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row, values in (
        (3, CLIENT_HEADER),
        (4, ["C1", "张三", VALID_IDS[0], "", ""]),
        (7, ["C2", "李四", "110105194912310021", "", ""]),
    ):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
    path = tmp_path / "c.xlsx"
    book.save(path)
    report = import_file(branch["admin"], ImportKind.CLIENTS, path)
    assert (report.new, report.rejected) == (1, 1)
    assert [p[:2] for p in problems(report)] == [["7", "身份证号码"]]


def test_the_error_file_names_the_files_columns_gives_reasons_in_the_users_language_and_no_identity(
    branch: dict[str, Workstation], tmp_path: Path
) -> None:
    one_client(branch["admin"], tmp_path)  # holds VALID_IDS[5]
    rows = [
        ["C2", "李四", VALID_IDS[0][:-1] + "0", "13812345678", ""],  # bad check character
        ["C3", "王五", VALID_IDS[1], "1381234567", ""],  # bad mobile
        ["C4", "赵六", VALID_IDS[5], "13912345678", ""],  # another client's ID
        ["C5", "钱七", VALID_IDS[2], "13712345678", ""],  # the same ID twice in the file
        ["C6", "孙八", VALID_IDS[2], "13612345678", ""],
        ["C7", "周九", VALID_IDS[3], "13512345678", "nobody"],  # unknown manager
    ]
    for lang, header in (("zh_CN", ["行", "列", "原因", "值"]), ("en", ["Line", "Column", "Reason", "Value"])):
        set_language(lang)
        path = write_csv(tmp_path / f"c-{lang}.csv", [["Client number", "Name", "ID number", "Mobile", "Manager"]])
        with path.open("a", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
        report = import_file(branch["admin"], ImportKind.CLIENTS, path)
        assert report.rejected == 6 and report.errors_path is not None
        raw = report.errors_path.read_bytes()
        with report.errors_path.open(encoding="utf-8-sig", newline="") as fh:
            table = list(csv.reader(fh))
        assert table[0] == header
        assert [r[:2] for r in table[1:]] == [
            ["2", "ID number"], ["3", "Mobile"], ["4", "ID number"], ["5", "ID number"], ["6", "ID number"],
            ["7", "Manager"],
        ]  # fmt: skip
        secrets = [c for row in rows for c in row[2:4]] + [VALID_IDS[5]]
        assert not [s for s in secrets if s.encode() in raw]
        reasons = " ".join(r[2] for r in table[1:])
        assert ("nobody" in reasons) and ((lang == "en") == reasons.isascii())


def test_a_too_long_name_or_a_negative_term_is_explained_in_chinese(
    branch: dict[str, Workstation], tmp_path: Path
) -> None:
    clients = clients_csv(tmp_path, [["C1", "张" * 40, VALID_IDS[0], "", ""]])
    products = write_csv(
        tmp_path / "p.csv",
        [["产品代码", "产品名称", "产品类别", "期限(天)", "预期年化收益率(%)"], ["WM9", "稳利", "理财", "-5", "3.1"],
         ["WM8", "稳利二号", "理财", "90", "120"]],
    )  # fmt: skip
    reasons = [p[2] for p in problems(import_file(branch["admin"], ImportKind.CLIENTS, clients))]
    reasons += [p[2] for p in problems(import_file(branch["admin"], ImportKind.PRODUCTS, products))]
    assert len(reasons) == 3
    assert not [r for r in reasons if r.isascii()], reasons


# --- idempotency and audited updates for every kind ------------------------------------------------------------


def every_kind_files(tmp_path: Path) -> list[tuple[ImportKind, Path]]:
    """One file of each kind, every optional column filled, as XLSX (typed cells) or CSV."""
    staff = write_csv(
        tmp_path / "staff.csv",
        [
            ["工号", "姓名", "角色", "职级", "网点代码", "主管工号", "在岗"],
            ["csm03", "孙丽", "客户服务经理", "助理客户服务经理", "SH001", "boss", "是"],
            ["wm01", "钱进", Role.WEALTH_MANAGER.value, "", "SH001", "boss", "1"],
        ],
    )
    products = write_xlsx(
        tmp_path / "products.xlsx",
        [
            ["产品代码", "产品名称", "产品类别", "发行方评级", "销售方评级", "期限(天)", "预期年化收益率(%)",
             "起购金额", "销售开始日", "销售结束日", "双录", "冷静期(小时)", "私募", "上架日"],
            ["PP01", "私募一号", "理财", "R4", "R5", 365, "4.2%", "1,000,000", dt.date(2026, 11, 1),
             dt.date(2026, 12, 31), "是", 24, "是", dt.date(2026, 11, 1)],
            ["DP01", "定期存款", "deposit", "", "", 180, 1.5, 50, None, None, "否", 0, "否", None],
        ],
    )  # fmt: skip
    clients = write_xlsx(
        tmp_path / "clients.xlsx",
        [
            ["客户号", "姓名", "身份证号码", "手机号码", "地址", "职业", "客户经理", "网点"],
            ["C1", "张三", VALID_IDS[0], 13812345678, "上海市徐汇区", "教师", "csm03", "SH001"],
            ["C2", "李四", ID_WITH_X, "", "", "", "wm01", ""],
        ],
    )
    holdings = write_csv(
        tmp_path / "holdings.csv",
        [
            ["客户号", "产品代码", "金额", "起始日", "到期日", "状态"],
            ["C1", "PP01", "1,000,000", "2026-11-02", "2027-11-02", "持有中"],
            ["C2", "WM001", "50000.00", "20261001", "", "matured"],
        ],
    )
    balances = write_csv(
        tmp_path / "balances.csv",
        [["客户号", "账号", "日期", "余额"]]
        + [["C1", acc, f"2026-11-{d}", amt] for d in (24, 25) for acc, amt in (("A1", "100"), ("A2", "50.5"))],
    )
    tasks = write_csv(
        tmp_path / "tasks.csv",
        [
            ["客户号", "客户经理工号", "任务类型", "应办日期", "约定时间", "状态", "来源", "备注", "创建时间"],
            ["C1", "csm03", TaskKind.CALLBACK.value, "2026-11-30", "2026-11-30 15:00", "open", "manual", "回访",
             "2026-11-26 09:00:00"],
        ],
    )  # fmt: skip
    return [
        (ImportKind.STAFF, staff),
        (ImportKind.PRODUCTS, products),
        (ImportKind.CLIENTS, clients),
        (ImportKind.HOLDINGS, holdings),
        (ImportKind.BALANCES, balances),
        (ImportKind.TASKS, tasks),
    ]


def database_state(uow_factory: SqlUnitOfWorkFactory) -> list[list[tuple[object, ...]]]:
    with uow_factory() as tx:
        session = tx.session
        state = []
        for row in (StaffRow, ProductRow, ClientRow, HoldingRow, BalanceSpanRow, TaskRow, MetaRow):
            columns = [c for c in row.__table__.columns]
            state.append(sorted((tuple(r) for r in session.execute(select(*columns))), key=repr))
        return state


def test_every_kind_reimported_changes_nothing_and_audits_only_the_import(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    files = every_kind_files(tmp_path)
    first = {kind: import_file(branch["admin"], kind, path) for kind, path in files}
    for kind, report in first.items():
        assert not report.refused and report.rejected == 0 and report.new > 0, (kind, report.problems)
    before = database_state(uow_factory)
    audits = count(uow_factory, AuditRow)
    for kind, path in files:
        again = import_file(branch["admin"], kind, path)
        assert (again.new, again.updated, again.rejected) == (0, 0, 0), (kind, again.problems)
        assert again.unchanged == first[kind].new
    assert database_state(uow_factory) == before
    assert count(uow_factory, AuditRow) == audits + len(files)  # one "import" entry each, no "import.update"


def test_a_changed_client_is_updated_and_audited_with_identities_masked(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    path = clients_csv(tmp_path, [["C1", "张三", VALID_IDS[0], "13812345678", "csm01"]])
    import_ok(branch["admin"], ImportKind.CLIENTS, path)
    changed = clients_csv(tmp_path, [["C1", "张叁", VALID_IDS[1], "13912345678", "csm02"]], "changed.csv")
    assert import_ok(branch["admin"], ImportKind.CLIENTS, changed).updated == 1
    with uow_factory() as tx:
        client = tx.clients.by_number("C1")
        entry = next(e for e in tx.audit.recent(20) if e.action == "import.update")
    assert (client.name, client.resident_id, client.mobile) == ("张叁", VALID_IDS[1], "13912345678")
    assert client.manager_id == branch["csm02"].staff.id and client.version == 2
    assert entry.detail["name"] == "changed"
    assert entry.detail["resident_id"] == [VALID_IDS[0][:6] + "********" + VALID_IDS[0][-4:], VALID_IDS[1][:6]
                                           + "********" + VALID_IDS[1][-4:]]  # fmt: skip
    assert entry.detail["manager_id"] == [branch["csm"].staff.id, branch["csm02"].staff.id]
    text_ = repr(entry.detail)
    assert not [s for s in (VALID_IDS[0], VALID_IDS[1], "13812345678", "13912345678", "张三", "张叁") if s in text_]


def test_a_new_mobile_from_the_bank_clears_the_wrong_number_mark(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    import_ok(branch["admin"], ImportKind.CLIENTS, clients_csv(tmp_path, [["C1", "张三", VALID_IDS[0], "13812345678",
                                                                        "csm01"]]))  # fmt: skip
    with uow_factory(write=True) as tx:
        tx.session.execute(text("UPDATE clients SET mobile_invalid = :t"), {"t": True})
        tx.commit()
    new_number = clients_csv(tmp_path, [["C1", "张三", VALID_IDS[0], "13912345678", ""]], "new.csv")
    assert import_ok(branch["admin"], ImportKind.CLIENTS, new_number).updated == 1
    with uow_factory() as tx:
        client = tx.clients.by_number("C1")
    assert client.mobile == "13912345678" and client.mobile_invalid is False


def test_a_staff_file_with_a_new_supervisor_and_the_team_goes_in_at_once(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "s.csv",
        [
            ["工号", "姓名", "角色", "职级", "网点代码", "主管工号"],
            ["hall9", "周主管", Role.SUPERVISOR.value, "", "SH001", ""],
            ["csm09", "吴经理", "客户服务经理", "客户服务经理", "SH001", "hall9"],
        ],
    )
    report = import_file(branch["admin"], ImportKind.STAFF, path)
    assert (report.new, report.rejected) == (2, 0), report.problems


@pytest.mark.parametrize(
    ("login", "reason"),
    [("nobody", "nobody"), ("hall1", "hall1")],
    ids=["unknown_login", "not_a_manager"],
)
def test_moving_a_client_to_an_unknown_or_non_manager_login_keeps_the_client_whole(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path, login: str, reason: str
) -> None:
    import_ok(branch["admin"], ImportKind.CLIENTS, clients_csv(tmp_path, [["C1", "张三", VALID_IDS[0], "", "csm01"]]))
    moved = clients_csv(tmp_path, [["C1", "张三丰", VALID_IDS[0], "13812345678", login]], "moved.csv")
    report = import_file(branch["admin"], ImportKind.CLIENTS, moved)
    assert (report.updated, report.rejected) == (0, 1)
    ((line, column, why, value),) = problems(report)
    assert (line, column, value) == ("2", "客户经理", login) and reason in why
    with uow_factory() as tx:
        client = tx.clients.by_number("C1")
    assert (client.name, client.mobile, client.manager_id) == ("张三", None, branch["csm"].staff.id)


# --- balances: averages, tiers and the as-of date ---------------------------------------------------------------


def test_balances_give_a_hand_computed_average_and_tier_and_the_as_of_date_never_goes_back(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    one_client(branch["admin"], tmp_path)
    # 2026-09-01 … 2026-09-30 at 60,000 and 2026-11-01 … 2026-11-25 at 120,000.
    rows = [["C1", (dt.date(2026, 9, 1) + dt.timedelta(days=i)).isoformat(), "60000"] for i in range(30)]
    rows += [["C1", (dt.date(2026, 11, 1) + dt.timedelta(days=i)).isoformat(), "120000"] for i in range(25)]
    report = import_ok(branch["admin"], ImportKind.BALANCES, write_csv(tmp_path / "b.csv", [["客户号", "日期", "余额"],
                                                                                       *rows]))  # fmt: skip
    assert report.as_of == dt.date(2026, 11, 25)
    # The window 2026-08-26 … 2026-11-25 has 92 days: (30 × 60,000 + 25 × 120,000) / 92 = 52,173.913… → 52,173.91.
    with uow_factory() as tx:
        client = tx.clients.by_number("C1")
    assert (client.avg_3m, client.balance, client.assets_as_of) == (
        Decimal("52173.91"), Decimal("120000.00"), dt.date(2026, 11, 25),
    )  # fmt: skip
    assert tier_of(client.avg_3m, branch["admin"].policy.tiers) is Tier.JIAOYIN
    # An older file (a correction of 2026-09-01) arrives later: the date stays, the average takes the correction.
    late = write_csv(tmp_path / "late.csv", [["客户号", "日期", "余额"], ["C1", "2026-09-01", "0"]])
    report = import_ok(branch["admin"], ImportKind.BALANCES, late)
    assert (report.updated, report.as_of) == (1, dt.date(2026, 11, 25))
    with uow_factory() as tx:
        client = tx.clients.by_number("C1")
        assert tx.views.data_as_of() == dt.date(2026, 11, 25)
    assert client.avg_3m == Decimal("51521.73") and client.assets_as_of == dt.date(2026, 11, 25)  # 4,740,000 / 92, down


# --- one file, one transaction ---------------------------------------------------------------------------------


def fail_on_assets(engine: Engine) -> None:
    """A real database error half way: the database refuses the figures an import writes after the spans."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE UPDATE OF avg_3m_fen ON clients "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE UPDATE OF avg_3m_fen ON clients "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )


def test_an_import_the_database_fails_half_way_leaves_nothing_behind(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, engine: Engine, tmp_path: Path
) -> None:
    one_client(branch["admin"], tmp_path)
    before = database_state(uow_factory)
    audits = count(uow_factory, AuditRow)
    fail_on_assets(engine)
    path = write_csv(tmp_path / "b.csv", [["客户号", "日期", "余额"], ["C1", "2026-11-25", "100"]])
    with pytest.raises(StorageFailure):
        import_file(branch["admin"], ImportKind.BALANCES, path)
    assert database_state(uow_factory) == before and count(uow_factory, AuditRow) == audits


# --- a CSM working during an import ------------------------------------------------------------------------------


def test_a_csms_edit_during_an_import_and_the_import_both_stay(
    branch: dict[str, Workstation],
    uow_factory: SqlUnitOfWorkFactory,
    tmp_path: Path,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [["C1", "张三", VALID_IDS[0], "13812345678", "csm01"]]
    import_ok(branch["admin"], ImportKind.CLIENTS, clients_csv(tmp_path, rows))
    csm = branch["csm"]
    with uow_factory() as tx:
        client = tx.clients.by_number("C1")
    edits: list[BaseException | None] = []

    def csm_edits() -> None:
        try:
            client_detail.edit(csm, client, address="上海市徐汇区漕溪北路 1 号", note="周末方便")
            edits.append(None)
        except BaseException as exc:  # the thread's outcome is checked below
            edits.append(exc)

    worker = threading.Thread(target=csm_edits)
    write = SqlImports.write

    def write_after_the_csm(self: SqlImports, *args: Any) -> None:
        """The file is validated and compared with the database; before a row is written the CSM saves."""
        worker.start()
        worker.join(0.5)  # PostgreSQL: the edit commits now; SQLite: it waits for the import's commit
        write(self, *args)

    monkeypatch.setattr(SqlImports, "write", write_after_the_csm)
    changed = [["C1", "张三", VALID_IDS[0], "13912345678", ""], ["C2", "李四", VALID_IDS[1], "", ""]]
    report = import_file(branch["admin"], ImportKind.CLIENTS, clients_csv(tmp_path, changed, "c2.csv"))
    worker.join(10)
    assert len(edits) == 1 and (report.new, report.updated) == (1, 1)
    if edits[0] is not None:
        # SQLite: the edit waited for the import, then was refused (the client changed since it was read): the CSM
        # is told, nothing of the import is overwritten, and saving again on the client as it now is works.
        assert isinstance(edits[0], ConcurrentEdit) and db_url.startswith("sqlite")
        with uow_factory() as tx:
            assert tx.clients.by_number("C1").address == ""
            client = tx.clients.by_number("C1")
        csm_edits()
        assert edits[-1] is None
    with uow_factory() as tx:
        after = tx.clients.by_number("C1")
    assert (after.mobile, after.address, after.note) == ("13912345678", "上海市徐汇区漕溪北路 1 号", "周末方便")
    assert after.version == 3


# --- encodings -----------------------------------------------------------------------------------------------------


def test_a_gbk_file_whose_bytes_also_decode_as_utf8_is_read_as_gbk(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    rows = [["Client number", "Name", "ID number"], ["C1", "叶平", VALID_IDS[0]], ["C2", "魏英", VALID_IDS[1]]]
    path = write_csv(tmp_path / "gbk.csv", rows, "gbk")
    path.read_bytes().decode("utf-8")  # the trap: the GBK bytes are valid UTF-8 too
    report = import_file(branch["admin"], ImportKind.CLIENTS, path)
    with uow_factory() as tx:
        names = [tx.clients.by_number(n).name for n in ("C1", "C2")] if report.new == 2 else []
    assert names == ["叶平", "魏英"] and report.encoding == "gb18030"


# --- exports -------------------------------------------------------------------------------------------------------


def add_task(uow_factory: SqlUnitOfWorkFactory, client: str, staff_id: int, note: str) -> None:
    with uow_factory(write=True) as tx:
        client_id = tx.clients.id_of(client)
        assert client_id is not None
        tx.tasks.add(
            NewTask(
                client_id=client_id, staff_id=staff_id, kind=TaskKind.CALLBACK, due_on=dt.date(2026, 11, 30),
                note=note, created_at=dt.datetime(2026, 11, 26, 1, tzinfo=dt.UTC), status=TaskStatus.OPEN,
            )
        )  # fmt: skip
        tx.commit()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_csm_exports_only_own_tasks_and_no_identity_in_the_bytes(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path, fmt: str
) -> None:
    rows = [
        ["K0001", "张三", VALID_IDS[0], "13812345678", "csm01"],
        ["K0002", "李四", ID_WITH_X, "13912345678", "csm02"],
    ]
    import_ok(branch["admin"], ImportKind.CLIENTS, clients_csv(tmp_path, rows))
    add_task(uow_factory, "K0001", branch["csm"].staff.id or 0, "张三的任务")
    add_task(uow_factory, "K0002", branch["csm02"].staff.id or 0, "李四的任务")
    path = tmp_path / f"mine.{fmt}"
    assert export_list(branch["csm"], ExportKind.TASKS, path) == 1
    if fmt == "xlsx":
        with zipfile.ZipFile(path) as book:
            raw = b"".join(book.read(name) for name in book.namelist())
    else:
        raw = path.read_bytes()
    body = raw.decode("utf-8", errors="replace")
    assert "张三的任务" in body and "138****5678" in body
    assert not [s for s in ("李四", "K0002", VALID_IDS[0], "13812345678", ID_WITH_X, "13912345678") if s in body]


def test_a_non_admin_is_refused_by_the_service_even_for_a_dry_run(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    path = clients_csv(tmp_path, [["C1", "张三", VALID_IDS[0], "", ""]])
    for who in ("csm", "hall"):
        for dry in (True, False):
            with pytest.raises(AccessDenied):
                import_file(branch[who], ImportKind.CLIENTS, path, dry_run=dry)
    assert count(uow_factory, ClientRow) == 0 and not errors_path(path).exists()


# --- the commands (a demo branch, where --staff is allowed) --------------------------------------------------------


def test_the_scoreboard_exports(runner: CliRunner, demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "scoreboard.xlsx"
    result = runner.invoke(main, ["--staff", "admin", "export", "scoreboard", "--out", str(out), "--db", demo_url])
    assert result.exit_code == 0 and out.exists(), result.output


def test_the_import_command_says_a_database_failure_plainly_and_keeps_nothing(
    runner: CliRunner, demo_url: str, tmp_path: Path
) -> None:
    from storage.engine import make_engine

    engine = make_engine(demo_url)
    fail_on_assets(engine)
    number = scalar_of(engine, "SELECT number FROM clients ORDER BY id LIMIT 1")
    spans = scalar_of(engine, "SELECT count(*) FROM balance_spans")
    path = write_csv(tmp_path / "b.csv", [["客户号", "日期", "余额"], [str(number), "2026-11-26", "100"]])
    result = runner.invoke(
        main, ["--lang", "en", "--staff", "admin", "import", "balances", str(path), "--db", demo_url]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "save" in result.output.lower() or "fail" in result.output.lower()
    assert scalar_of(engine, "SELECT count(*) FROM balance_spans") == spans
    all_refused = write_csv(tmp_path / "r.csv", [["客户号", "日期", "余额"], ["NOPE", "2026-11-26", "100"]])
    refused = runner.invoke(main, ["--staff", "admin", "import", "balances", str(all_refused), "--db", demo_url])
    assert refused.exit_code == 1 and "拒绝 1" in refused.output and str(errors_path(all_refused)) in refused.output
    engine.dispose()


def scalar_of(engine: Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_a_note_that_looks_like_a_formula_is_exported_as_text_and_imports_back(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    import_ok(branch["admin"], ImportKind.CLIENTS, clients_csv(tmp_path, [["C1", "张三", VALID_IDS[0], "", "csm01"]]))
    note = '=HYPERLINK("http://example.com/?"&A2,"详情")'
    add_task(uow_factory, "C1", branch["csm"].staff.id or 0, note)
    path = tmp_path / "mine.xlsx"
    assert export_list(branch["csm"], ExportKind.TASKS, path) == 1
    sheet = load_workbook(path).worksheets[0]
    cells = [c for c in sheet[2] if c.value == note]
    assert cells and all(c.data_type == "s" for c in cells)
    with uow_factory(write=True) as tx:
        tx.session.execute(text("DELETE FROM tasks"))
        tx.commit()
    assert import_ok(branch["admin"], ImportKind.TASKS, path).new == 1
    assert scalar(uow_factory, select(TaskRow.note)) == note


def test_a_balance_dated_after_today_is_refused_and_the_as_of_date_stays(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    one_client(branch["admin"], tmp_path)
    path = write_csv(
        tmp_path / "b.csv", [["客户号", "日期", "余额"], ["C1", "2026-11-25", "100"], ["C1", "2062-11-25", "100"]]
    )
    report = import_file(branch["admin"], ImportKind.BALANCES, path)
    assert (report.new, report.rejected, report.as_of) == (1, 1, dt.date(2026, 11, 25))
    with uow_factory() as tx:
        assert tx.views.data_as_of() == dt.date(2026, 11, 25)


def test_two_balance_imports_at_once_keep_one_balance_a_day(
    branch: dict[str, Workstation],
    uow_factory: SqlUnitOfWorkFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The daily file (2026-11-21) and a correction of 2026-11-10, imported at the same time (the app and a
    scheduled ``csm import``): every day keeps one balance, and both files' days are there."""
    one_client(branch["admin"], tmp_path)
    header = ["客户号", "日期", "余额"]
    history = [["C1", f"2026-11-{d:02d}", "100"] for d in range(1, 21)]
    import_ok(branch["admin"], ImportKind.BALANCES, write_csv(tmp_path / "h.csv", [header, *history]))
    daily = write_csv(tmp_path / "daily.csv", [header, ["C1", "2026-11-21", "100"]])
    correction = write_csv(tmp_path / "fix.csv", [header, ["C1", "2026-11-10", "50"]])
    outcome: list[ImportReport | BaseException] = []

    def other_admin() -> None:
        try:
            outcome.append(import_file(branch["admin"], ImportKind.BALANCES, correction))
        except BaseException as exc:  # checked below
            outcome.append(exc)

    worker = threading.Thread(target=other_admin)
    replace = SqlImports.replace_spans

    def replace_after_the_other(self: SqlImports, *args: Any) -> None:
        if not worker.is_alive() and not outcome:
            worker.start()
            worker.join(1.0)  # PostgreSQL: the correction commits now; SQLite: it waits for this import
        replace(self, *args)

    monkeypatch.setattr(SqlImports, "replace_spans", replace_after_the_other)
    import_ok(branch["admin"], ImportKind.BALANCES, daily)
    worker.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], ImportReport)
    with uow_factory() as tx:
        rows = tx.session.execute(
            select(BalanceSpanRow.first_day, BalanceSpanRow.last_day, BalanceSpanRow.balance)
        ).all()
        client = tx.clients.by_number("C1")
    days: dict[dt.date, list[Decimal]] = {}
    for first, last, balance in rows:
        for i in range((last - first).days + 1):
            days.setdefault(first + dt.timedelta(days=i), []).append(balance)
    assert sorted(days) == [dt.date(2026, 11, d) for d in range(1, 22)]
    assert all(len(v) == 1 for v in days.values()), rows
    assert days[dt.date(2026, 11, 10)] == [Decimal("50.00")]
    assert client.avg_3m == (Decimal(20 * 100 + 50) / 92).quantize(Decimal("0.01"), ROUND_FLOOR)  # never rounded up


def test_a_holdings_file_without_a_maturity_column_keeps_the_maturity_dates(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    one_client(branch["admin"], tmp_path)
    full = write_csv(
        tmp_path / "h.csv",
        [["客户号", "产品代码", "金额", "起始日", "到期日"], ["C1", "WM001", "50000", "2026-11-01", "2027-01-30"]],
    )
    import_ok(branch["admin"], ImportKind.HOLDINGS, full)
    short = write_csv(
        tmp_path / "h2.csv", [["客户号", "产品代码", "金额", "起始日"], ["C1", "WM001", "50000", "2026-11-01"]]
    )
    report = import_ok(branch["admin"], ImportKind.HOLDINGS, short)
    assert (report.updated, report.unchanged) == (0, 1)
    assert scalar(uow_factory, select(HoldingRow.maturity_date)) == dt.date(2027, 1, 30)


def test_a_task_file_without_status_columns_does_not_reopen_closed_tasks(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    one_client(branch["admin"], tmp_path)
    header = ["客户号", "客户经理工号", "任务类型", "应办日期", "创建时间"]
    path = write_csv(tmp_path / "t.csv", [header, ["C1", "csm01", "约定回电", "2026-11-30", "2026-11-26 09:00"]])
    import_ok(branch["admin"], ImportKind.TASKS, path)
    closed = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
    with uow_factory(write=True) as tx:
        tx.session.execute(text("UPDATE tasks SET status = 'done', closed_at = :at"), {"at": closed})
        tx.commit()
    report = import_ok(branch["admin"], ImportKind.TASKS, path)
    assert (report.updated, report.unchanged) == (0, 1)
    assert scalar(uow_factory, select(TaskRow.status)) == "done"


def test_a_task_file_changing_the_origin_of_a_task_a_contact_is_on_is_refused_for_that_row(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    """A task a contact names keeps its origin (the database refuses the change, migration 0024): the file's row
    that would change it is refused with its line and why, and the file's other rows go in."""
    one_client(branch["admin"], tmp_path)
    header = ["客户号", "客户经理工号", "任务类型", "应办日期", "创建时间", "来源"]
    rows = [["C1", "csm01", "约定回电", "2026-11-30", f"2026-11-26 0{h}:00", "手工"] for h in (8, 9)]
    import_ok(branch["admin"], ImportKind.TASKS, write_csv(tmp_path / "t.csv", [header, *rows]))
    with uow_factory(write=True) as tx:
        tx.session.execute(
            text(
                "INSERT INTO contacts (client_id, staff_id, channel, started_at, duration_s, disposition, note, "
                "feedback, task_id) SELECT client_id, staff_id, 'phone', created_at, 0, 'informed', '', '', id "
                "FROM tasks WHERE id = (SELECT min(id) FROM tasks)"
            )
        )
        tx.commit()
    changed = [[*row[:5], "系统"] for row in rows]
    report = import_file(branch["admin"], ImportKind.TASKS, write_csv(tmp_path / "t2.csv", [header, *changed]))
    assert (report.rejected, report.updated) == (1, 1)
    [problem] = report.problems
    assert (problem.line, problem.column) == (2, "来源") and "接触记录" in problem.reason
    origins = select(TaskRow.origin).order_by(TaskRow.id)
    with uow_factory() as tx:
        assert list(tx.session.scalars(origins)) == ["manual", "system"]


def refuse_export_audit(engine: Engine) -> None:
    """The database refuses the export's audit entry (as a full disk or a lost connection would)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON audit_events WHEN NEW.action = 'export' "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN IF NEW.action = 'export' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$"
                )
            )
            conn.execute(
                text("CREATE TRIGGER refuse BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse()")
            )


def test_an_export_whose_audit_entry_fails_leaves_no_file(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, engine: Engine, tmp_path: Path
) -> None:
    import_ok(branch["admin"], ImportKind.CLIENTS, clients_csv(tmp_path, [["C1", "张三", VALID_IDS[0], "", "csm01"]]))
    add_task(uow_factory, "C1", branch["csm"].staff.id or 0, "回电")
    refuse_export_audit(engine)
    path = tmp_path / "mine.xlsx"
    with pytest.raises(StorageFailure):
        export_list(branch["csm"], ExportKind.TASKS, path)
    assert not path.exists()


# --- cells, as properties -------------------------------------------------------------------------------------------


@given(
    amount=st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False),
    style=st.sampled_from(["{:f}", "{:,.2f}", "¥{:,.2f}", " {:.2f} ", "{:.6E}"]),
)
def test_an_amount_in_any_way_excel_writes_it_is_the_same_amount(amount: Decimal, style: str) -> None:
    text_ = style.format(amount)
    if "E" in style and Decimal(text_) != amount:
        return  # six digits of mantissa cannot hold this amount: not a way Excel would write it
    assert money_cell("balance", text_) == amount


@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)))
def test_a_date_in_any_accepted_form_is_that_day(day: dt.date) -> None:
    forms = [
        day.isoformat(),
        day.strftime("%Y%m%d"),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month:02d}.{day.day:02d}",
        f"{day.year}年{day.month}月{day.day}日",
    ]
    assert {date_cell("day", form) for form in forms} == {day}


# --- formula-like notes, workbook floats, encodings, field limits, unknown columns, team changes ----------------------


@pytest.mark.parametrize(
    "note", ["=1+2", "+86 回电", "-5 万到期", "@SUM(A1)", "'=引号在前", "'", "''两个引号", "普通备注"]
)
def test_a_csv_task_list_protects_formula_like_notes_and_imports_them_back_exactly(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path, note: str
) -> None:
    import_ok(branch["admin"], ImportKind.CLIENTS, clients_csv(tmp_path, [["C1", "张三", VALID_IDS[0], "", "csm01"]]))
    add_task(uow_factory, "C1", branch["csm"].staff.id or 0, note)
    path = tmp_path / "mine.csv"
    assert export_list(branch["csm"], ExportKind.TASKS, path) == 1
    with path.open(encoding="utf-8-sig", newline="") as fh:
        cells = list(csv.reader(fh))[1]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    with uow_factory(write=True) as tx:
        tx.session.execute(text("DELETE FROM tasks"))
        tx.commit()
    assert import_ok(branch["admin"], ImportKind.TASKS, path).new == 1
    assert scalar(uow_factory, select(TaskRow.note)) == note


def test_a_workbook_float_is_read_to_excels_fifteen_digits(tmp_path: Path) -> None:
    from csm_tui.services.tabular import read_table

    path = write_xlsx(tmp_path / "f.xlsx", [["a", "b", "c", "d"], [0.1 + 0.2, 1234.5, 2.0000000000000004, 1e20]])
    assert read_table(path).rows[0][1] == ["0.3", "1234.5", "2", "100000000000000000000"]


@pytest.mark.parametrize(
    ("text_", "data", "encoding"),
    [
        ("客户号,姓名\nC1,Zoé Martin\n", "utf-8", "utf-8-sig"),  # accented Latin stays UTF-8
        ("客户号,姓名\nC1,张三\n", "utf-8-sig", "utf-8-sig"),
        ("客户号,姓名\nC1,叶平\n", "gbk", "gb18030"),
        ("客户号,姓名\nC1,张三\n", "gbk", "gb18030"),
    ],
)
def test_a_csv_is_read_in_the_encoding_it_was_written_in(tmp_path: Path, text_: str, data: str, encoding: str) -> None:
    from csm_tui.services.tabular import read_table

    path = tmp_path / "c.csv"
    path.write_bytes(text_.encode(data))
    table = read_table(path)
    assert (table.encoding, table.rows[0][1][1]) == (encoding, text_.splitlines()[1].split(",")[1])


def test_a_reason_from_a_field_limit_is_in_english_for_an_english_user(
    branch: dict[str, Workstation], tmp_path: Path
) -> None:
    set_language("en")
    path = clients_csv(tmp_path, [["C1", "张" * 40, VALID_IDS[0], "", ""]])
    report = import_file(branch["admin"], ImportKind.CLIENTS, path)
    assert [p[1:3] for p in problems(report)] == [["姓名", "at most 32 characters"]]


def test_the_report_names_the_columns_it_did_not_import(branch: dict[str, Workstation], tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv", [["客户号", "姓名", "身份证号码", "备注", "星级"], ["C1", "张三", VALID_IDS[0], "x", "5"]]
    )
    report = import_ok(branch["admin"], ImportKind.CLIENTS, path)
    assert report.ignored == ["备注", "星级"]
    set_language("en")
    assert summary(report).endswith("Columns not imported: 备注, 星级.")  # the file's words, the language's marks


def test_a_full_width_id_number_is_taken_as_typed_in_ascii(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    full_width = ID_WITH_X.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    rows = [["C1", "张三", full_width, "１３８１２３４５６７８", ""]]
    import_ok(branch["admin"], ImportKind.CLIENTS, clients_csv(tmp_path, rows))
    with uow_factory() as tx:
        client = tx.clients.by_number("C1")
    assert (client.resident_id, client.mobile) == (ID_WITH_X, "13812345678")


def test_staff_whose_new_supervisor_is_refused_or_in_a_circle_are_refused_and_a_dry_run_counts_a_new_team(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    header = ["工号", "姓名", "角色", "职级", "网点代码", "主管工号"]
    team = [
        ["hall9", "周主管", Role.SUPERVISOR.value, "", "SH001", ""],
        ["csm09", "吴经理", "客户服务经理", "客户服务经理", "SH001", "hall9"],
        ["csm10", "郑经理", "客户服务经理", "客户服务经理", "SH001", "csm09"],
    ]
    dry = import_file(branch["admin"], ImportKind.STAFF, write_csv(tmp_path / "t.csv", [header, *team]), dry_run=True)
    assert (dry.new, dry.rejected) == (3, 0)
    broken = [
        ["hall8", "", Role.SUPERVISOR.value, "", "SH001", ""],  # no name: refused
        ["csm08", "冯经理", "客户服务经理", "客户服务经理", "SH001", "hall8"],
        ["csm07", "陈经理", "客户服务经理", "客户服务经理", "SH001", "csm06"],  # csm07 and csm06: a circle
        ["csm06", "褚经理", "客户服务经理", "客户服务经理", "SH001", "csm07"],
        ["csm05", "卫经理", "客户服务经理", "客户服务经理", "SH001", "hall1"],
    ]
    report = import_file(branch["admin"], ImportKind.STAFF, write_csv(tmp_path / "b.csv", [header, *broken]))
    assert (report.new, report.rejected) == (1, 4)
    assert [p[:2] for p in problems(report)] == [["2", "姓名"], ["3", "主管工号"], ["4", "主管工号"], ["5", "主管工号"]]
    report = import_ok(branch["admin"], ImportKind.STAFF, write_csv(tmp_path / "t2.csv", [header, *team]))
    with uow_factory() as tx:
        staff = {r.login: (r.id, r.supervisor_id) for r in tx.session.scalars(select(StaffRow))}
    assert staff["csm09"][1] == staff["hall9"][0] and staff["csm10"][1] == staff["csm09"][0]


@given(
    text_=st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1).filter(
        lambda s: s.strip() == s != ""
    )
)
def test_any_text_written_to_a_csv_reads_back_the_same_and_never_as_a_formula(text_: str) -> None:
    import tempfile

    from csm_tui.services.tabular import read_table, write_table

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        write_table(["h"], [[text_]], path)
        with path.open(encoding="utf-8-sig", newline="") as fh:
            raw = list(csv.reader(fh))[1][0]
        assert read_table(path).rows[0][1] == [text_]
    assert not raw.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_an_imported_task_note_with_a_forbidden_phrase_is_refused_with_the_phrase_named(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    one_client(branch["admin"], tmp_path)
    header = ["客户号", "客户经理工号", "任务类型", "应办日期", "创建时间", "备注"]
    path = write_csv(
        tmp_path / "t.csv",
        [
            header,
            ["C1", "csm01", "约定回电", "2026-11-30", "2026-11-26 09:00", "向客户推荐穩 賺产品"],
            ["C1", "csm01", "约定回电", "2026-11-30", "2026-11-26 10:00", "客户想了解定投"],
        ],
    )
    report = import_file(branch["admin"], ImportKind.TASKS, path)
    assert report.rejected == 1
    [problem] = report.problems
    assert problem.column == "备注" and "稳赚" in problem.reason and problem.line == 2
    assert scalar(uow_factory, select(TaskRow.note)) == "客户想了解定投"  # the clean row only
