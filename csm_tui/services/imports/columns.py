"""Which columns each kind of file has, and how a file's headers are matched to them.

A header matches a column by its name in either catalog (``import_column.<field>``), by the field's own name, or by
one of the other names the bank's systems and branch spreadsheets use. Case, spaces, full-width forms, ``*`` and
``_`` do not matter. Headers of any other name come from a mapping file (TOML):

    [columns]
    "Cust Number" = "number"
    "持卡人姓名" = "name"

Columns nobody asked for (a masked ID in an exported list, a remark) are ignored.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from csm_tui.domain.errors import DomainError
from csm_tui.i18n import LANGUAGES, catalog, listed


class ImportKind(StrEnum):
    CLIENTS = "clients"
    BALANCES = "balances"
    HOLDINGS = "holdings"
    PRODUCTS = "products"
    STAFF = "staff"
    TASKS = "tasks"
    HOUSEHOLDS = "households"  # family links between clients


@dataclass(frozen=True)
class Column:
    field: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    verbatim: bool = False  # free text taken as written; other cells lose the spaces around them


_CLIENT_REF = Column("client", True, ("客户编号", "客户号码", "client number", "customer number", "cust no"))

COLUMNS: dict[ImportKind, tuple[Column, ...]] = {
    ImportKind.CLIENTS: (
        Column("number", True, ("客户编号", "客户号码", "client number", "customer number", "cust no")),
        Column("name", True, ("客户名称", "客户姓名", "client name", "customer name")),
        Column("resident_id", True, ("身份证号", "身份证号码", "证件号", "证件号码", "id number", "id no")),
        Column("mobile", False, ("手机号", "手机", "手机号码", "联系电话", "mobile number", "phone")),
        Column("address", False, ("联系地址", "住址", "家庭地址")),
        Column("occupation", False, ("工作", "职务", "job")),
        Column(
            "id_expiry",
            False,
            (
                "证件有效期",
                "证件有效期至",
                "证件到期日",
                "身份证有效期",
                "有效期至",
                "id expiry",
                "id valid until",
                "id expires",
            ),
        ),
        Column("civil_capacity", False, ("民事行为能力", "完全民事行为能力", "civil capacity", "full civil capacity")),
        Column("employer", False, ("代发单位", "代发工资单位", "工作单位", "payroll company")),
        Column("securities_custody", False, ("银证转账", "三方存管", "证券三方存管", "securities custody")),
        Column("manager", False, ("管户经理", "客户经理工号", "管户人", "工号", "manager login", "employee number")),
        Column("outlet", False, ("网点代码", "网点号", "机构号", "outlet code", "branch")),
    ),
    ImportKind.BALANCES: (
        _CLIENT_REF,
        Column("account", False, ("卡号", "账户", "account number", "card number")),
        Column("day", True, ("数据日期", "余额日期", "统计日期", "date")),
        Column("balance", True, ("日终余额", "资产余额", "总资产", "amount")),
    ),
    ImportKind.HOLDINGS: (
        _CLIENT_REF,
        Column("product", True, ("产品代码", "产品编号", "product code")),
        Column("amount", True, ("持有金额", "购买金额", "金额")),
        Column("start_date", True, ("起息日", "购买日期", "start")),
        Column("maturity_date", False, ("到期日期", "maturity")),
        Column("status", False, ("持有状态",)),
    ),
    ImportKind.PRODUCTS: (
        Column("code", True, ("产品代码", "产品编号", "product code")),
        Column("name", True, ("产品名称", "product name")),
        Column("category", True, ("产品类别", "类别", "type")),
        Column("issuer_rating", False, ("发行方评级", "产品评级", "风险等级")),
        Column("seller_rating", False, ("销售方评级", "代销评级")),
        Column("term_days", False, ("期限", "期限天数", "term")),
        Column("expected_yield", False, ("预期收益率", "业绩比较基准", "yield")),
        Column("min_amount", False, ("起购金额", "起点金额")),
        Column("sale_start", False, ("募集开始日", "发售开始日")),
        Column("sale_end", False, ("募集结束日", "发售结束日")),
        Column("dual_recording", False, ("双录",)),
        Column("cooling_off_hours", False, ("冷静期小时", "冷静期")),
        Column("private_placement", False, ("私募",)),
        Column("asset_type", False, ("资产类型", "投资性质", "产品性质", "asset class")),
        Column("listed_on", False, ("上架日期",)),
    ),
    ImportKind.STAFF: (
        Column("login", True, ("工号", "员工号", "登录名", "employee number", "staff login")),
        Column("name", True, ("员工姓名", "staff name")),
        Column("role", True, ("岗位", "角色")),
        Column("grade", False, ("级别", "等级")),
        Column("outlet", False, ("网点代码", "网点号", "机构号", "outlet code", "branch")),
        Column("supervisor", False, ("主管工号", "上级", "supervisor login")),
        Column("active", False, ("在职", "状态")),
        Column("started_on", False, ("入行日期", "到岗日期", "start date", "joined")),
        Column("left_on", False, ("离岗日期", "end date", "left")),
    ),
    ImportKind.TASKS: (
        _CLIENT_REF,
        Column("staff", True, ("客户经理", "工号", "staff login")),
        Column("kind", True, ("任务类型", "type")),
        Column("due_on", True, ("应办日期", "due date")),
        Column("due_at", False, ("约定时间",)),
        Column("status", False, ("任务状态",)),
        Column("origin", False, ("来源",)),
        Column("origin_id", False, ("来源编号",)),
        Column("note", False, ("备注", "remark"), verbatim=True),
        Column("created_at", True, ("创建时间", "created")),
        Column("closed_at", False, ("关闭时间", "closed")),
    ),
    ImportKind.HOUSEHOLDS: (
        _CLIENT_REF,
        Column("relative", True, ("亲属客户编号", "家庭成员客户号", "relative number", "family member")),
        Column("relation", True, ("家庭关系", "亲属关系", "relationship")),
    ),
}


def normalise(header: str) -> str:
    """A header as compared: NFKC (full-width to half-width), case-folded, without spaces, ``*`` and ``_``."""
    text = unicodedata.normalize("NFKC", header).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "*_")


def header_of(field: str) -> str:
    """The column's header in the current language, as exports and error reports name it."""
    from csm_tui.i18n import t

    return t(f"import_column.{field}")


def _names(column: Column) -> set[str]:
    names = {column.field, *column.aliases}
    names |= {catalog(lang)[key] for lang in LANGUAGES if (key := f"import_column.{column.field}") in catalog(lang)}
    return {normalise(n) for n in names}


def load_mapping(path: Path) -> dict[str, str]:
    """A mapping file's ``[columns]`` table: file header → field. Raises ``DomainError`` on a bad file."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise DomainError("import.mapping", path=str(path), reason=exc.strerror or type(exc).__name__) from None
    except tomllib.TOMLDecodeError as exc:
        raise DomainError("import.mapping", path=str(path), reason=str(exc)) from None
    columns = data.get("columns")
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise DomainError("import.mapping", path=str(path), reason="[columns] header = field")
    return {str(k): v for k, v in columns.items()}


def match_headers(kind: ImportKind, headers: list[str], mapping: dict[str, str] | None = None) -> dict[str, int]:
    """The position of each known column in ``headers``; raises ``DomainError`` for a missing or doubled column."""
    columns = COLUMNS[kind]
    fields = {c.field for c in columns}
    by_name = {name: c.field for c in columns for name in _names(c)}
    for header, target in (mapping or {}).items():
        if target not in fields:
            raise DomainError("import.mapping_field", field=target, kind=kind.value)
        by_name[normalise(header)] = target
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = by_name.get(normalise(header))
        if field is None:
            continue
        if field in found:
            raise DomainError("import.column_twice", column=header)
        found[field] = index
    missing = [header_of(c.field) for c in columns if c.required and c.field not in found]
    if missing:
        raise DomainError("import.missing_columns", columns=listed(missing))
    return found
