"""Bulk writes of an import: Core ``executemany`` in batches inside the unit of work's one transaction.

These rows bypass the ORM (and so its automatic audit): every updated row is audited here, with its old and new
values (ID and phone numbers masked, names and addresses only said to have changed); new rows are counted in the
import's own audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, case, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from csm_tui.domain.enums import Role
from csm_tui.domain.values import ResidentId
from csm_tui.rules.birthdays import lunar_md
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.model import Assets, Existing, Span, StaffRef, Update
from storage import audit, score_tallies
from storage.access import Access
from storage.orm import (
    WODE_ACCEPTED,
    BalanceSpanRow,
    Base,
    ClientLinkRow,
    ClientRow,
    ContactRow,
    ContactTaskRow,
    HoldingRow,
    OutletRow,
    ProductRow,
    ReferralRow,
    StaffRow,
    TaskRow,
    column_defaults,
)
from storage.prospects import convert_matching
from storage.repositories import name_initials

BATCH = 5_000
_PG_BALANCE_LOCK = 0x63736D_62616C  # "csm" "bal": one balance import at a time
T = TypeVar("T")

ROWS: dict[ImportKind, type[Base]] = {
    ImportKind.CLIENTS: ClientRow,
    ImportKind.HOLDINGS: HoldingRow,
    ImportKind.PRODUCTS: ProductRow,
    ImportKind.STAFF: StaffRow,
    ImportKind.TASKS: TaskRow,
    ImportKind.HOUSEHOLDS: ClientLinkRow,
}
COMPARED: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.CLIENTS: (
        "number", "name", "resident_id", "mobile", "address", "occupation", "manager_id", "outlet_id", "civil_capacity",
        "id_expiry", "id_long_term",
        "employer", "securities_custody",
    ),
    ImportKind.HOLDINGS: ("client_id", "product_id", "amount", "start_date", "maturity_date", "status"),
    ImportKind.PRODUCTS: (
        "code", "name", "category", "issuer_rating", "seller_rating", "term_days", "expected_yield", "min_amount",
        "sale_start", "sale_end", "dual_recording", "cooling_off_hours", "private_placement", "listed_on",
        "asset_type",
    ),
    ImportKind.STAFF: (
        "login", "name", "role", "grade", "outlet_id", "supervisor_id", "active", "started_on", "left_on",
    ),
    ImportKind.TASKS: (
        "client_id", "staff_id", "kind", "due_on", "due_at", "status", "origin", "origin_id", "note", "created_at",
        "closed_at",
    ),
    ImportKind.HOUSEHOLDS: ("client_id", "relative_id", "relation"),
}  # fmt: skip
KEYS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.CLIENTS: ("number",),
    ImportKind.HOLDINGS: ("client_id", "product_id", "start_date"),
    ImportKind.PRODUCTS: ("code",),
    ImportKind.STAFF: ("login",),
    ImportKind.TASKS: ("client_id", "kind", "created_at"),
    ImportKind.HOUSEHOLDS: ("client_id", "relative_id"),
}
HIDDEN = frozenset({"name", "address"})  # a client's: the log says they changed, not what to
CODES: dict[str, tuple[Any, Any]] = {
    "outlets": (OutletRow.code, OutletRow.id),
    "clients": (ClientRow.number, ClientRow.id),
    "products": (ProductRow.code, ProductRow.id),
}


def _batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _column_names(row: type[Base]) -> dict[str, str]:
    """ORM attribute → table column (``balance`` → ``balance_fen``)."""
    return {attr.key: attr.columns[0].name for attr in row.__mapper__.column_attrs}


class SqlImports:
    """The bulk import's store, for the admin (as the database holds the role now) and the system only: it reads
    every client's numbers and writes past the repositories' per-row checks, so every method asks first."""

    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access
        access.require_admin("import")

    def _require(self) -> None:
        self.access.require_admin("import")

    def staff(self) -> dict[str, StaffRef]:
        self._require()
        query = select(StaffRow.login, StaffRow.id, StaffRow.role, StaffRow.active, StaffRow.outlet_id)
        rows = self.session.execute(query)
        return {r.login: StaffRef(r.id, r.role, r.active, r.outlet_id) for r in rows}

    def loads(self) -> dict[int, int]:
        self._require()
        query = (
            select(StaffRow.id, func.count(ClientRow.id))
            .outerjoin(ClientRow, ClientRow.manager_id == StaffRow.id)
            .where(StaffRow.role == Role.CSM, StaffRow.active)
            .group_by(StaffRow.id)
        )
        return {staff_id: count for staff_id, count in self.session.execute(query)}

    def codes(self, table: str) -> dict[str, int]:
        self._require()
        code, key = CODES[table]
        return {c: i for c, i in self.session.execute(select(code, key))}

    def wode_held(self) -> dict[int, tuple[int, str]]:
        self._require()
        query = select(ReferralRow.client_id, StaffRow.id, StaffRow.name).join(
            StaffRow, StaffRow.id == ReferralRow.to_staff_id
        )
        return {client: (staff, name) for client, staff, name in self.session.execute(query.where(WODE_ACCEPTED))}

    def contacted_tasks(self) -> set[int]:
        self._require()
        found = self.session.scalars(select(ContactRow.task_id).union(select(ContactTaskRow.task_id)))
        return {i for i in found if i is not None}

    def resident_ids(self) -> dict[int, str]:
        self._require()
        return {i: r for i, r in self.session.execute(select(ClientRow.id, ClientRow.resident_id))}

    def existing(self, kind: ImportKind) -> dict[Any, Existing]:
        self._require()
        row = ROWS[kind]
        compared = COMPARED[kind]
        query = select(row.id, *(getattr(row, f) for f in compared))  # type: ignore[attr-defined]
        found: dict[Any, Existing] = {}
        for r in self.session.execute(query):
            values = dict(zip(compared, r[1:], strict=True))
            key = tuple(values[k] for k in KEYS[kind])
            found[key[0] if len(key) == 1 else key] = Existing(r[0], values)
        return found

    def write(
        self, kind: ImportKind, inserts: list[dict[str, Any]], updates: list[Update], progress: Callable[[int], None]
    ) -> None:
        self._require()
        row = ROWS[kind]
        table: Table = row.__table__  # type: ignore[assignment]
        names = _column_names(row)
        defaults = column_defaults(table)
        for batch in _batches(inserts):
            rows = [{**defaults, **{names[k]: v for k, v in values.items()}} for values in batch]
            if kind is ImportKind.CLIENTS:
                for values in rows:
                    values["name_initials"] = name_initials(values["name"])
                    values.setdefault("id_long_term", False)  # one batch's rows carry the same columns
                    values.setdefault("employer", "")  # server defaults: every row of a batch names them
                    values.setdefault("securities_custody", False)
            self.session.execute(insert(table), rows)
            progress(len(batch))
        by_fields: dict[frozenset[str], list[Update]] = defaultdict(list)
        for item in updates:
            by_fields[frozenset(item.changes)].append(item)
        for fields, items in by_fields.items():
            self._update(kind, table, names, sorted(fields), items)
            progress(len(items))
        self._audit_updates(table.name, updates)
        if kind is ImportKind.CLIENTS:  # a prospect whose mobile the bank's file now has is that client
            convert_matching(self.session, self.session.info["clock"].now().datetime)
        if inserts or updates:  # written past the ORM: the scoreboard's tallies worked out again, in this transaction
            if kind in (ImportKind.TASKS, ImportKind.PRODUCTS):  # 回访 done, products' categories and 双录
                score_tallies.rebuild(self.session)
            elif kind is ImportKind.CLIENTS:  # the managers of the books
                score_tallies.refresh_assets(self.session, None)

    def _update(
        self, kind: ImportKind, table: Table, names: dict[str, str], fields: list[str], items: list[Update]
    ) -> None:
        values: dict[str, Any] = {names[f]: bindparam(f"v_{f}") for f in fields}
        if kind is ImportKind.CLIENTS:
            values["version"] = table.c.version + 1  # a screen's edit of a client read before is refused
            if "mobile" in fields:
                values["mobile_invalid"] = False  # the bank's new number is not the one found wrong
            if "name" in fields:
                values["name_initials"] = bindparam("v_name_initials")
            if "resident_id" in fields:  # a lunar birthday kept is the birth date's: it moves with a corrected ID
                kept = table.c.lunar_birthday
                values["lunar_birthday"] = case((kept.is_(None), None), else_=bindparam("v_lunar_birthday"))
        statement = update(table).where(table.c.id == bindparam("u_id")).values(values)
        for batch in _batches(items):
            params = []
            for item in batch:
                one = {"u_id": item.id, **{f"v_{f}": item.changes[f][1] for f in fields}}
                if kind is ImportKind.CLIENTS and "name" in fields:
                    one["v_name_initials"] = name_initials(item.changes["name"][1])
                if kind is ImportKind.CLIENTS and "resident_id" in fields:
                    one["v_lunar_birthday"] = lunar_md(ResidentId(item.changes["resident_id"][1]).birth_date)
                params.append(one)
            self.session.connection().execute(statement, params)

    def _audit_updates(self, entity: str, updates: list[Update]) -> None:
        entries = [
            (
                "import.update",
                entity,
                str(item.id),
                {
                    f: "changed" if f in HIDDEN else [audit.mask(f, old), audit.mask(f, new)]
                    for f, (old, new) in item.changes.items()
                },
            )
            for item in updates
        ]
        self._append(entries)

    def _append(self, entries: list[tuple[str, str, str, dict[str, Any]]]) -> None:
        info = self.session.info
        audit.append(self.session.connection(), info["clock"].now().datetime, info.get("actor_id"), entries)

    def lock_balances(self) -> None:
        """PostgreSQL: a transaction-level advisory lock, so two balance imports never merge days into the same
        spans at once; SQLite: a write transaction (BEGIN IMMEDIATE) is already the only one."""
        self._require()
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_BALANCE_LOCK})

    def spans(self, first_client: int, last_client: int, first: dt.date, last: dt.date) -> dict[int, list[Span]]:
        self._require()
        query = select(
            BalanceSpanRow.id, BalanceSpanRow.client_id, BalanceSpanRow.first_day, BalanceSpanRow.last_day,
            BalanceSpanRow.balance,
        ).where(
            BalanceSpanRow.client_id.between(first_client, last_client),
            BalanceSpanRow.last_day >= first,
            BalanceSpanRow.first_day <= last,
        )  # fmt: skip
        found: dict[int, list[Span]] = defaultdict(list)
        for r in self.session.execute(query):
            found[r.client_id].append(Span(r.client_id, r.first_day, r.last_day, r.balance, r.id))
        return found

    def replace_spans(self, delete_: list[Span], insert_: list[Span]) -> None:
        self._require()
        table: Table = BalanceSpanRow.__table__  # type: ignore[assignment]
        gone = [{"s_id": s.id} for s in delete_ if s.id is not None]
        for ids in _batches(gone):
            self.session.connection().execute(delete(table).where(table.c.id == bindparam("s_id")), list(ids))
        for batch in _batches(insert_):
            rows = [
                {"client_id": s.client_id, "first_day": s.first, "last_day": s.last, "balance_fen": s.balance}
                for s in batch
            ]
            self.session.execute(insert(table), rows)

    def tally_assets(self) -> None:
        """The scoreboard's tallies of asset growth worked out again from the clients' new averages (after
        ``set_assets``), in the import's transaction."""
        self._require()
        score_tallies.refresh_assets(self.session, None)

    def set_assets(self, assets: list[Assets]) -> None:
        self._require()
        table: Table = ClientRow.__table__  # type: ignore[assignment]
        statement = (
            update(table)
            .where(table.c.id == bindparam("a_id"))
            .values(
                balance_fen=bindparam("a_balance"), avg_3m_fen=bindparam("a_avg"), assets_as_of=bindparam("a_day"),
                balance_before_fen=bindparam("a_before"), avg_3m_low_fen=bindparam("a_low"),
            )
        )  # fmt: skip
        for batch in _batches(assets):
            params = [
                {"a_id": a.client_id, "a_balance": a.balance, "a_avg": a.avg_3m, "a_day": a.as_of,
                 "a_before": a.balance_before, "a_low": a.avg_3m_low}
                for a in batch
            ]  # fmt: skip
            self.session.connection().execute(statement, params)
