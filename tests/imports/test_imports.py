"""Importing the bank's files: every row validated, bad rows reported and kept out, good rows in, re-imports idle.

Run on SQLite and PostgreSQL (``db_url``). Files are written the way the bank's systems and Chinese Excel write
them: UTF-8 (with or without a BOM), GBK, and XLSX.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from csm_tui.domain.enums import AssetType, Grade, RiskRating, Role, TaskKind, TaskStatus
from csm_tui.domain.models import NewOutlet, NewStaff, NewTask, Task
from csm_tui.i18n import set_language, t
from csm_tui.policy import Assignment, AssignWithin, NewClients, Policy
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.imports.run import ImportReport, errors_path, import_file, summary
from csm_tui.services.ports import AccessDenied
from csm_tui.services.workstation import Workstation
from storage import audit
from storage.orm import (
    AuditRow,
    BalanceSpanRow,
    ClientRow,
    HoldingRow,
    MetaRow,
    OutletRow,
    ProductRow,
    StaffRow,
    TaskRow,
)
from storage.uow import SqlUnitOfWorkFactory
from tests.support.files import HEADER_ZH, VALID_IDS, balances_file, clients_file, error_lines, write_csv, write_xlsx

BAD_CHECK = VALID_IDS[2][:-1] + ("0" if VALID_IDS[2][-1] != "0" else "1")


def assert_one_bad_line(report: ImportReport, column: str, fragment: str) -> None:
    """The second data row (line 3) refused for ``column``, the first one taken."""
    assert (report.new, report.rejected) == (1, 1)
    ((line, col, reason, _value),) = error_lines(report)
    assert (line, col) == ("3", column) and fragment in reason


def count(uow_factory: SqlUnitOfWorkFactory, row: type) -> int:
    with uow_factory() as tx:
        return int(tx.session.scalar(select(func.count()).select_from(row)) or 0)  # type: ignore[attr-defined]


def snapshot(uow_factory: SqlUnitOfWorkFactory) -> list[tuple[object, ...]]:
    with uow_factory() as tx:
        s = tx.session  # type: ignore[attr-defined]
        return [
            tuple(r)
            for r in s.execute(
                select(
                    ClientRow.number, ClientRow.name, ClientRow.resident_id, ClientRow.mobile, ClientRow.manager_id,
                    ClientRow.version,
                ).order_by(ClientRow.number)
            )
        ]  # fmt: skip


def test_clients_in_chinese_headers_then_reimport_changes_nothing(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    rows = [
        ["C1000000001", "张三", VALID_IDS[0], "13812345678", "csm01"],
        ["C1000000002", "李四", VALID_IDS[1], "", ""],
    ]
    path = clients_file(tmp_path, rows)
    report = import_file(branch["admin"], ImportKind.CLIENTS, path)
    assert (report.new, report.updated, report.unchanged, report.rejected) == (2, 0, 0, 0)
    assert report.errors_path is None and not errors_path(path).exists()
    with uow_factory() as tx:
        zhang = tx.clients.by_number("C1000000001")
        li = tx.clients.by_number("C1000000002")
    assert zhang.manager_id == branch["csm"].staff.id and zhang.mobile == "13812345678"
    assert zhang.outlet_id == branch["csm"].staff.outlet_id
    assert li.manager_id is None and li.mobile is None  # no manager: unassigned
    before = snapshot(uow_factory)
    again = import_file(branch["admin"], ImportKind.CLIENTS, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot(uow_factory) == before


def test_a_changed_row_updates_and_is_audited_masked(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    path = clients_file(tmp_path, [["C1", "张三", VALID_IDS[0], "13812345678", "csm01"]])
    import_file(branch["admin"], ImportKind.CLIENTS, path)
    path = clients_file(tmp_path, [["C1", "张三", VALID_IDS[0], "13912345678", ""]])
    report = import_file(branch["admin"], ImportKind.CLIENTS, path)
    assert (report.new, report.updated, report.unchanged) == (0, 1, 0)
    with uow_factory() as tx:
        client = tx.clients.by_number("C1")
        session = tx.session  # type: ignore[attr-defined]
        entries = [e for e in reversed(tx.audit.recent(100)) if e.action in ("import", "import.update")]
        assert audit.verify(session.connection()) is None
    assert client.mobile == "13912345678" and client.version == 2
    assert client.manager_id == branch["csm"].staff.id  # a blank manager cell keeps the manager
    update = next(e for e in entries if e.action == "import.update")
    assert update.entity == "clients" and update.detail == {"mobile": ["138****5678", "139****5678"]}
    batch = [e for e in entries if e.action == "import"]
    assert len(batch) == 2 and batch[-1].detail["updated"] == 1 and batch[-1].staff_id == branch["admin"].staff.id
    text = str([e.detail for e in entries])
    assert "13912345678" not in text and VALID_IDS[0] not in text and "张三" not in text


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        (
            ["C9", "王五", VALID_IDS[2][:-1] + ("0" if VALID_IDS[2][-1] != "0" else "1"), "13812345678", ""],
            "身份证号码",
            "校验",
        ),
        (["C9", "王五", VALID_IDS[2], "12345", ""], "手机号码", "电话"),
        (["C9", "王五", VALID_IDS[2], "13812345678", "nobody"], "客户经理", "nobody"),
        (["C9", "王五", VALID_IDS[2], "13812345678", "teller1"], "客户经理", "teller1"),
        (["C9", "", VALID_IDS[2], "13812345678", ""], "姓名", "必填"),
    ],
    ids=["id_checksum", "phone", "unknown_manager", "not_a_manager", "empty_name"],
)
def test_a_bad_client_row_is_reported_and_the_good_ones_go_in(
    branch: dict[str, Workstation],
    uow_factory: SqlUnitOfWorkFactory,
    tmp_path: Path,
    cells: list[str],
    column: str,
    fragment: str,
) -> None:
    good = ["C8", "赵六", VALID_IDS[3], "13812345679", "csm02"]
    report = import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, [good, cells]))
    assert_one_bad_line(report, column, fragment)
    with uow_factory() as tx:
        assert tx.clients.id_of("C9") is None and tx.clients.id_of("C8") is not None


def test_duplicates_within_a_file_are_all_refused(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    rows = [
        ["C1", "张三", VALID_IDS[0], "", ""],
        ["C2", "李四", VALID_IDS[1], "", ""],
        ["C1", "张三丰", VALID_IDS[2], "", ""],
        ["C3", "王五", VALID_IDS[1], "", ""],
    ]
    report = import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, rows))
    assert (report.new, report.rejected, report.duplicates) == (0, 4, 4)
    problems = error_lines(report)
    assert [p[0] for p in problems] == ["2", "3", "4", "5"]
    assert "4" in problems[0][2] and "2" in problems[2][2]
    assert count(uow_factory, ClientRow) == 0


def test_an_id_number_of_another_client_is_refused(branch: dict[str, Workstation], tmp_path: Path) -> None:
    one_client(branch, tmp_path)
    report = import_file(
        branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, [["C2", "李四", VALID_IDS[0], "", ""]])
    )
    assert (report.new, report.rejected) == (0, 1)
    assert "另一位客户" in error_lines(report)[0][2]


def test_gbk_utf8_bom_and_xlsx_files_read_alike(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    gbk = clients_file(tmp_path, [["C1", "张三", VALID_IDS[0], "13812345678", "csm01"]], "gbk.csv", encoding="gbk")
    bom = clients_file(tmp_path, [["C2", "李四", VALID_IDS[1], "", ""]], "bom.csv", encoding="utf-8-sig")
    xlsx = write_xlsx(tmp_path / "c.xlsx", [HEADER_ZH, ["C3", "王五", VALID_IDS[2], 13812345670, None]])
    reports = [import_file(branch["admin"], ImportKind.CLIENTS, p) for p in (gbk, bom, xlsx)]
    assert [r.encoding for r in reports] == ["gb18030", "utf-8-sig", "xlsx"]
    assert [r.new for r in reports] == [1, 1, 1]
    with uow_factory() as tx:
        assert [tx.clients.by_number(n).name for n in ("C1", "C2", "C3")] == ["张三", "李四", "王五"]
        assert tx.clients.by_number("C3").mobile == "13812345670"


def test_english_headers_and_a_mapping_file(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    english = write_csv(
        tmp_path / "en.csv",
        [["Client number", "Name", "ID number", "Manager"], ["C1", "Zhang San", VALID_IDS[0], "csm01"]],
    )
    assert import_file(branch["admin"], ImportKind.CLIENTS, english).new == 1
    other = write_csv(tmp_path / "o.csv", [["CUST_NO", "CUST_NM", "CERT_NO"], ["C2", "李四", VALID_IDS[1]]])
    refused = import_file(branch["admin"], ImportKind.CLIENTS, other)
    assert refused.refused and "身份证号码" in refused.refused and refused.new == 0
    mapping = {"CUST_NO": "number", "CUST_NM": "name", "CERT_NO": "resident_id"}
    assert import_file(branch["admin"], ImportKind.CLIENTS, other, mapping=mapping).new == 1
    assert count(uow_factory, ClientRow) == 2


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "空"),
        ("客户号,姓名\nC1,张三\n".encode(), "身份证号码"),
        ("客户号,姓名,身份证号码\n".encode("utf-16"), "UTF-8"),
        (b"\x81\xff\xfe\x80" * 100, "UTF-8"),
        (os.urandom(10 * 1024 * 1024), "UTF-8"),
        (b"PK\x03\x04" + os.urandom(4096), "XLSX"),
    ],
    ids=["empty", "missing_column", "utf16", "wrong_encoding", "garbage_10mb", "broken_xlsx"],
)
def test_a_file_that_cannot_be_read_is_refused_whole_with_a_report(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path, content: bytes, fragment: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    report = import_file(branch["admin"], ImportKind.CLIENTS, path)
    assert report.refused and fragment in report.refused and report.new == 0
    ((line, _column, reason, _value),) = error_lines(report)
    assert line == "" and reason == report.refused
    assert count(uow_factory, ClientRow) == 0


def test_printable_garbage_of_10_mb_is_refused_for_its_missing_columns(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    path = tmp_path / "noise.csv"
    path.write_bytes(os.urandom(7 * 1024 * 1024).hex().encode()[: 10 * 1024 * 1024])
    report = import_file(branch["admin"], ImportKind.BALANCES, path)
    assert report.refused and count(uow_factory, BalanceSpanRow) == 0


def test_dry_run_reports_and_writes_nothing(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    path = clients_file(tmp_path, [["C1", "张三", VALID_IDS[0], "", ""], ["C2", "李四", "123", "", ""]])
    with uow_factory() as tx:
        audit_before = tx.session.scalar(select(func.count()).select_from(AuditRow))  # type: ignore[attr-defined]
    report = import_file(branch["admin"], ImportKind.CLIENTS, path, dry_run=True)
    assert (report.dry_run, report.new, report.rejected) == (True, 1, 1)
    assert error_lines(report)[0][0] == "3"
    assert count(uow_factory, ClientRow) == 0
    with uow_factory() as tx:
        assert tx.session.scalar(select(func.count()).select_from(AuditRow)) == audit_before  # type: ignore[attr-defined]


def test_only_an_admin_imports(branch: dict[str, Workstation], tmp_path: Path) -> None:
    with pytest.raises(AccessDenied):
        import_file(branch["csm"], ImportKind.CLIENTS, clients_file(tmp_path, []))


# --- balances -------------------------------------------------------------------------------------------------


def one_client(branch: dict[str, Workstation], tmp_path: Path, manager: str = "") -> None:
    path = clients_file(tmp_path, [["C1", "张三", VALID_IDS[0], "", manager]], "one.csv")
    assert import_file(branch["admin"], ImportKind.CLIENTS, path).new == 1


def test_balances_become_spans_averages_and_the_as_of_date(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    one_client(branch, tmp_path, "csm01")
    days = [dt.date(2026, 11, 20) + dt.timedelta(days=i) for i in range(5)]
    amounts = ["100000", "100000.00", "1,000,000", "1000000", "90000.5"]
    path = balances_file(tmp_path, [["C1", d.isoformat(), a] for d, a in zip(days, amounts, strict=True)])
    report = import_file(branch["admin"], ImportKind.BALANCES, path)
    assert (report.new, report.updated, report.unchanged, report.as_of) == (5, 0, 0, days[-1])
    with uow_factory() as tx:
        client = tx.clients.by_number("C1")
        assert tx.views.data_as_of() == days[-1]
        spans = tx.session.execute(  # type: ignore[attr-defined]
            select(BalanceSpanRow.first_day, BalanceSpanRow.last_day, BalanceSpanRow.balance).order_by(
                BalanceSpanRow.first_day
            )
        ).all()
    assert [tuple(s) for s in spans] == [
        (days[0], days[1], Decimal("100000.00")),
        (days[2], days[3], Decimal("1000000.00")),
        (days[4], days[4], Decimal("90000.50")),
    ]
    window_days = (days[-1] - dt.date(2026, 8, 25)).days + 1  # 2026-08-25 … 2026-11-24: 92 days
    expected = (Decimal(2 * 100000 + 2 * 1000000) + Decimal("90000.5")) / window_days
    assert client.avg_3m == expected.quantize(Decimal("0.01"), ROUND_FLOOR) and client.balance == Decimal("90000.50")
    assert client.assets_as_of == days[-1]
    assert import_file(branch["admin"], ImportKind.BALANCES, path).unchanged == 5
    correction = balances_file(tmp_path, [["C1", days[4].isoformat(), "100000"], ["C1", "2026-11-25", "0"]], "c.csv")
    fixed = import_file(branch["admin"], ImportKind.BALANCES, correction)
    assert (fixed.new, fixed.updated, fixed.as_of) == (1, 1, dt.date(2026, 11, 25))
    with uow_factory() as tx:
        assert [b.balance for b in tx.balances.daily(client.id or 0, days[3], dt.date(2026, 11, 25))] == [
            Decimal("1000000.00"), Decimal("100000.00"), Decimal("0.00"),
        ]  # fmt: skip
        assert tx.session.scalar(select(MetaRow.value).where(MetaRow.key == "data_as_of")) == "2026-11-25"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        (["C1", "2026-11-20", "-5"], "余额", "负"),
        (["C1", "2026-11-20", "12abc"], "余额", "金额"),
        (["C1", "2026-11-20", "1.234"], "余额", "两位小数"),
        (["C1", "2026-13-01", "5"], "日期", "2026-13-01"),
        (["C1", "yesterday", "5"], "日期", "yesterday"),
        (["C404", "2026-11-20", "5"], "客户号", "C404"),
    ],
    ids=["negative", "malformed", "precision", "bad_month", "bad_date", "unknown_client"],
)
def test_a_bad_balance_row_is_reported_and_kept_out(
    branch: dict[str, Workstation],
    uow_factory: SqlUnitOfWorkFactory,
    tmp_path: Path,
    cells: list[str],
    column: str,
    fragment: str,
) -> None:
    one_client(branch, tmp_path)
    path = balances_file(tmp_path, [["C1", "2026-11-21", "8"], cells])
    assert_one_bad_line(import_file(branch["admin"], ImportKind.BALANCES, path), column, fragment)
    assert count(uow_factory, BalanceSpanRow) == 1


def test_accounts_of_a_client_add_up_and_a_repeated_account_day_is_a_duplicate(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    one_client(branch, tmp_path)
    rows = [
        ["C1", "6222000011112222", "2026-11-20", "100"],
        ["C1", "6222000011113333", "2026-11-20", "50.5"],
        ["C1", "6222000011113333", "2026-11-21", "7"],
        ["C1", "6222000011113333", "2026-11-21", "8"],
    ]
    path = write_csv(tmp_path / "acc.csv", [["客户号", "账号", "日期", "余额"], *rows])
    report = import_file(branch["admin"], ImportKind.BALANCES, path)
    assert (report.new, report.rejected, report.duplicates) == (1, 2, 2)
    with uow_factory() as tx:
        assert tx.session.scalar(select(BalanceSpanRow.balance)) == Decimal("150.50")  # type: ignore[attr-defined]


# --- products, staff, holdings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "headers", "kinds"),
    [
        ("zh_CN", ["产品代码", "产品名称", "产品类别", "私募", "资产类别"],
         ["固定收益类", "权益类", "保本类", "权益类"]),
        ("en", ["Product code", "Product name", "Category", "Private placement", "Asset type"],
         ["Fixed income", "equity", "bonds", "Equity"]),
    ],
)  # fmt: skip
def test_a_products_asset_type_is_imported_under_either_languages_header_and_a_wrong_one_refused_by_line(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path,
    lang: str, headers: list[str], kinds: list[str],
) -> None:  # fmt: skip
    set_language(lang)
    admin = branch["admin"]
    rows = [
        ["PP01", "固收私募 1 号", "wealth", "yes", kinds[0]],
        ["PP02", "权益私募 2 号", "wealth", "yes", kinds[1]],
        ["PP03", "不明私募 3 号", "wealth", "yes", kinds[2]],  # no such asset type
        ["FD09", "股票基金", "fund", "no", kinds[3]],  # a fund has none
        ["PP04", "未定私募 4 号", "wealth", "yes", ""],  # not yet recorded: the strictest minimum
    ]
    report = import_file(admin, ImportKind.PRODUCTS, write_csv(tmp_path / "p.csv", [headers, *rows]))
    assert (report.new, report.rejected) == (3, 2)
    (line3, column3, reason3, value3), (line4, column4, reason4, _) = error_lines(report)
    assert (line3, column3, value3) == ("4", t("import_column.asset_type"), kinds[2])
    assert (line4, column4) == ("5", t("import_column.asset_type"))
    assert reason3 == t("import_error.bad_code", value=kinds[2]) and reason4 == t("value.asset_type_wealth_only")
    assert (lang == "en") == (reason3 + reason4).isascii()
    with uow_factory() as tx:
        stored = {code: tx.products.by_code(code) for code in ("PP01", "PP02", "PP04")}
    assert {code: p.asset_type if p else "?" for code, p in stored.items()} == {
        "PP01": AssetType.FIXED_INCOME, "PP02": AssetType.EQUITY, "PP04": None,
    }  # fmt: skip


def test_a_reimport_changes_an_asset_type_keeps_it_without_the_column_and_drops_it_off_wealth(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    admin = branch["admin"]

    def imported(name: str, rows: list[list[str]]) -> AssetType | None:
        report = import_file(admin, ImportKind.PRODUCTS, write_csv(tmp_path / name, rows))
        assert report.rejected == 0
        with uow_factory() as tx:
            product = tx.products.by_code("PP01")
        assert product is not None
        return product.asset_type

    head = ["产品代码", "产品名称", "产品类别", "私募"]
    assert imported("a.csv", [[*head, "资产类别"], ["PP01", "私募 1 号", "理财", "是", "权益类"]]) is AssetType.EQUITY
    assert imported("b.csv", [[*head, "资产类别"], ["PP01", "私募 1 号", "理财", "是", "混合类"]]) is AssetType.MIXED
    assert imported("c.csv", [head, ["PP01", "私募 1 号", "理财", "是"]]) is AssetType.MIXED  # no column: kept
    assert imported("d.csv", [head, ["PP01", "私募 1 号", "基金", "是"]]) is None  # a fund now: none


def test_products_staff_and_holdings(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    admin = branch["admin"]
    products = write_xlsx(
        tmp_path / "p.xlsx",
        [
            ["产品代码", "产品名称", "产品类别", "发行方评级", "期限(天)", "预期年化收益率(%)", "起购金额", "双录"],
            ["WM002", "稳利 90 天", "理财", "R3", 90, "3.10", 50000, "是"],
            ["WM003", "坏产品", "不存在", "R3", 90, "3.10", 50000, "是"],
        ],
    )
    report = import_file(admin, ImportKind.PRODUCTS, products)
    assert (report.new, report.rejected) == (1, 1)
    assert import_file(admin, ImportKind.PRODUCTS, products).unchanged == 1
    with uow_factory() as tx:
        product = tx.products.by_code("WM002")
    assert product is not None and product.rating is RiskRating.R3 and product.dual_recording
    assert product.min_amount == Decimal("50000.00") and product.expected_yield == Decimal("3.10")

    staff = write_csv(
        tmp_path / "s.csv",
        [
            ["工号", "姓名", "角色", "职级", "网点代码", "主管工号"],
            ["csm03", "孙丽", "客户服务经理", "助理客户服务经理", "SH001", "boss"],
            ["csm04", "周杰", "客户服务经理", "", "SH001", ""],
            ["lobby1", "吴用", "lobby", "", "SH999", ""],
        ],
    )
    report = import_file(admin, ImportKind.STAFF, staff)
    assert (report.new, report.rejected) == (1, 2)
    reasons = {p[1]: p[2] for p in error_lines(report)}
    assert "职级" in reasons and "SH999" in reasons["网点代码"]
    with uow_factory() as tx:
        sun = tx.staff.by_login("csm03")
    assert sun is not None and sun.grade is Grade.ASSISTANT and sun.supervisor_id == admin.staff.id

    import_file(admin, ImportKind.CLIENTS, clients_file(tmp_path, [["C1", "张三", VALID_IDS[0], "", "csm03"]]))
    holdings = write_csv(
        tmp_path / "h.csv",
        [
            ["客户号", "产品代码", "金额", "起始日", "到期日"],
            ["C1", "WM002", "50000", "2026-11-01", "2027-01-30"],
            ["C1", "WM404", "50000", "2026-11-01", ""],
            ["C1", "WM001", "0", "2026-11-01", ""],
            ["C1", "WM001", "100", "2026-11-01", "2026-10-01"],
        ],
    )
    report = import_file(admin, ImportKind.HOLDINGS, holdings)
    assert (report.new, report.rejected) == (1, 3)
    assert [p[1] for p in error_lines(report)] == ["产品代码", "金额", "到期日"]
    assert import_file(admin, ImportKind.HOLDINGS, holdings).unchanged == 1
    assert count(uow_factory, HoldingRow) == 1
    assert count(uow_factory, ProductRow) == 2 and count(uow_factory, StaffRow) == 6  # the office's five and csm03


# --- the task list: export, then import back (on both backends) -------------------------------------------------


def test_a_task_list_exported_by_a_csm_imports_back_whole(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    csm, admin = branch["csm"], branch["admin"]
    one_client(branch, tmp_path, "csm01")
    with uow_factory(write=True) as tx:
        client_id = tx.clients.id_of("C1")
        assert client_id is not None and csm.staff.id is not None
        created = dt.datetime(2026, 11, 20, 1, 2, 3, 456789, tzinfo=dt.UTC)
        for kind, note, closed in (
            (TaskKind.CALLBACK, '下午三点, 说"忙"\n第二行', None),
            (TaskKind.FOLLOW_UP, "", created + dt.timedelta(days=1)),
        ):
            tx.tasks.add(
                NewTask(
                    client_id=client_id, staff_id=csm.staff.id, kind=kind, due_on=dt.date(2026, 11, 27),
                    due_at=created + dt.timedelta(days=7) if closed is None else None, note=note, created_at=created,
                    status=TaskStatus.OPEN if closed is None else TaskStatus.DONE, closed_at=closed,
                )
            )  # fmt: skip
        tx.commit()

    def tasks() -> list[Task]:
        with uow_factory() as tx:
            rows = tx.session.scalars(select(TaskRow).order_by(TaskRow.kind))  # type: ignore[attr-defined]
            return [Task.model_validate(r, from_attributes=True) for r in rows]

    before = tasks()
    path = tmp_path / "tasks.csv"
    assert export_list(csm, ExportKind.TASKS, path, open_only=False) == 2
    assert VALID_IDS[0] not in path.read_text(encoding="utf-8-sig")
    with uow_factory(write=True) as tx:
        for task in before:
            tx.tasks.delete(task.id or 0)
        tx.commit()
    report = import_file(admin, ImportKind.TASKS, path)
    assert (report.new, report.rejected) == (2, 0)
    after = tasks()
    assert [t.model_dump(exclude={"id"}) for t in after] == [t.model_dump(exclude={"id"}) for t in before]
    assert import_file(admin, ImportKind.TASKS, path).unchanged == 2


def test_a_row_both_a_duplicate_number_and_a_duplicate_id_counts_once(
    branch: dict[str, Workstation], tmp_path: Path
) -> None:
    rows = [["C1", "张三", VALID_IDS[0], "", ""], ["C1", "张三", VALID_IDS[0], "", ""]]
    report = import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, rows))
    assert (report.new, report.rejected, report.duplicates) == (0, 2, 2)


# --- new clients to CSMs by the policy's rule -------------------------------------------------------------------

HEADER_OUTLET = [*HEADER_ZH, "网点代码"]


def rule_admin(branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, within: AssignWithin) -> Workstation:
    """The branch of ``branch`` with a second outlet (SH002, one CSM), an empty one (SH003) and an inactive CSM at
    SH001; its admin under a policy giving new clients to the least loaded CSM."""
    with uow_factory(write=True) as tx:
        sh002 = tx.outlets.add(NewOutlet(code="SH002", name="静安"))
        tx.outlets.add(NewOutlet(code="SH003", name="浦东"))
        tx.staff.add(NewStaff(login="csm03", name="孙丽", role=Role.CSM, grade=Grade.CSM, outlet_id=sh002.id))
        tx.staff.add(
            NewStaff(login="csm00", name="周雪", role=Role.CSM, grade=Grade.CSM,
                     outlet_id=branch["csm"].staff.outlet_id, active=False)
        )  # fmt: skip
        tx.commit()
    policy = Policy(assignment=Assignment(new_clients=NewClients.LEAST_LOADED, within=within))
    return replace(branch["admin"], policy=policy)


def managers(uow_factory: SqlUnitOfWorkFactory) -> dict[str, tuple[str | None, str | None]]:
    """Client number → (manager's login, outlet's code)."""
    with uow_factory() as tx:
        query = (
            select(ClientRow.number, StaffRow.login, OutletRow.code)
            .outerjoin(StaffRow, StaffRow.id == ClientRow.manager_id)
            .outerjoin(OutletRow, OutletRow.id == ClientRow.outlet_id)
        )
        return {n: (login, code) for n, login, code in tx.session.execute(query)}  # type: ignore[attr-defined]


def test_new_clients_without_a_manager_go_to_the_least_loaded_csm_of_their_outlet(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    earlier = [["C0", "赵一", VALID_IDS[0], "", ""]] + [
        [f"C{n}", "钱二", VALID_IDS[n], "", "csm01"] for n in (1, 2, 3)
    ]  # fmt: skip
    assert import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, earlier, "earlier.csv")).new == 4
    admin = rule_admin(branch, uow_factory, AssignWithin.OUTLET)
    rows = [
        ["C0", "赵一", VALID_IDS[0], "", "", ""],  # existing and unassigned: a rule never touches it
        ["C3", "钱二", VALID_IDS[3], "", "csm02", ""],  # the column moves it: csm01 holds 2, csm02 1
        *([f"N{n}", "孙三", VALID_IDS[10 + n], "", "", ""] for n in range(1, 6)),  # the admin's outlet, SH001
        ["N6", "李四", VALID_IDS[16], "", "", "SH002"],
        ["N7", "周五", VALID_IDS[17], "", "", "SH003"],  # no CSM there
    ]
    path = write_csv(tmp_path / "rule.csv", [HEADER_OUTLET, *rows])
    dry = import_file(admin, ImportKind.CLIENTS, path, dry_run=True)
    assert count(uow_factory, ClientRow) == 4
    report = import_file(admin, ImportKind.CLIENTS, path)
    assert (report.new, report.updated, report.unchanged, report.rejected) == (7, 1, 1, 0)
    assert report.assigned == dry.assigned == {"csm01": 2, "csm02": 3, "csm03": 1}
    assert report.unassigned == dry.unassigned == 1
    assert "csm01 2、csm02 3、csm03 1" in summary(report) and t("import_assign.unassigned", count=1) in summary(report)
    held = managers(uow_factory)
    assert held["C0"] == (None, None) and held["C3"] == ("csm02", "SH001")
    assert [held[f"N{n}"] for n in range(1, 6)] == [
        ("csm02", "SH001"), ("csm01", "SH001"), ("csm02", "SH001"), ("csm01", "SH001"), ("csm02", "SH001"),
    ]  # fmt: skip
    assert held["N6"] == ("csm03", "SH002") and held["N7"] == (None, "SH003")
    assert Counter(login for login, _outlet in held.values()) == {"csm01": 4, "csm02": 4, "csm03": 1, None: 2}
    again = import_file(admin, ImportKind.CLIENTS, path)
    assert (again.new, again.updated, again.unchanged, again.assigned) == (0, 0, 9, {})
    assert managers(uow_factory) == held


def test_within_the_branch_a_file_of_new_clients_spreads_evenly_over_every_outlets_csms(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    admin = rule_admin(branch, uow_factory, AssignWithin.BRANCH)
    rows = [[f"N{n:02d}", "孙三", VALID_IDS[n], "", ""] for n in range(10)]
    report = import_file(admin, ImportKind.CLIENTS, clients_file(tmp_path, rows))
    assert report.assigned == {"csm01": 4, "csm02": 3, "csm03": 3} and report.unassigned == 0
    held = managers(uow_factory)
    assert {held[f"N{n:02d}"] for n in range(10)} == {("csm01", "SH001"), ("csm02", "SH001"), ("csm03", "SH002")}
    with uow_factory() as tx:
        detail = tx.session.scalars(select(AuditRow.detail).where(AuditRow.action == "import")).one()  # type: ignore[attr-defined]
    assert detail["assigned"] == 10
