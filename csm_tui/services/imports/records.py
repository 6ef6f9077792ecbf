"""One row of a file as the values of one database row, validated with the domain's types and models.

Each kind has a builder: the row's cells (by field, only the columns the file has) in, its natural key and the
values to store out. References (a manager's login, an outlet's or a product's code, a client's number) are
resolved against what the database holds. A cell that fails raises ``RowError``; nothing of the row is kept.

Clients and managers: a manager column with a login assigns the client to that CSM (or 沃德 client manager); a
blank cell, or no such column, keeps an existing client's manager and leaves a new client unassigned (or to the
policy's rule, see ``assign``). Without an outlet column, a client assigned by the file is at the manager's outlet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from csm_tui.domain.enums import (
    AssetType,
    HoldingStatus,
    ProductCategory,
    RiskRating,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.enums import Grade as GradeEnum
from csm_tui.domain.errors import DomainError
from csm_tui.domain.households import Relation, stored
from csm_tui.domain.models import NewClient, NewHolding, NewProduct, NewStaff, NewTask
from csm_tui.domain.roles import BOOK_ROLES
from csm_tui.domain.values import parse_money
from csm_tui.i18n import listed, t
from csm_tui.policy import Policy
from csm_tui.rules import kyc
from csm_tui.rules.households import check_link, person
from csm_tui.services.imports.cell_values import (
    RowError,
    bool_cell,
    date_cell,
    enum_cell,
    instant_cell,
    int_cell,
    optional_date,
    optional_enum,
    optional_instant,
    reason_of,
)
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.model import StaffRef
from csm_tui.services.phrase_check import find_phrases
from csm_tui.services.task_notes import stored_note

MANAGER_ROLES = BOOK_ROLES  # whom a client's row may name as the manager
NEW_SUPERVISOR = "supervisor_login"  # a staff row's supervisor who is a new row of the same file

Key = Any
Values = dict[str, Any]


@dataclass(frozen=True)
class Lookups:
    """What rows refer to, as the database holds it when the import starts."""

    tz: str
    now: dt.datetime
    today: dt.date  # the branch's
    staff: dict[str, StaffRef]  # login → staff
    outlets: dict[str, int]  # code → id
    clients: dict[str, int]  # number → id
    products: dict[str, int]  # code → id
    phrases: tuple[str, ...] = ()  # the policy's forbidden marketing phrases, refused in a free-text note
    # Households: client id → resident ID (birth date and sex), and the policy a family link is judged by.
    resident_ids: dict[int, str] = dataclasses.field(default_factory=dict)
    policy: Policy = dataclasses.field(default_factory=Policy)


_COLUMN_OF = {"client_id": "client", "staff_id": "staff", "product_id": "product", "outlet_id": "outlet",
              "supervisor_id": "supervisor"}  # fmt: skip


# The column a rule across fields is about.
_RULE_COLUMN = {
    "value.grade_required": "grade", "value.grade_only_csm": "grade", "value.sale_window": "sale_end",
    "value.asset_type_wealth_only": "asset_type",
}  # fmt: skip


def _model(model: type[BaseModel], data: dict[str, Any], today: dt.date | None = None) -> Any:
    """Validate with a domain model (dates of birth up to ``today``); a failure names the file's column the failing
    field came from."""
    try:
        return model.model_validate(data, context={"today": today})
    except ValidationError as exc:
        field, reason = reason_of(exc)
        field = field or _RULE_COLUMN.get(exc.errors()[0]["type"], "")
        raise RowError(_COLUMN_OF.get(field, field), reason) from None


def money_cell(field: str, text: str, *, positive: bool = False) -> Decimal:
    """An amount of money, never negative (``parse_money`` refuses it); ``positive``: above zero."""
    try:
        amount = parse_money(text)
    except PydanticCustomError as exc:
        raise RowError(field, t(exc.type)) from None
    if positive and amount == 0:
        raise RowError(field, t("import_error.amount_not_positive"))
    return amount


def _find(field: str, code: str, table: dict[str, int], unknown: str) -> int:
    """The id of the row ``code`` names in ``table``; else the row is refused with the ``unknown`` reason."""
    found = table.get(code)
    if found is None:
        raise RowError(field, t(f"import_error.{unknown}", value=code))
    return found


def _client_id(field: str, number: str, lookups: Lookups) -> int:
    return _find(field, number, lookups.clients, "unknown_client")


def _staff(field: str, login: str, lookups: Lookups, code: str) -> StaffRef:
    ref = lookups.staff.get(login)
    if ref is None or not ref.active:
        raise RowError(field, t(f"import_error.{code}", value=login))
    return ref


def _outlet(field: str, code: str, lookups: Lookups) -> int:
    return _find(field, code, lookups.outlets, "unknown_outlet")


def _nfkc(text: str) -> str:
    """Full-width digits and letters (１１０１…Ｘ, as typed with a Chinese input method) as ASCII."""
    return unicodedata.normalize("NFKC", text)


EMPLOYER_MAX = 64  # the column's width


def client_record(cells: dict[str, str], lookups: Lookups) -> tuple[Key, Values]:
    optional: dict[str, str] = {f: cells[f] for f in ("address", "occupation") if f in cells}
    data: dict[str, Any] = {"number": cells["number"], "name": cells["name"]}
    data["resident_id"] = _nfkc(cells["resident_id"])
    if "mobile" in cells:
        data["mobile"] = _nfkc(cells["mobile"]) or None
    client: NewClient = _model(NewClient, {**data, **optional}, lookups.today)
    values: Values = {"number": client.number, "name": client.name, "resident_id": str(client.resident_id)}
    if "mobile" in cells:
        values["mobile"] = None if client.mobile is None else str(client.mobile)
    values.update({f: getattr(client, f) for f in optional})
    if cells.get("manager"):
        manager = _staff("manager", cells["manager"], lookups, "unknown_manager")
        if manager.role not in MANAGER_ROLES:
            raise RowError("manager", t("import_error.not_a_manager", value=cells["manager"]))
        values["manager_id"] = manager.id
        if "outlet" not in cells:
            values["outlet_id"] = manager.outlet_id
    if cells.get("outlet"):
        values["outlet_id"] = _outlet("outlet", cells["outlet"], lookups)
    if cells.get("id_expiry"):  # blank: what the branch recorded stays
        values.update(id_expiry_cell(cells["id_expiry"], lookups.today, client.age_on(lookups.today)))
    if cells.get("civil_capacity"):  # blank: what the branch recorded stays
        values["civil_capacity"] = bool_cell("civil_capacity", cells["civil_capacity"])
    if "employer" in cells:  # the payroll company (代发工资单位), by which a payroll event's invitees are picked
        employer = _nfkc(cells["employer"]).strip()
        if len(employer) > EMPLOYER_MAX:
            raise RowError("employer", t("error.text_too_long", max=EMPLOYER_MAX))
        values["employer"] = employer
    if cells.get("securities_custody"):  # blank: as it was
        values["securities_custody"] = bool_cell("securities_custody", cells["securities_custody"])
    return client.number, values


def id_expiry_cell(text: str, today: dt.date, age: int) -> Values:
    """An ID's expiry: its last valid day, or 长期 (long-term, for a holder of 46 or over, ``age`` being the
    client's today). A resident ID is valid for at most 20 years: a date further off than that from today is a
    mistake in the file."""
    if kyc.is_long_term_word(text):
        if kyc.long_term_impossible(age):
            raise RowError(
                "id_expiry", t("import_error.id_long_term_young", value=text, age=age, adult=kyc.LONG_TERM_FROM_AGE)
            )
        return {"id_expiry": None, "id_long_term": True}
    expiry = date_cell("id_expiry", text)
    if kyc.expiry_too_far(expiry, today):
        raise RowError("id_expiry", t("import_error.id_expiry_far", value=text, years=kyc.ID_VALID_YEARS_MAX))
    return {"id_expiry": expiry, "id_long_term": False}


def balance_record(cells: dict[str, str], lookups: Lookups) -> tuple[Key, Values]:
    client_id = _client_id("client", cells["client"], lookups)
    day = date_cell("day", cells["day"])
    if day > lookups.today:
        raise RowError("day", t("import_check.future_day", value=day.isoformat()))
    balance = money_cell("balance", cells["balance"])
    return (client_id, cells.get("account", ""), day), {"client_id": client_id, "day": day, "balance": balance}


def holding_record(cells: dict[str, str], lookups: Lookups) -> tuple[Key, Values]:
    client_id = _client_id("client", cells["client"], lookups)
    product_id = _find("product", cells["product"], lookups.products, "unknown_product")
    data: dict[str, Any] = {
        "client_id": client_id,
        "product_id": product_id,
        "amount": money_cell("amount", cells["amount"], positive=True),
        "start_date": date_cell("start_date", cells["start_date"]),
    }
    if "maturity_date" in cells:
        data["maturity_date"] = optional_date("maturity_date", cells["maturity_date"])
    if cells.get("status"):
        data["status"] = enum_cell("status", cells["status"], HoldingStatus)
    holding: NewHolding = _model(NewHolding, data)
    if holding.maturity_date is not None and holding.maturity_date < holding.start_date:
        raise RowError("maturity_date", t("import_error.ends_before_start"))
    # A re-import without a column (or with a blank status) keeps what the branch recorded.
    return (client_id, product_id, holding.start_date), {field: getattr(holding, field) for field in data}


def product_record(cells: dict[str, str], lookups: Lookups) -> tuple[Key, Values]:
    data: dict[str, Any] = {
        "code": cells["code"],
        "name": cells["name"],
        "category": enum_cell("category", cells["category"], ProductCategory),
    }
    for field in ("issuer_rating", "seller_rating"):
        if field in cells:
            data[field] = optional_enum(field, cells[field], RiskRating)
    for field in ("term_days", "cooling_off_hours"):
        if cells.get(field):
            data[field] = int_cell(field, cells[field])
    if cells.get("expected_yield"):
        try:
            data["expected_yield"] = Decimal(cells["expected_yield"].rstrip("%"))
        except ArithmeticError:
            raise RowError("expected_yield", t("import_error.bad_number", value=cells["expected_yield"])) from None
    if cells.get("min_amount"):
        data["min_amount"] = money_cell("min_amount", cells["min_amount"])
    for field in ("sale_start", "sale_end", "listed_on"):
        if field in cells:
            data[field] = optional_date(field, cells[field])
    for field in ("dual_recording", "private_placement"):
        if cells.get(field):
            data[field] = bool_cell(field, cells[field])
    # A wealth product's asset type (资管新规): a blank cell clears it (the strictest private minimum again), no
    # column keeps what was recorded; any other category has none, so a product moved out of wealth loses it.
    if "asset_type" in cells:
        data["asset_type"] = optional_enum("asset_type", cells["asset_type"], AssetType)
    elif data["category"] is not ProductCategory.WEALTH:
        data["asset_type"] = None
    product: NewProduct = _model(NewProduct, data)
    return product.code, {field: getattr(product, field) for field in data}


def staff_record(cells: dict[str, str], lookups: Lookups) -> tuple[Key, Values]:
    data: dict[str, Any] = {
        "login": cells["login"],
        "name": cells["name"],
        "role": enum_cell("role", cells["role"], Role),
        "grade": optional_enum("grade", cells.get("grade", ""), GradeEnum),
    }
    if cells.get("outlet"):
        data["outlet_id"] = _outlet("outlet", cells["outlet"], lookups)
    supervisor = cells.get("supervisor", "")
    new_supervisor = supervisor and supervisor not in lookups.staff  # new in the file, or refused once it is read
    if supervisor and not new_supervisor:
        data["supervisor_id"] = _staff("supervisor", supervisor, lookups, "unknown_staff").id
    if cells.get("active"):
        data["active"] = bool_cell("active", cells["active"])
    for field in ("started_on", "left_on"):
        if field in cells:
            data[field] = optional_date(field, cells[field])
    staff: NewStaff = _model(NewStaff, data)
    values = {field: getattr(staff, field) for field in data}
    if new_supervisor:
        values[NEW_SUPERVISOR] = supervisor  # its id is known once its own row is in (run._Job.staff_waves)
    return staff.login, values


def task_record(cells: dict[str, str], lookups: Lookups) -> tuple[Key, Values]:
    """A task; its optional columns (status, closing time, note...) change a task only where the file has them, so a
    list without them does not reopen what a CSM closed."""
    data: dict[str, Any] = {
        "client_id": _client_id("client", cells["client"], lookups),
        "staff_id": _staff("staff", cells["staff"], lookups, "unknown_staff").id,
        "kind": enum_cell("kind", cells["kind"], TaskKind),
        "due_on": date_cell("due_on", cells["due_on"]),
        "created_at": instant_cell("created_at", cells["created_at"], lookups.tz),
    }
    optional: dict[str, Callable[[str], Any]] = {
        "due_at": lambda text: optional_instant("due_at", text, lookups.tz),
        "status": lambda text: optional_enum("status", text, TaskStatus) or TaskStatus.OPEN,
        "origin": lambda text: optional_enum("origin", text, TaskOrigin) or TaskOrigin.MANUAL,
        "origin_id": lambda text: int_cell("origin_id", text),
        "note": lambda text: stored_note(_note("note", text, lookups)),  # a skip's reason said: as its code
        "closed_at": lambda text: optional_instant("closed_at", text, lookups.tz),
    }
    data.update({field: read(cells[field]) for field, read in optional.items() if field in cells})
    task: NewTask = _model(NewTask, data)
    return (task.client_id, task.kind.value, task.created_at), {field: getattr(task, field) for field in data}


def household_record(cells: dict[str, str], lookups: Lookups) -> tuple[Key, Values]:
    """A family link: the relative is the client's relation (spouse, parent, child), kept once per pair as the
    database keeps it (``csm_tui.domain.households.stored``), so a pair given from both sides is one key."""
    client_id = _client_id("client", cells["client"], lookups)
    relative_id = _client_id("relative", cells["relative"], lookups)
    if client_id == relative_id:
        raise RowError("relative", t("error.household_self"))
    given = enum_cell("relation", cells["relation"], Relation)
    ids = lookups.resident_ids
    if client_id not in ids or relative_id not in ids:  # a client the rule cannot judge: nothing of the row is kept
        raise RowError("relative", t("import_error.unknown_client", value=cells["relative"]))
    try:
        who, relative = person(client_id, ids[client_id]), person(relative_id, ids[relative_id])
    except DomainError as exc:  # a stored number the rule cannot read: the row is not kept, as a link typed is not
        raise RowError("relative", t(f"error.{exc.code}")) from None
    implausible = check_link(who, relative, given, lookups.today, lookups.policy)
    if implausible is not None:  # by the clients' birth dates and sex, as the repository judges a link typed
        raise RowError("relation", t(f"error.{implausible.code}", **implausible.params))
    low, high, relation = stored(client_id, relative_id, given)
    return (low, high), {"client_id": low, "relative_id": high, "relation": relation.value}


def _note(field: str, text: str, lookups: Lookups) -> str:
    """A free-text note as written; refused while it holds a forbidden marketing phrase (``phrase_check``): a file
    brings no confirmation, so the note is changed in the file and the row imported again."""
    hits = find_phrases(text, lookups.phrases, field)
    if hits:
        raise RowError(field, t("import_error.forbidden_phrase", phrases=listed(dict.fromkeys(h.phrase for h in hits))))
    return text


BUILDERS: dict[ImportKind, Callable[[dict[str, str], Lookups], tuple[Key, Values]]] = {
    ImportKind.CLIENTS: client_record,
    ImportKind.BALANCES: balance_record,
    ImportKind.HOLDINGS: holding_record,
    ImportKind.PRODUCTS: product_record,
    ImportKind.STAFF: staff_record,
    ImportKind.TASKS: task_record,
    ImportKind.HOUSEHOLDS: household_record,
}
