"""The first screen's read model: the signed-in CSM's checklist for today, read through the database driver alone.

The app paints it before SQLAlchemy, pydantic and the policy have loaded (``csm_tui.start``). It counts what
``storage.checklist_views.day_counts``, the checklist's marks and summary, the leave and the shelf count, for one
staff member, in the same SQL (a test keeps the two paths equal on a demo branch), and reads only what the full
path lets the signed-in staff member read: their own list, as an active member of staff. A database it cannot
read as it stands (missing, another schema revision, a file others may read or this account may not write, a
read-only server) is not opened here: the app then starts the usual way, which says what is wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from csm_tui.domain.enums import (
    SETTLING_OUTCOMES,
    AppointmentStatus,
    AssetType,
    Channel,
    ChecklistMeasure,
    Disposition,
    HoldingStatus,
    ProductCategory,
    Role,
    TaskKind,
    TaskStatus,
)
from csm_tui.domain.fen import from_fen
from csm_tui.services.rows import ChecklistCounts, DayWindow, Progress, ShelfRow
from storage.revision import HEAD

_M = ChecklistMeasure
BUSY_TIMEOUT_S = 30
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
READ_TIMEOUT_S = 15  # a server that does not answer the thin read by then is left to the full start
_PARAM = re.compile(r":(\w+)")


def _in(values: Sequence[object]) -> str:
    """A list of the app's own codes, written into the SQL (never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class ThinDatabase:
    """One connection of the database driver itself (``sqlite3`` or ``psycopg``), used only to read."""

    def __init__(self, connection: Any, postgres: bool, pipelined: bool = False) -> None:
        self.connection = connection
        self.postgres = postgres
        self.pipelined = pipelined  # psycopg's pipeline (libpq 14 or later)

    def rows(self, sql: str, **params: object) -> list[tuple[Any, ...]]:
        """``sql`` with ``:name`` parameters; instants and dates bound as each backend stores them."""
        return self.batch(sql, **params)[0]

    def batch(self, *statements: str, **params: object) -> list[list[tuple[Any, ...]]]:
        """Each statement's rows, ``params`` bound to any of them; on PostgreSQL all sent at once and answered in
        one round trip (psycopg's pipeline), not one each."""
        bound = {k: self._bind(v) for k, v in params.items()}
        texts = [_PARAM.sub(r"%(\1)s", sql) if self.postgres else sql for sql in statements]
        if not self.pipelined:
            return [self._fetched(self.connection.cursor(), sql, bound) for sql in texts]
        with self.connection.pipeline():
            cursors = [self.connection.execute(sql, bound) for sql in texts]
        return [self._fetched(cursor, None, bound) for cursor in cursors]

    @staticmethod
    def _fetched(cursor: Any, sql: str | None, bound: dict[str, object]) -> list[tuple[Any, ...]]:
        """The rows of ``cursor``, running ``sql`` first unless it has run."""
        try:
            if sql is not None:
                cursor.execute(sql, bound)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _bind(self, value: object) -> object:
        if isinstance(value, dt.datetime):  # stored as naive UTC (``storage.orm.UTCDateTime``)
            naive = value.astimezone(dt.UTC).replace(tzinfo=None)
            return naive if self.postgres else naive.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, dt.date) and not self.postgres:
            return value.isoformat()
        return value

    def instant(self, value: object) -> dt.datetime | None:
        if value is None:
            return None
        stored = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        return stored.replace(tzinfo=dt.UTC)

    @staticmethod
    def day(value: object) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))

    def close(self) -> None:
        self.connection.close()


def open_thin(url: str) -> ThinDatabase | None:
    """The database at ``url`` opened by its driver, or None when the thin read must leave it to the usual start."""
    scheme, _, rest = url.partition("://")
    try:
        if scheme == "sqlite":
            db = _open_sqlite(rest)
        elif scheme in POSTGRES_SCHEMES:
            db = _open_postgres(f"postgresql://{rest}")
        else:
            return None
    except Exception:
        return None
    if db is None:
        return None
    try:
        if _usable(db):
            return db
    except Exception:
        pass
    db.close()
    return None


def _open_sqlite(rest: str) -> ThinDatabase | None:
    path = Path(rest[1:]) if rest.startswith("/") else None
    if path is None or not rest[1:] or rest[1:] == ":memory:" or "?" in rest:
        return None
    info = path.stat()
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
    if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077 or not writable:
        return None  # the usual start opens it read-only, or warns of the file's mode first
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    connection.execute("PRAGMA query_only = ON")
    return ThinDatabase(connection, postgres=False)


def _open_postgres(conninfo: str) -> ThinDatabase:
    import psycopg

    connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=READ_TIMEOUT_S)
    return ThinDatabase(connection, postgres=True, pipelined=psycopg.Pipeline.is_supported())


def _usable(db: ThinDatabase) -> bool:
    """Of this schema revision; on PostgreSQL, a server that takes writes too (a read-only one: the usual start
    refuses the sign-in and says why), each statement of the thin read given ``READ_TIMEOUT_S``."""
    if not db.postgres:
        return db.rows(_REVISION) == [(HEAD,)]
    _, revision, read_only = db.batch(
        "SELECT set_config('statement_timeout', :limit, false)", _REVISION, "SHOW transaction_read_only",
        limit=f"{READ_TIMEOUT_S}s",
    )  # fmt: skip
    return revision == [(HEAD,)] and read_only == [("off",)]


_REVISION = "SELECT version_num FROM alembic_version"


@dataclass(frozen=True, slots=True)
class FirstStaff:
    """The staff member signing in, as the first screen needs them."""

    id: int
    login: str
    name: str
    role: Role
    outlet: str | None  # the outlet's name


def signing_in(db: ThinDatabase, login: str) -> tuple[FirstStaff | None, bool]:
    """The active staff member ``login`` (None for an unknown or deactivated login: ``find_staff`` refuses both),
    and whether the database is the demo branch."""
    found, demo = db.batch(
        "SELECT s.id, s.login, s.name, s.role, s.active, o.name FROM staff s "
        "LEFT JOIN outlets o ON o.id = s.outlet_id WHERE s.login = :login",
        """SELECT value FROM branch_meta WHERE "key" = 'is_demo'""",
        login=login,
    )
    if not found or not found[0][4]:
        return None, demo == [("1",)]
    staff_id, login, name, role, _, outlet = found[0]
    return FirstStaff(int(staff_id), login, name, Role(role), outlet), demo == [("1",)]


@dataclass(frozen=True, slots=True)
class SavedSummary:
    text: str
    figures: dict[str, int]


@dataclass(frozen=True, slots=True)
class FirstChecklist:
    """Today's facts of one staff member's list: the counts, the marks (ticked, note) by item, the summary, whether
    they are on leave, and the shelf (for the products read)."""

    counts: ChecklistCounts
    marks: dict[str, tuple[bool, str]]
    summary: SavedSummary | None
    on_leave: bool
    shelf: list[ShelfRow] = field(default_factory=list)


def first_checklist(db: ThinDatabase, staff: FirstStaff, w: DayWindow) -> FirstChecklist:
    """``staff``'s own list for the window's day (``staff`` from ``signing_in``: the signed-in member)."""
    params: dict[str, object] = {
        "staff": staff.id, "day": w.day, "start": w.start, "end": w.end, "now": w.now, "next_start": w.next_start,
        "next_end": w.next_end, "maturing_until": w.maturing_until, "contacted_since": w.contacted_since,
    }  # fmt: skip
    meetings, calls_due, calls, referrals, maturities, next_contacts, marks, summary, leave, shelf = db.batch(
        _MEETINGS, _CALLS_DUE, _CALLS, _REFERRALS, _MATURITIES, _NEXT, _MARKS, _SUMMARY, _LEAVE, _SHELF, **params
    )
    counts: ChecklistCounts = {}  # an empty count is 0 / 0, as the full path's missing one is
    today, today_done, begun, begun_done, next_, next_done = (int(v) for v in meetings[0])
    counts[_M.MEETINGS_CONFIRMED] = Progress(today_done, today)
    counts[_M.MEETINGS_RECORDED] = Progress(begun_done, begun)
    counts[_M.TOMORROW_CONFIRMED] = Progress(next_done, next_)
    for kind, done, pending in calls_due:
        measure = _M.CALLBACKS if kind == TaskKind.CALLBACK else _M.SERVICE_CALLBACKS
        counts[measure] = Progress(int(done), int(done) + int(pending))
    ((made,),) = calls
    counts[_M.CALLS] = Progress(int(made), 0)
    ((answered, waiting),) = referrals
    counts[_M.REFERRALS] = Progress(int(answered), int(answered) + int(waiting))
    for measure, found in ((_M.MATURITIES, maturities), (_M.NEXT_CONTACTS, next_contacts)):
        ((total, done),) = found
        counts[measure] = Progress(int(done), int(total))
    ticks = {item: (bool(ticked), note) for item, ticked, note in marks}
    return FirstChecklist(counts, ticks, _summary(summary), bool(leave), _shelf(db, shelf))


def _summary(found: list[tuple[Any, ...]]) -> SavedSummary | None:
    if not found or found[0][2] is None:
        return None
    text, figures, _ = found[0]
    if isinstance(figures, str):
        figures = json.loads(figures)
    return SavedSummary(text, dict(figures or {}))


def _shelf(db: ThinDatabase, found: list[tuple[Any, ...]]) -> list[ShelfRow]:
    return [
        ShelfRow(
            product_id=int(pid),
            code=code,
            name=name,
            category=ProductCategory(category),
            rating=max((r for r in (issuer, seller) if r is not None), default=None),
            term_days=term,
            expected_yield=None if yield_ is None else Decimal(yield_),
            min_amount=from_fen(int(fen)),
            sale_start=db.day(start),
            sale_end=db.day(end),
            dual_recording=bool(dual),
            cooling_off_hours=int(hours),
            listed_on=db.day(listed),
            read_fingerprint=fingerprint,
            read_at=db.instant(read_at),
            private_placement=bool(private),
            asset_type=None if asset_type is None else AssetType(asset_type),
        )
        for (
            pid,
            code,
            name,
            category,
            issuer,
            seller,
            term,
            yield_,
            fen,
            start,
            end,
            dual,
            hours,
            listed,
            fingerprint,
            read_at,
            private,
            asset_type,
        ) in found
    ]


def _open_at(opened: str, closed: str) -> str:
    """Opened during or before the day and still open when it ended (``checklist_views._open_at``)."""
    return f"({opened} < :end AND ({closed} IS NULL OR {closed} >= :end))"


def _count_if(condition: str) -> str:
    return f"COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"


_TODAY = "(a.starts_at >= :start AND a.starts_at < :end)"
_TOMORROW = "(a.starts_at >= :next_start AND a.starts_at < :next_end)"
_BEGUN = f"({_TODAY} AND a.starts_at < :now)"
_CONFIRMED = f"a.status IN {_in([AppointmentStatus.CONFIRMED, AppointmentStatus.DONE])}"
_OVER = f"a.status IN {_in([AppointmentStatus.DONE, AppointmentStatus.NO_SHOW])}"
_MEETINGS = f"""
SELECT {_count_if(_TODAY)}, {_count_if(f"{_TODAY} AND {_CONFIRMED}")}, {_count_if(_BEGUN)},
       {_count_if(f"{_BEGUN} AND {_OVER}")}, {_count_if(_TOMORROW)}, {_count_if(f"{_TOMORROW} AND {_CONFIRMED}")}
FROM appointments a
WHERE a.staff_id = :staff AND a.status != '{AppointmentStatus.CANCELLED}' AND ({_TODAY} OR {_TOMORROW})
"""
_CLOSED_TODAY = f"(t.status = '{TaskStatus.DONE}' AND t.closed_at >= :start AND t.closed_at < :end)"
_COMPLETED = f"""EXISTS (SELECT 1 FROM contacts c WHERE c.client_id = t.client_id AND c.staff_id = t.staff_id
    AND c.disposition = '{Disposition.SERVICE_DONE}' AND c.started_at >= :start AND c.started_at < :end)"""
_MADE = f"({_CLOSED_TODAY} AND (t.kind != '{TaskKind.SERVICE_CALLBACK}' OR {_COMPLETED}))"
_WAITING = f"({_open_at('t.created_at', 't.closed_at')} OR ({_CLOSED_TODAY} AND NOT {_MADE}))"
_FLAGS = f"""
SELECT t.kind, CASE WHEN {_MADE} THEN 1 ELSE 0 END AS made, CASE WHEN {_WAITING} THEN 1 ELSE 0 END AS waiting
FROM tasks t
WHERE t.staff_id = :staff AND t.kind IN {_in([TaskKind.CALLBACK, TaskKind.SERVICE_CALLBACK])} AND t.due_on <= :day
"""
_CALLS_DUE = f"""
SELECT d.kind, SUM(d.made), SUM(d.waiting)
FROM ({_FLAGS} AND t.closed_at IS NULL UNION ALL {_FLAGS} AND t.closed_at >= :start) d
GROUP BY d.kind
"""
_CALLS = f"""
SELECT COUNT(*) FROM contacts c
WHERE c.staff_id = :staff AND c.channel = '{Channel.PHONE}' AND c.started_at >= :start AND c.started_at < :end
"""
_REFERRALS = f"""
SELECT {_count_if("r.closed_at >= :start AND r.closed_at < :end")},
       {_count_if(_open_at("r.created_at", "r.closed_at"))}
FROM referrals r WHERE r.to_staff_id = :staff AND (r.closed_at IS NULL OR r.closed_at >= :start)
"""
_REACHED = """EXISTS (SELECT 1 FROM contacts c WHERE c.client_id = m.client_id AND c.staff_id = m.staff_id
    AND c.started_at >= :contacted_since AND c.started_at < :end)"""
_MATURITIES = f"""
SELECT COUNT(*), {_count_if(_REACHED)}
FROM (SELECT cl.id AS client_id, cl.manager_id AS staff_id FROM clients cl
      WHERE cl.manager_id = :staff AND (SELECT COUNT(*) FROM holdings h WHERE h.client_id = cl.id
        AND h.status = '{HoldingStatus.ACTIVE}' AND h.maturity_date >= :day AND h.maturity_date <= :maturing_until) > 0
     ) m
"""
_AGREED = f"""(EXISTS (SELECT 1 FROM tasks t WHERE t.client_id = x.client_id AND t.staff_id = x.staff_id
      AND t.due_on >= :day AND {_open_at("t.created_at", "t.closed_at")})
  OR EXISTS (SELECT 1 FROM appointments a WHERE a.client_id = x.client_id AND a.staff_id = x.staff_id
      AND a.starts_at >= :now AND a.status IN {_in([AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED])}))"""
_NEXT = f"""
SELECT COUNT(*), {_count_if(_AGREED)}
FROM (SELECT DISTINCT c.client_id, c.staff_id FROM contacts c
      WHERE c.staff_id = :staff AND c.started_at >= :start AND c.started_at < :end
        AND c.disposition NOT IN {_in(sorted(SETTLING_OUTCOMES))}
        AND NOT EXISTS (SELECT 1 FROM contacts l WHERE l.client_id = c.client_id AND l.staff_id = c.staff_id
                        AND l.started_at > c.started_at AND l.started_at < :end)) x
"""
_MARKS = """
SELECT m.item, m.ticked, m.note FROM checklist_marks m JOIN checklist_days d ON d.id = m.day_id
WHERE d.staff_id = :staff AND d.day = :day ORDER BY m.id
"""
_SUMMARY = """
SELECT summary, summary_figures, summary_saved_at FROM checklist_days WHERE staff_id = :staff AND day = :day
"""
_LEAVE = """
SELECT 1 FROM staff_leave WHERE cancelled_at IS NULL AND staff_id = :staff AND first_day <= :day AND last_day >= :day
"""
_SHELF = """
SELECT p.id, p.code, p.name, p.category, p.issuer_rating, p.seller_rating, p.term_days, p.expected_yield,
       p.min_amount_fen, p.sale_start, p.sale_end, p.dual_recording, p.cooling_off_hours, p.listed_on,
       r.fingerprint, r.read_at, p.private_placement, p.asset_type
FROM products p LEFT JOIN product_reads r ON r.product_id = p.id AND r.staff_id = :staff
WHERE (p.sale_start IS NULL OR p.sale_start <= :day) AND (p.sale_end IS NULL OR p.sale_end >= :day)
  AND (p.listed_on IS NULL OR p.listed_on <= :day)
"""
