"""The scoreboard's running tallies: per CSM and local day, the counts and sums a quarter's figures add up from
(contacts, calls, 回访 satisfaction, sales by category, regular plans, suitability breaches, 回访 on time), kept
current in the same transaction as the writes that change them, so the branch's quarter reads a few thousand
tally rows rather than every contact and sale of the quarter.

A tally is by definition the aggregate of its day's records (``_aggregates``): every write through a session of the
unit of work marks the (CSM, day) buckets it may change, and they are recomputed from the records before the
transaction commits (``install``); an inserted contact, which only adds to its bucket, is added as a delta instead
(one upsert: the call session's every outcome save). Bulk writes past the ORM (imports, the demo builder) rebuild
the tallies in their own transaction (``rebuild``). ``drift`` compares the tallies with the full recomputation
(``csm admin scores verify``).

Days are the branch's local days at the offset the tallies were kept with (``OFFSET_KEY`` in ``meta``); a quarter
whose offset differs, or a policy the tallies cannot answer (a 回访 window over ``DONE_DAYS_CAP`` days), is read
from the records as before.
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    type_coerce,
)
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from csm_tui.domain.enums import Channel, Disposition, ProductCategory, TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.values import from_fen, to_fen
from csm_tui.services.rows import ScoreWindow
from storage.orm import (
    AssessmentRow,
    Base,
    ClientRow,
    ContactRow,
    MetaRow,
    ProductRow,
    SaleRow,
    ScoreTallyRow,
    SuitabilityRow,
    TaskRow,
)
from storage.score_sql import breach_terms, crossed, local_day, per_client_assets
from storage.sql import count_if

OFFSET_KEY = "score_tallies.utc_offset_s"
DEFAULT_OFFSET_S = 8 * 3600  # Asia/Shanghai, the policy's default zone: what a new database's tallies are kept at
DONE_DAYS_CAP = 60  # a 回访 done this many days or more after its sale is tallied as "late" whatever the window
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_BATCH = 5_000
ASSETS = "assets"  # the measures of asset growth (``keep_assets``)

Bucket = tuple[int, int]  # (staff id, local day number)
Tallies = dict[tuple[int, int, str], int]  # (staff id, day, measure) -> amount


def _day(instant: Any, offset_s: int) -> Any:
    return local_day(instant, _number(offset_s))


def _number(value: int) -> Any:
    """A whole number written into the statement: a GROUP BY expression must read the same as its SELECT's."""
    return literal_column(str(int(value)), BigInteger)


def day_number(day: dt.date) -> int:
    return (day - EPOCH.date()).days


def _bounds(day: int, offset_s: int) -> tuple[dt.datetime, dt.datetime]:
    start = EPOCH + dt.timedelta(days=day, seconds=-offset_s)
    return start, start + dt.timedelta(days=1)


def _within(column: Any, width: int | None, staff: Any) -> ColumnElement[bool]:
    """Rows of ``width`` buckets (every row: ``None``) given as parameters ``b_staff_<i>``, ``b_from_<i>``,
    ``b_to_<i>``: ranges on the indexed (staff, instant) columns."""
    if width is None:
        return literal(True)
    return or_(
        *(
            and_(
                staff == bindparam(f"b_staff_{i}"), column >= bindparam(f"b_from_{i}"), column < bindparam(f"b_to_{i}")
            )
            for i in range(width)
        )
    )


_WIDTH = 1  # a bucket per statement: read through the (staff, instant) index on both backends


def _bucket_params(buckets: list[Bucket], offset_s: int) -> list[tuple[int, dict[str, Any]]]:
    """The widths and parameters of ``_within`` for ``buckets``, ``_WIDTH`` at a time."""
    chunks = []
    for i in range(0, len(buckets), _WIDTH):
        part = buckets[i : i + _WIDTH]
        params: dict[str, Any] = {}
        for n, (staff_id, day) in enumerate(part):
            params[f"b_staff_{n}"] = staff_id
            params[f"b_from_{n}"], params[f"b_to_{n}"] = _bounds(day, offset_s)
        chunks.append((len(part), params))
    return chunks


@functools.lru_cache(maxsize=32)
def _statements(offset_s: int, width: int | None) -> tuple[Any, Any, Any]:
    """The aggregate queries of contacts, sales and 回访 by (CSM, local day), built once per offset and width."""
    rated = and_(ContactRow.disposition == Disposition.SERVICE_DONE, ContactRow.satisfaction.is_not(None))
    day = _day(ContactRow.started_at, offset_s)
    contacts = (
        select(
            ContactRow.staff_id,
            day,
            func.count(),
            count_if(ContactRow.channel == Channel.PHONE),
            func.coalesce(func.sum(case((rated, ContactRow.satisfaction), else_=0)), 0),
            count_if(rated),
        )
        .where(_within(ContactRow.started_at, width, ContactRow.staff_id))
        .group_by(ContactRow.staff_id, day)
    )
    unsuitable, unrecorded, record, taken = breach_terms(offset_s)
    day = _day(SaleRow.sold_at, offset_s)
    flag = case((unsuitable, 1), else_=0)
    sales = (
        select(
            SaleRow.staff_id,
            day,
            ProductRow.category,
            func.sum(type_coerce(SaleRow.amount, BigInteger)),
            count_if(SaleRow.regular_plan.is_(True)),
            func.sum(flag),
            func.sum(case((and_(flag == 0, unrecorded), 1), else_=0)),
        )
        .join(ProductRow, ProductRow.id == SaleRow.product_id)
        .outerjoin(record, record.id == SaleRow.suitability_id)
        .outerjoin(taken, taken.id == record.assessment_id)
        .where(SaleRow.cancelled_at.is_(None), _within(SaleRow.sold_at, width, SaleRow.staff_id))
        .group_by(SaleRow.staff_id, day, ProductRow.category)
    )
    late = _day(TaskRow.closed_at, offset_s) - day
    after = case(
        (TaskRow.status != TaskStatus.DONE, _number(-1)),
        (TaskRow.closed_at.is_(None), _number(DONE_DAYS_CAP)),
        (late < _number(0), _number(0)),
        (late >= _number(DONE_DAYS_CAP), _number(DONE_DAYS_CAP)),
        else_=late,
    )
    callbacks = (
        select(SaleRow.staff_id, day, after, func.count())
        .join(
            TaskRow,
            and_(
                TaskRow.origin == TaskOrigin.SALE,
                TaskRow.origin_id == SaleRow.id,
                TaskRow.kind.in_([TaskKind.SERVICE_CALLBACK, TaskKind.SMS]),
            ),
        )
        .where(SaleRow.cancelled_at.is_(None), _within(SaleRow.sold_at, width, SaleRow.staff_id))
        .group_by(SaleRow.staff_id, day, after)
    )
    return contacts, sales, callbacks


def _aggregates(session: Session | Connection, offset_s: int, buckets: Iterable[Bucket] | None = None) -> Tallies:
    """The tallies of ``buckets`` (every bucket: ``None``) worked out from the records; zero amounts left out."""
    found: Tallies = {}

    def add(staff_id: int, day: int, measure: str, amount: Any) -> None:
        if amount:
            key = (int(staff_id), int(day), measure)
            found[key] = found.get(key, 0) + int(amount)

    if buckets is None:
        runs: list[tuple[tuple[Any, Any, Any], dict[str, Any]]] = [(_statements(offset_s, None), {})]
    else:
        listed = sorted(set(buckets))
        runs = [(_statements(offset_s, width), params) for width, params in _bucket_params(listed, offset_s)]
    for (contacts, sales, callbacks), params in runs:
        for staff_id, d, count, calls, sat_sum, sat_count in session.execute(contacts, params):
            add(staff_id, d, "contacts", count)
            add(staff_id, d, "calls", calls)
            add(staff_id, d, "satisfaction_sum", sat_sum)
            add(staff_id, d, "satisfaction_count", sat_count)
        for staff_id, d, category, amount, regular, breaches, unrecorded_count in session.execute(sales, params):
            add(staff_id, d, f"sales:{category}", amount)
            add(staff_id, d, "regular_plans", regular)
            add(staff_id, d, f"unsuitable:{category}", breaches)
            add(staff_id, d, f"unrecorded:{category}", unrecorded_count)
        for staff_id, d, days_after, count in session.execute(callbacks, params):
            add(staff_id, d, "callbacks_open" if days_after < 0 else f"callbacks_done:{int(days_after)}", count)
    return found


_OFFSET = select(MetaRow.value).where(MetaRow.key == OFFSET_KEY)


def offset_of(conn: Session | Connection) -> int:
    value = conn.execute(_OFFSET).scalar()
    return DEFAULT_OFFSET_S if value is None else int(value)


def stored(conn: Session | Connection, buckets: Iterable[Bucket] | None = None) -> Tallies:
    query = select(ScoreTallyRow.staff_id, ScoreTallyRow.day, ScoreTallyRow.measure, ScoreTallyRow.amount)
    if buckets is not None:
        query = query.where(tuple_(ScoreTallyRow.staff_id, ScoreTallyRow.day).in_(list(buckets)))
    return {(s, d, m): int(a) for s, d, m, a in conn.execute(query)}


def _write(conn: Session | Connection, tallies: Mapping[tuple[int, int, str], int]) -> None:
    rows = [{"staff_id": s, "day": d, "measure": m, "amount": a} for (s, d, m), a in tallies.items()]
    for i in range(0, len(rows), _BATCH):
        conn.execute(insert(ScoreTallyRow), rows[i : i + _BATCH])


_MANY = 200  # buckets past which a refresh works every tally out again
_RECORDS = ~ScoreTallyRow.measure.startswith(f"{ASSETS}:")  # the tallies of contacts, sales and 回访


def refresh(conn: Session | Connection, buckets: Iterable[Bucket], offset_s: int | None = None) -> None:
    """Recompute ``buckets`` from their records (kept at ``offset_s``, else the kept offset)."""
    buckets = sorted(set(buckets))
    if not buckets:
        return
    if offset_s is None:
        offset_s = offset_of(conn)
    if len(buckets) > _MANY:  # a product's every sale, say: one pass over the records beats a query per bucket
        conn.execute(delete(ScoreTallyRow).where(_RECORDS))
        _write(conn, _aggregates(conn, offset_s))
        return
    for i in range(0, len(buckets), 200):
        part = buckets[i : i + 200]
        bucket = tuple_(ScoreTallyRow.staff_id, ScoreTallyRow.day).in_(part)
        conn.execute(delete(ScoreTallyRow).where(bucket, _RECORDS))
        _write(conn, _aggregates(conn, offset_s, part))


def rebuild(conn: Session | Connection, offset_s: int | None = None) -> int:
    """Every tally worked out afresh (at ``offset_s``, else the kept offset); the number of tally rows."""
    if offset_s is None:
        offset_s = offset_of(conn)
    elif offset_s != offset_of(conn):
        conn.execute(delete(MetaRow).where(MetaRow.key == OFFSET_KEY))
        conn.execute(insert(MetaRow).values(key=OFFSET_KEY, value=str(offset_s)))
    conn.execute(delete(ScoreTallyRow).where(_RECORDS))
    tallies = _aggregates(conn, offset_s)
    _write(conn, tallies)
    refresh_assets(conn, None)
    return len(tallies)


def drift(conn: Session | Connection) -> list[tuple[int, int, str, int, int]]:
    """Where the tallies differ from the records: (staff id, day, measure, kept, recomputed)."""
    kept, actual = stored(conn), _aggregates(conn, offset_of(conn))
    for key in _asset_keys(conn):
        actual.update(_asset_aggregates(conn, key, None))
    return sorted(
        (s, d, m, kept.get((s, d, m), 0), actual.get((s, d, m), 0))
        for (s, d, m) in kept.keys() | actual.keys()
        if kept.get((s, d, m), 0) != actual.get((s, d, m), 0)
    )


# --- kept current with every write through the unit of work ------------------------------------------------------


def _values(obj: Base, *names: str) -> list[tuple[Any, ...]]:
    """The object's values of ``names`` now and, where a flushed update changed them, before."""
    state = inspect(obj)
    now = tuple(getattr(obj, n) for n in names)
    before = []
    for n in names:
        history = state.attrs[n].history
        before.append(history.deleted[0] if history.deleted else getattr(obj, n))
    return [now, tuple(before)] if tuple(before) != now else [now]


def _buckets_of_sales(conn: Connection, offset_s: int, where: ColumnElement[bool]) -> set[Bucket]:
    query = select(SaleRow.staff_id, _day(SaleRow.sold_at, offset_s)).where(where).distinct()
    return {(int(s), int(d)) for s, d in conn.execute(query)}


def _instant_day(instant: dt.datetime | None, offset_s: int) -> int | None:
    if instant is None:
        return None
    since = instant - EPOCH
    return (since.days * 86400 + since.seconds + offset_s) // 86400


def contact_tallies(contact: ContactRow) -> dict[str, int]:
    """What one contact adds to its (CSM, day)'s tallies: the per-row reading of the contacts aggregate in
    ``_statements`` (a change to one is a change to the other; the drift test holds them together)."""
    added = {"contacts": 1, "calls": int(contact.channel == Channel.PHONE)}
    if contact.disposition == Disposition.SERVICE_DONE and contact.satisfaction is not None:
        added["satisfaction_sum"] = int(contact.satisfaction)
        added["satisfaction_count"] = 1
    return {measure: amount for measure, amount in added.items() if amount}


def _new_contacts(session: Session, offset_s: int, into: Tallies) -> None:
    """Add the tallies of the contacts the flush inserted to ``into``: an insert only adds to its bucket, so it is
    applied as a delta rather than by recomputing the bucket from the records."""
    for obj in session.new:
        if isinstance(obj, ContactRow):
            day = _instant_day(obj.started_at, offset_s)
            if obj.staff_id is None or day is None:
                continue
            for measure, amount in contact_tallies(obj).items():
                key = (obj.staff_id, day, measure)
                into[key] = into.get(key, 0) + amount


def _add(conn: Connection, deltas: Tallies) -> None:
    """Add ``deltas`` to the stored tallies in one statement (a missing tally is inserted)."""
    if not deltas:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ScoreTallyRow)
    statement = statement.on_conflict_do_update(
        index_elements=[ScoreTallyRow.day, ScoreTallyRow.staff_id, ScoreTallyRow.measure],
        set_={"amount": ScoreTallyRow.amount + statement.excluded.amount},
    )
    rows = [{"staff_id": s, "day": d, "measure": m, "amount": a} for (s, d, m), a in sorted(deltas.items())]
    conn.execute(statement, rows)


def dirty_buckets(session: Session, conn: Connection, offset_s: int) -> set[Bucket]:
    """The buckets the session's flushed changes may have changed otherwise than by inserting contacts (which
    ``_new_contacts`` adds as deltas)."""
    buckets: set[Bucket] = set()
    clients: set[int] = set()
    products: set[int] = set()
    sales: set[int] = set()
    inserted = [o for o in session.new if not isinstance(o, ContactRow)]
    for obj in (*inserted, *session.dirty, *session.deleted):
        if isinstance(obj, ContactRow):
            for staff_id, at in _values(obj, "staff_id", "started_at"):
                day = _instant_day(at, offset_s)
                if staff_id is not None and day is not None:
                    buckets.add((staff_id, day))
        elif isinstance(obj, SaleRow):
            for staff_id, at in _values(obj, "staff_id", "sold_at"):
                day = _instant_day(at, offset_s)
                if staff_id is not None and day is not None:
                    buckets.add((staff_id, day))
        elif isinstance(obj, TaskRow):
            sales.update(i for origin, i in _values(obj, "origin", "origin_id") if origin == TaskOrigin.SALE and i)
        elif isinstance(obj, AssessmentRow | SuitabilityRow):
            clients.update(c for (c,) in _values(obj, "client_id") if c is not None)
        elif isinstance(obj, ProductRow) and obj not in session.new:
            products.add(obj.id)
    if sales:
        buckets |= _buckets_of_sales(conn, offset_s, SaleRow.id.in_(sorted(sales)))
    if clients:
        buckets |= _buckets_of_sales(conn, offset_s, SaleRow.client_id.in_(sorted(clients)))
    if products:
        buckets |= _buckets_of_sales(conn, offset_s, SaleRow.product_id.in_(sorted(products)))
    return buckets


_TALLIED = (ContactRow, SaleRow, TaskRow, AssessmentRow, SuitabilityRow, ProductRow, ClientRow)


def _managers(session: Session) -> set[int]:
    """The managers whose clients' current averages or book a flushed change of clients may have changed."""
    found: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, ClientRow):
            continue
        if obj in session.dirty and not any(
            inspect(obj).attrs[name].history.has_changes() for name in ("manager_id", "avg_3m")
        ):
            continue  # another of the client's details: the books' sums stand
        found.update(m for m, _ in _values(obj, "manager_id", "avg_3m") if m is not None)
    return found


_PENDING = "score_tallies.pending"  # in ``Session.info``: the offset, the buckets and books changed so far, deltas


_KEPT_BY: weakref.WeakSet[Any] = weakref.WeakSet()  # engines whose database holds the tallies (revision 0013 on)


def _kept(conn: Connection) -> bool:
    """Whether the database has the tallies (not one at an older revision, written to before its upgrade)."""
    if conn.engine in _KEPT_BY:
        return True
    if inspect(conn).has_table(ScoreTallyRow.__tablename__):
        _KEPT_BY.add(conn.engine)
        return True
    return False


def _after_flush(session: Session, _ctx: UOWTransaction) -> None:
    """Note the buckets and books the flushed changes may have changed (while their history is at hand)."""
    if not any(isinstance(o, _TALLIED) for o in (*session.new, *session.dirty, *session.deleted)):
        return
    conn = session.connection()
    if not _kept(conn):
        return  # the upgrade's migration works them out from the records
    if _PENDING not in session.info:
        session.info[_PENDING] = (offset_of(conn), set(), set(), {})
    offset_s, buckets, managers, deltas = session.info[_PENDING]
    buckets |= dirty_buckets(session, conn, offset_s)
    _new_contacts(session, offset_s, deltas)
    managers |= _managers(session)


def _before_commit(session: Session) -> None:
    """Bring the noted tallies up to date, last thing in the transaction: the buckets changed otherwise than by
    inserted contacts are worked out again from the records (which hold those contacts too), the others get the
    inserted contacts' deltas."""
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    offset_s, buckets, managers, deltas = pending
    conn = session.connection()
    refresh(conn, buckets, offset_s)
    _add(conn, {(s, d, m): a for (s, d, m), a in deltas.items() if (s, d) not in buckets})
    if managers:
        refresh_assets(conn, managers)


def _after_rollback(session: Session) -> None:
    """A whole transaction rolled back: nothing is pending. A savepoint rolled back: the inserts noted may be
    undone, so their buckets are worked out from the records instead."""
    pending = session.info.get(_PENDING)
    if pending is None:
        return
    if not session.in_nested_transaction():
        del session.info[_PENDING]
        return
    _offset, buckets, _books, deltas = pending
    buckets.update((s, d) for s, d, _m in deltas)
    deltas.clear()


def install(factory: sessionmaker[Session]) -> None:
    """Keep the tallies current with every write made through sessions of ``factory``."""
    from sqlalchemy import event

    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_rollback", _after_rollback)


# --- the quarter read from the tallies ----------------------------------------------------------------------------


def quarter_figures(session: Session, window: ScoreWindow, staff_ids: list[int]) -> dict[int, dict[str, Any]] | None:
    """The quarter's contact, sale and 回访 figures of ``staff_ids`` as ``SqlScoreViews.quarter_raw`` names them,
    summed from the tallies; ``None`` where the tallies cannot answer (kept at another offset than the quarter's,
    or a 回访 window they do not tell)."""
    offset_s = offset_of(session)
    first, end = _instant_day(window.start, offset_s), _instant_day(window.end, offset_s)
    assert first is not None and end is not None
    if _bounds(first, offset_s)[0] != window.start or _bounds(end, offset_s)[0] != window.end:
        return None
    cb = window.callback_days
    if not 0 <= cb < DONE_DAYS_CAP:
        return None
    today = _instant_day(window.now, offset_s)
    assert today is not None
    passed = ScoreTallyRow.day + _number(cb) < _number(today)
    query = (
        select(ScoreTallyRow.staff_id, ScoreTallyRow.measure, passed, func.sum(ScoreTallyRow.amount))
        .where(ScoreTallyRow.day >= first, ScoreTallyRow.day < end, ScoreTallyRow.staff_id.in_(staff_ids), _RECORDS)
        .group_by(ScoreTallyRow.staff_id, ScoreTallyRow.measure, passed)
    )
    exempt = {c.value for c in window.recording_exempt}
    figures: dict[int, dict[str, Any]] = {}
    for staff_id, measure, is_passed, amount in session.execute(query):
        mine = figures.setdefault(staff_id, {"sales": {}})
        amount = int(amount)

        def add(name: str, value: int, mine: dict[str, Any] = mine) -> None:
            mine[name] = mine.get(name, 0) + value

        kind, _, detail = measure.partition(":")
        match kind:
            case "sales":
                category = ProductCategory(detail)
                mine["sales"][category] = mine["sales"].get(category, Decimal(0)) + from_fen(amount)
            case "unsuitable":
                add("breaches", amount)
            case "unrecorded":
                if detail not in exempt:
                    add("breaches", amount)
            case "callbacks_open":
                if is_passed:
                    add("callbacks_due", amount)
            case "callbacks_done":
                add("callbacks_due", amount)
                if int(detail) <= cb:
                    add("callbacks_on_time", amount)
            case _:
                add(kind, amount)
    return figures


# --- asset growth: per CSM, sums over the book they manage now -----------------------------------------------------
#
# Kept for each (eve, end, threshold) a scoreboard has asked for (``keep_assets``, when the averages are kept):
# under the eve's day number, measures ``assets:<end or now>:<threshold fen>:before|after|crossed``; a marker row
# of staff 0 says the key is kept (a CSM with no such clients has no rows).

AssetKey = tuple[dt.date, dt.date | None, int]  # (eve, end or None: now, 交银 threshold in fen)


def _asset_measure(key: AssetKey) -> str:
    _, after, threshold = key
    return f"{ASSETS}:{'now' if after is None else after.isoformat()}:{threshold}"


def _asset_keys(conn: Session | Connection) -> list[AssetKey]:
    query = select(ScoreTallyRow.day, ScoreTallyRow.measure).where(
        ScoreTallyRow.staff_id == 0, ScoreTallyRow.measure.startswith(f"{ASSETS}:")
    )
    keys = []
    for day, measure in conn.execute(query):
        _, after, threshold = measure.split(":")
        end = None if after == "now" else dt.date.fromisoformat(after)
        keys.append((EPOCH.date() + dt.timedelta(days=day), end, int(threshold)))
    return keys


def _asset_aggregates(conn: Session | Connection, key: AssetKey, managers: set[int] | None) -> Tallies:
    before, after, threshold = key
    mine = ClientRow.manager_id.is_not(None) if managers is None else ClientRow.manager_id.in_(sorted(managers))
    per_client = per_client_assets(before, after, mine).subquery()
    query = select(
        per_client.c.staff_id,
        func.sum(per_client.c.before),
        func.sum(per_client.c.after),
        count_if(crossed(per_client, threshold)),
        func.count(),
    ).group_by(per_client.c.staff_id)
    day, measure = day_number(before), _asset_measure(key)
    found: Tallies = {(0, day, measure): 1}
    for staff_id, total_before, total_after, count, clients in conn.execute(query):
        values = (("before", total_before), ("after", total_after), ("crossed", count), ("clients", clients))
        for name, value in values:
            if value:
                found[(int(staff_id), day, f"{measure}:{name}")] = int(value)
    return found


def _asset_rows(key: AssetKey, managers: set[int] | None) -> ColumnElement[bool]:
    measure = _asset_measure(key)
    rows = and_(ScoreTallyRow.day == day_number(key[0]), ScoreTallyRow.measure.startswith(f"{measure}:"))
    return rows if managers is None else and_(rows, ScoreTallyRow.staff_id.in_(sorted(managers)))


def refresh_assets(conn: Session | Connection, managers: set[int] | None) -> None:
    """Recompute the kept asset tallies of ``managers`` (everyone: ``None``)."""
    for key in _asset_keys(conn):
        conn.execute(delete(ScoreTallyRow).where(_asset_rows(key, managers)))
        tallies = _asset_aggregates(conn, key, managers)
        del tallies[(0, day_number(key[0]), _asset_measure(key))]  # the marker stays
        _write(conn, tallies)


def keep_assets(conn: Session | Connection, key: AssetKey) -> bool:
    """Keep the asset tallies of ``key`` unless kept already; whether it kept them."""
    marker = select(ScoreTallyRow.amount).where(
        ScoreTallyRow.staff_id == 0,
        ScoreTallyRow.day == day_number(key[0]),
        ScoreTallyRow.measure == _asset_measure(key),
    )
    if conn.execute(marker).first() is not None:
        return False
    _write(conn, _asset_aggregates(conn, key, None))
    return True


def asset_key(window: ScoreWindow) -> AssetKey | None:
    if window.assets_before is None:
        return None
    return window.assets_before, window.assets_after, to_fen(window.jiaoyin)


def quarter_assets(
    session: Session, window: ScoreWindow, staff_ids: list[int]
) -> list[tuple[int, Decimal, Decimal, int]] | None:
    """The quarter's asset figures as ``SqlScoreViews._assets`` gives them, from the tallies; ``None``: not kept."""
    key = asset_key(window)
    if key is None:
        return []
    measure = _asset_measure(key)
    query = select(ScoreTallyRow.staff_id, ScoreTallyRow.measure, ScoreTallyRow.amount).where(
        ScoreTallyRow.day == day_number(key[0]),
        ScoreTallyRow.measure.startswith(f"{measure}"),
        ScoreTallyRow.staff_id.in_([0, *staff_ids]),
    )
    found: dict[int, dict[str, int]] = {}
    marked = False
    for staff_id, name, amount in session.execute(query):
        if staff_id == 0 and name == measure:
            marked = True
        elif name.startswith(f"{measure}:"):
            found.setdefault(staff_id, {})[name.rsplit(":", 1)[1]] = int(amount)
    if not marked:
        return None
    return [
        (staff_id, from_fen(v.get("before", 0)), from_fen(v.get("after", 0)), v.get("crossed", 0))
        for staff_id, v in found.items()
    ]
