"""Moving a whole branch from one database to another (SQLite to PostgreSQL), table by table in FK order; and a
SQLite branch's backup."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Engine, Integer, Table, bindparam, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from storage.orm import Base

BATCH = 2000


class TargetNotEmpty(Exception):
    def __init__(self, table: str) -> None:
        super().__init__(table)
        self.table = table


class CountMismatch(Exception):
    def __init__(self, table: str, source: int, target: int) -> None:
        super().__init__(table, source, target)
        self.table, self.source, self.target = table, source, target


class CopyRefused(Exception):
    """The target refused a table's rows: a guard of its migrations (its refusal in words) or a constraint."""

    def __init__(self, table: str, reason: str) -> None:
        super().__init__(table, reason)
        self.table, self.reason = table, reason


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


def _count(conn: Connection, table: Table) -> int:
    return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def _self_references(table: Table) -> list[str]:
    """Columns that point at the same table (a staff member's supervisor): filled in after every row exists."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _ahead(record: dict[str, Any], later: list[str], pk: list[Column[Any]]) -> bool:
    """Whether the row points at a row of its table not copied before it (rows go in by key): only those links
    are filled in afterwards, so a table whose rows may not change (a suitability record correcting an earlier
    one) is only ever inserted into."""
    own = record[pk[0].name] if len(pk) == 1 else None
    return any(record[n] is not None and (own is None or record[n] >= own) for n in later)


def _copy_table(src: Connection, dst: Connection, table: Table, batch: int) -> None:
    later = _self_references(table)
    pk = list(table.primary_key.columns)
    rows = src.execution_options(yield_per=batch).execute(select(table).order_by(*pk))
    for part in rows.partitions():
        records = [dict(row._mapping) for row in part]
        dst.execute(insert(table), [{**r, **dict.fromkeys(later)} if _ahead(r, later, pk) else r for r in records])
        if later:
            links = [
                {**{f"k_{c.name}": r[c.name] for c in pk}, **{f"v_{n}": r[n] for n in later}}
                for r in records
                if _ahead(r, later, pk)
            ]
            if links:
                stmt = update(table).where(*(c == bindparam(f"k_{c.name}") for c in pk))
                dst.execute(stmt.values({n: bindparam(f"v_{n}") for n in later}), links)


def _reset_sequences(dst: Connection, table: Table) -> None:
    """PostgreSQL: the next id after the copied ones (the rows came with their ids)."""
    for column in table.primary_key.columns:
        if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
            dst.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence(:t, :c), "
                    f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 1), "
                    f"(SELECT MAX({column.name}) FROM {table.name}) IS NOT NULL)"
                ),
                {"t": table.name, "c": column.name},
            )


def copy_branch(source: Engine, target: Engine, batch: int = BATCH) -> list[Copied]:
    """Copy every table of ``source`` into the empty, migrated ``target`` in one transaction; the counts of
    each table must match, or nothing is kept (``CopyRefused`` names the table whose rows the target refused). The
    audit chain comes across unchanged, so it still verifies."""
    tables = Base.metadata.sorted_tables
    copied: list[Copied] = []
    with source.connect() as src, target.begin() as dst:
        for table in tables:
            if _count(dst, table):
                raise TargetNotEmpty(table.name)
        for table in tables:
            try:
                _copy_table(src, dst, table, batch)
            except DBAPIError as exc:  # the database's own words, first line (PostgreSQL adds where it was raised)
                raise CopyRefused(table.name, str(exc.orig).strip().splitlines()[0]) from exc
            if dst.dialect.name == "postgresql" and len(table.primary_key.columns) == 1:
                _reset_sequences(dst, table)
        for table in tables:
            expected, got = _count(src, table), _count(dst, table)
            if expected != got:
                raise CountMismatch(table.name, expected, got)
            copied.append(Copied(table.name, got))
    return copied


def backup_sqlite(source: Engine, target: Path) -> None:
    """SQLite's online backup into a new file (mode 0600): consistent even while managers are writing."""
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    with source.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        assert isinstance(dbapi, sqlite3.Connection)
        out = sqlite3.connect(target)
        try:
            dbapi.backup(out)
        finally:
            out.close()
