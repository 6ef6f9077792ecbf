"""The read model behind today's call queue: what is due, who is out, and who could be topped up.

One statement, scoped to one CSM's clients (after the data dates, which shape the money-at-risk part): every source
of the queue is a part of one ``UNION ALL`` whose rows carry a tag (``kind``) and the columns of ``COLUMNS``, the
parts a source's other parts build on (the clients picked for money at risk, the ids of every candidate) being
``WITH`` queries, so no list of client ids goes to the database and back. The queue's rules (priority, one row per
client, the daily target) are applied by ``csm_tui.services.calls.queue``; the rules that need Python (an
assessment's end, a birthday, the exact tier forecast) run on the rows here, as ``RiskReads.candidates`` does.

Each source's rows come in a stated order (``ORDER BY`` below), which the queue keeps among calls of the same
priority and due time: maturities by the day they mature, ID expiries by the expiry, tasks and meetings by their
own ids, the rest by client.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CTE,
    Boolean,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    Text,
    and_,
    any_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine

from csm_tui.domain.enums import (
    AppointmentStatus,
    Channel,
    Disposition,
    HoldingStatus,
    ProductCategory,
    ProspectCallKind,
    QueueReason,
    ReferralKind,
    ReferralStatus,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.rules.cadence import CALL_TASKS, NOT_REACHED, RETRIES_FOLLOWED, SPOKEN
from csm_tui.services.rows import Candidate, ProspectCallDue, QueueSources, QueueWindow, Retry
from storage.access import wode_called
from storage.leave import covering, latest_begun
from storage.orm import (
    AppointmentRow,
    AssessmentRow,
    ClientRow,
    ContactRow,
    Fen,
    HoldingRow,
    LeaveRow,
    ProductRow,
    ProspectRow,
    ProspectTaskRow,
    ReferralRow,
    SaleRow,
    TaskRow,
    UTCDateTime,
)
from storage.prospects import due_prospect_calls
from storage.risk_sources import RiskReads, param

WEALTH_CATEGORIES = (ProductCategory.WEALTH, ProductCategory.FUND, ProductCategory.INSURANCE)

# The columns every part of the statement yields (NULL where a part has nothing to say), by name and type.
COLUMNS: dict[str, TypeEngine[Any]] = {
    "client_id": Integer(),
    "client_name": String(32),
    "avg_3m": Fen(),
    "seq": Integer(),  # the row's own id (a task, a holding), or a prospect's rank: the order within a client
    "task_kind": String(32),
    "due_on": Date(),
    "due_at": UTCDateTime(),
    "note": Text(),
    "product": String(64),
    "on": Date(),  # the day the reason is about: a maturity, an ID's expiry, an assessment's stored end
    "taken_at": UTCDateTime(),
    "balance": Fen(),
    "balance_before": Fen(),
    "avg_3m_low": Fen(),
    "assets_as_of": Date(),
    "resident_id": String(18),
    "lunar_birthday": Integer(),
    "greet": Boolean(),
    "first_day": Date(),
    "last_day": Date(),
    "part": Integer(),  # a prospect's kind (its index in ``_prospect_kinds``)
    "prospect_id": Integer(),  # a call to someone not a client yet (``_prospect_calls``)
    "attempt": Integer(),  # a callback after unanswered calls: the how-manyth call it is (``_retries``)
    "first_kind": String(32),  # the kind and note of the task the first of those calls was made on
    "first_note": Text(),
    "wode": Boolean(),  # a referral's task: the referral is a 沃德 one, not a walk-in
}
CLIENT_COLUMNS = {"client_id": ClientRow.id, "client_name": ClientRow.name, "avg_3m": ClientRow.avg_3m}
# The client's columns the parts read from the CSM's book (``_book``), by name.
BOOK_COLUMNS = {
    "id": ClientRow.id, "name": ClientRow.name, "avg_3m": ClientRow.avg_3m, "balance": ClientRow.balance,
    "balance_before": ClientRow.balance_before, "avg_3m_low": ClientRow.avg_3m_low,
    "assets_as_of": ClientRow.assets_as_of, "resident_id": ClientRow.resident_id,
    "lunar_birthday": ClientRow.lunar_birthday, "id_expiry": ClientRow.id_expiry,
    "id_long_term": ClientRow.id_long_term,
}  # fmt: skip


def load_queue_sources(session: Session, staff_id: int, w: QueueWindow) -> QueueSources:
    reads = RiskReads.read(session, staff_id, w)
    postgresql = _on_postgresql(session)
    shape = (*reads.shape(), w.id_expiry_until is not None, w.prospects > 0, postgresql)
    statement = _STATEMENTS.get(shape)
    if statement is None:
        statement = _STATEMENTS[shape] = _constants_written(_statement(reads, arrays=postgresql))
    # Through the session's connection: a Core statement's rows need none of the ORM's handling of results (about
    # 1 ms of the queue's thousand rows).
    connection = session.connection()
    if postgresql:  # planned once for any values, not anew on each run (``_constants_written``)
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    try:
        found = connection.execute(statement, reads.values() | _values(w)).all()
    finally:
        if postgresql and _transaction_usable(connection):  # the unit's other statements as the connection says
            connection.exec_driver_sql("SET LOCAL plan_cache_mode = DEFAULT")
    rows: dict[str, list[Any]] = defaultdict(list)
    for row in found:
        rows[row.kind].append(row)
    return _sources(rows, w, reads)


# The statement of each shape (which parts it has, and whether the database is PostgreSQL), built once: building
# it anew would cost more than running it.
_STATEMENTS: dict[tuple[bool, ...], Any] = {}


def _transaction_usable(connection: Connection) -> bool:
    """Whether the connection's transaction takes another statement: not one a failed statement aborted (its
    rollback ends the unit's settings anyway), nor a connection lost, whose own error is the one to report."""
    import psycopg  # loaded already on PostgreSQL; SQLite's start-up does without it

    driver = connection.connection.dbapi_connection
    return (
        isinstance(driver, psycopg.Connection)
        and driver.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    )


def _constants_written(statement: Any) -> Any:
    """``statement`` with the values it holds (the parts' kinds, statuses, channels, limits) written into its SQL
    instead of sent as parameters: only the values ``param`` names are, those of the CSM and the day.

    The statement is built once and run for any CSM on any day, so the values it holds are constants of the code,
    never a user's (a date or an amount among them is refused: it would be a run's, kept by mistake). Written in,
    they let PostgreSQL plan the statement once for any values (its generic plan, kept with the statement psycopg
    prepares on its sixth run) nearly as well as it plans each run for its own, and each run saves planning its 19
    parts: 22 against 26 ms at 60,000 clients, 28 against 32 ms at 1,000,000 (the statement alone, through
    psycopg). Sent as parameters, they made the plan for any values slower than planning each run, 37 against 33
    ms: the planner judged the tasks' conditions without their values (and started a parallel worker for them), and
    each ``IN`` list of parameters built its array again on every row it tested. The plan for any values reads the
    book through the manager's index for a book of the branch's average size (from the table's pages where a book
    of 3,000 would be read from the index alone)."""

    def written(bind: BindParameter[Any]) -> None:
        if bind.required:  # a ``param``: its value comes with each run
            return
        values = bind.value if isinstance(bind.value, list | tuple) else [bind.value]
        if not all(isinstance(value, str | int | float) for value in values):  # enums are str or int
            raise TypeError(f"a value of the run written into the queue's statement: {bind.key}")
        bind.literal_execute = True

    return visitors.cloned_traverse(statement, {}, {"bindparam": written})


def _values(w: QueueWindow) -> dict[str, Any]:
    """The values of the statement's bound parameters (``param``) for the window ``w``."""
    return {
        "today": w.today, "now": w.now, "day_start": w.day_start, "day_end": w.day_end,
        "maturity_until": w.maturity_until, "assessment_until": w.assessment_until,
        "assessment_taken_before": w.validity.ending_by(w.assessment_until),
        "confirm_start": w.confirm_start, "confirm_end": w.confirm_end, "quiet_since": w.quiet_since,
        "settled_since": w.settled_since, "contacts_since": min(w.quiet_since, w.settled_since, w.day_start),
        "contacted_since": w.contacted_since, "id_expiry_until": w.id_expiry_until,
        "idle_min": w.idle_min, "near_wode_low": w.near_wode[0], "near_wode_high": w.near_wode[1],
        "near_jiaoyin_low": w.near_jiaoyin[0], "near_jiaoyin_high": w.near_jiaoyin[1], "prospects": w.prospects,
    }  # fmt: skip


def _part(kind: str, source: Any = None, **columns: Any) -> Select[Any]:
    """One part of the statement: ``columns`` under their names in ``COLUMNS`` (typed), the others NULL."""
    values = [
        (type_coerce(columns[name], type_) if name in columns else cast(null(), type_)).label(name)
        for name, type_ in COLUMNS.items()
    ]
    part = select(literal(kind, String(16)).label("kind"), *values)
    return part.select_from(source) if source is not None else part


def _statement(reads: RiskReads, *, arrays: bool) -> Any:
    """The queue's statement; ``arrays``: PostgreSQL's read of the book's holdings (``_active_holdings``)."""
    w = reads.w
    staff_id = param("staff_id", Integer())
    book = _book(ClientRow.manager_id == staff_id).cte("book")
    active = _active_holdings(book, arrays=arrays)
    maturing = _maturing(active)
    listed = [  # the parts listing clients to phone (or to top the queue up with)
        _tasks(staff_id),
        _maturities(maturing),
        _confirmations(staff_id),
        _assessments(maturing, book),
    ]
    if w.id_expiry_until is not None:
        listed.append(
            _part("id_expiry", book, client_id=book.c.id, client_name=book.c.name, avg_3m=book.c.avg_3m,
                  on=book.c.id_expiry, seq=func.row_number().over(order_by=(book.c.id_expiry, book.c.id)))
            .where(book.c.id_long_term.is_(False), book.c.id_expiry <= param("id_expiry_until", Date()))
        )  # fmt: skip
    more = []
    picks = reads.picked(book)
    if picks is not None:
        picked = picks.cte("picked")
        listed.append(_part("picked", picked, **{name: picked.c[name] for name in picked.c.keys()}))  # noqa: SIM118
        at_risk = reads.at_risk(picked)
        if at_risk is not None:
            risky = at_risk.cte("at_risk")
            more.append(_part("at_risk", risky, client_id=risky.c.client_id))
            spans = reads.spans(risky).subquery()
            more.append(
                _part("span", spans, client_id=spans.c.client_id, first_day=spans.c.first_day,
                      last_day=spans.c.last_day, balance=spans.c.balance)
            )  # fmt: skip
        earlier = reads.earlier(picked)
        if earlier is not None:
            found = earlier.subquery()
            more.append(_part("earlier", found, client_id=found.c.client_id, balance_before=found.c.before))
    if w.prospects > 0:
        near = (
            (param("near_wode_low", Fen()), param("near_wode_high", Fen())),
            (param("near_jiaoyin_low", Fen()), param("near_jiaoyin_high", Fen())),
        )
        limit = param("prospects", Integer())
        prospects = _prospects_query(book, param("idle_min", Fen()), near, limit, active).cte(
            "precision"
        )  # not "prospects": the table of people not clients yet, read by ``_prospect_calls``
        listed.append(
            _part("prospect", prospects, client_id=prospects.c.client_id, client_name=prospects.c.client_name,
                  avg_3m=prospects.c.avg_3m, seq=prospects.c.rank, part=prospects.c.part)
        )  # fmt: skip
    sources = [part.cte(f"listed_{n}") for n, part in enumerate(listed)]
    # Who is out, who was reached lately and which prospects were contacted, among every client listed; and
    # today's calls.
    ids = union_all(*(select(source.c.client_id) for source in sources)).cte("listed")
    recent = _recent_contacts(ids, arrays=arrays).cte("recent")
    more.append(_excluded(staff_id, ids, recent))
    more.append(_part("settled", recent, client_id=recent.c.client_id).where(recent.c.settled == 1))
    if w.prospects > 0:
        since = param("contacted_since", UTCDateTime())
        contacted = _contacted(select(prospects.c.client_id), since).subquery()
        more.append(_part("contacted", contacted, client_id=contacted.c.client_id))
    day = (param("day_start", UTCDateTime()), param("day_end", UTCDateTime()))
    more.append(_part("calls", seq=func.count()).where(*_calls_made(staff_id, *day)))
    more.append(_prospect_calls(staff_id))
    more.extend(_leave(staff_id))
    # a 沃德 client manager's calls on clients whose referral to them is still open: said so (not theirs yet)
    open_to_them = wode_called(staff_id, ReferralStatus.OPEN)
    pending = select(ids.c.client_id).where(ids.c.client_id.in_(open_to_them)).distinct().subquery()
    more.append(_part("pending", pending, client_id=pending.c.client_id))
    everything = union_all(*(select(source) for source in sources), *more).subquery()
    c = everything.c
    return select(everything).order_by(c.kind, c.seq, c.client_id)


def _sources(rows: dict[str, list[Any]], w: QueueWindow, reads: RiskReads) -> QueueSources:
    candidates = [
        *(_candidate(r, _task_reason(r), r.due_on, task_id=r.seq, due_at=r.due_at, note=r.note,
                     retry=_retry(r)) for r in rows["task"]),
        *(_candidate(r, QueueReason.MATURITY, w.today, product=r.product, on=r.on) for r in rows["maturity"]),
        *(_candidate(r, QueueReason.APPOINTMENT_CONFIRM, w.today, due_at=r.due_at) for r in rows["confirm"]),
        *_assessments_due(rows["assessment"], w),
        *(_candidate(r, QueueReason.ID_EXPIRY, min(r.on, w.today), on=r.on) for r in rows["id_expiry"]),
        *reads.candidates(
            rows["picked"],
            {r.client_id for r in rows["at_risk"]},
            rows["span"],
            {r.client_id: r.balance_before for r in rows["earlier"]},
        ),
    ]  # fmt: skip
    prospects = sorted(rows["prospect"], key=lambda r: (r.part, r.seq))
    kinds = _prospect_kinds()
    return QueueSources(
        candidates=candidates,
        prospects=[_candidate(r, kinds[r.part], w.today) for r in prospects],
        excluded=frozenset(r.client_id for r in rows["out"]),
        calls_today=int(rows["calls"][0].seq),
        settled=frozenset(r.client_id for r in rows["settled"]),
        contacted=frozenset(r.client_id for r in rows["contacted"]),
        pending=frozenset(r.client_id for r in rows["pending"]),
        leave_until=rows["leave"][0].last_day if rows["leave"] else None,
        covering=bool(rows["covering"]),
        prospect_calls=[  # what is overdue first, then by the time agreed (a retry's), then as taken
            ProspectCallDue(r.seq, r.prospect_id, r.client_name, ProspectCallKind(r.task_kind), r.due_on, r.due_at)
            for r in sorted(rows["prospect_call"], key=lambda r: (r.due_on, r.due_at is None, r.due_at or w.now, r.seq))
        ],
    )


def _retry(row: Any) -> Retry | None:
    if row.attempt is None:
        return None
    return Retry(row.attempt, TaskKind(row.first_kind) if row.first_kind else None, row.first_note or "")


# --- calls to prospects (潜在客户), people who are not clients yet: a part of their own, by prospect, not client --


def _prospect_calls(staff_id: ColumnElement[int]) -> Select[Any]:
    """The CSM's open prospect calls due by today, of prospects who may be called (``storage.prospects``)."""
    return (
        _part("prospect_call", ProspectTaskRow, prospect_id=ProspectTaskRow.prospect_id, client_name=ProspectRow.name,
              seq=ProspectTaskRow.id, task_kind=ProspectTaskRow.kind, due_on=ProspectTaskRow.due_on,
              due_at=ProspectTaskRow.due_at)
        .join(ProspectRow, ProspectRow.id == ProspectTaskRow.prospect_id)
        .where(*due_prospect_calls(ProspectTaskRow.staff_id == staff_id, param("today", Date())))
    )  # fmt: skip


def _leave(staff_id: ColumnElement[int]) -> list[Select[Any]]:
    """The CSM's own leave begun by today that ends last (its last day), and whether anyone's leave names them as
    cover today: the queue's leave of the day (``services.calls.leave_queue``) reads no more unless there is one."""
    today = param("today", Date())
    latest = latest_begun(staff_id, today).subquery()
    return [
        _part("leave", latest, seq=latest.c.id, last_day=latest.c.last_day),
        _part("covering", LeaveRow, seq=LeaveRow.id).where(*covering(staff_id, today)),
    ]


# ----------------------------------------------------------------------------------------------------------------


def _task_reason(row: Any) -> QueueReason:
    return QueueReason.WODE_REFERRAL if row.wode else CALL_TASKS[TaskKind(row.task_kind)]


def _candidate(row: Any, reason: QueueReason, due_on: dt.date, **more: Any) -> Candidate:
    """A candidate from a row carrying the client's columns."""
    return Candidate(
        client_id=row.client_id, client_name=row.client_name, reason=reason, due_on=due_on, avg_3m=row.avg_3m, **more
    )


def _calls_made(staff_id: Any, start: Any, end: Any) -> list[ColumnElement[bool]]:
    return [
        ContactRow.staff_id == staff_id,
        ContactRow.channel == Channel.PHONE,
        ContactRow.started_at >= start,
        ContactRow.started_at < end,
    ]


def calls_made(session: Session, staff_id: int, start: dt.datetime, end: dt.datetime) -> int:
    """The staff member's phone calls from ``start`` to ``end``."""
    return session.scalar(select(func.count()).where(*_calls_made(staff_id, start, end))) or 0


def _contacted(ids: Select[Any], since: ColumnElement[dt.datetime]) -> Select[Any]:
    """Of ``ids``: clients with a contact since ``since``."""
    return select(ContactRow.client_id).where(ContactRow.client_id.in_(ids), ContactRow.started_at >= since)


def _tasks(staff_id: ColumnElement[int]) -> Select[Any]:
    retried = _retries(staff_id)
    return (
        _part("task", TaskRow, **CLIENT_COLUMNS, seq=TaskRow.id, task_kind=TaskRow.kind, due_on=TaskRow.due_on,
              due_at=TaskRow.due_at, note=TaskRow.note, attempt=retried.c.attempt, first_kind=retried.c.first_kind,
              first_note=retried.c.first_note, wode=_wode_referral())
        .join(ClientRow, ClientRow.id == TaskRow.client_id)
        .outerjoin(retried, retried.c.task_id == TaskRow.id)
        .where(_open_calls(staff_id), TaskRow.kind.in_(list(CALL_TASKS)))
    )  # fmt: skip


def _wode_referral() -> ColumnElement[bool]:
    """The task is a 沃德 referral's (a walk-in's is the other referral with a call): its referral read by id (a
    scalar subquery, as in ``_excluded``, rather than the branch's 沃德 referrals hashed)."""
    kind = select(ReferralRow.kind).where(ReferralRow.id == TaskRow.origin_id).scalar_subquery()
    return and_(TaskRow.origin == TaskOrigin.REFERRAL, kind == ReferralKind.WODE)


def _open_calls(staff_id: ColumnElement[int]) -> ColumnElement[bool]:
    """The CSM's open tasks due by today."""
    today = param("today", Date())
    return and_(TaskRow.staff_id == staff_id, TaskRow.status == TaskStatus.OPEN, TaskRow.due_on <= today)


def _retries(staff_id: ColumnElement[int]) -> Any:
    """The CSM's open callbacks due by today that the cadence booked after unanswered calls, followed back call by
    call (a retry's contact names the task it called, itself perhaps a retry): the how-manyth call each is, and the
    kind and note of the task the first call was made on (NULL: a call made with no task)."""
    called = aliased(TaskRow)
    chain = (
        select(TaskRow.id.label("task_id"), TaskRow.id.label("at"), literal(1, Integer()).label("attempt"))
        .where(_open_calls(staff_id), TaskRow.kind == TaskKind.CALLBACK)
        .cte("retried_calls", recursive=True)
    )
    chain = chain.union_all(
        select(chain.c.task_id, ContactRow.task_id, chain.c.attempt + 1)
        .join(called, called.id == chain.c.at)
        .join(ContactRow, ContactRow.id == called.origin_id)
        .where(
            called.kind == TaskKind.CALLBACK,
            called.origin == TaskOrigin.CONTACT,
            ContactRow.disposition == Disposition.NO_ANSWER,
            chain.c.attempt < RETRIES_FOLLOWED,
        )
    )
    deepest = func.row_number().over(partition_by=chain.c.task_id, order_by=chain.c.attempt.desc())
    ranked = select(chain.c.task_id, chain.c.at, chain.c.attempt, deepest.label("rank")).subquery()
    first = aliased(TaskRow)
    return (
        select(ranked.c.task_id, ranked.c.attempt, first.kind.label("first_kind"), first.note.label("first_note"))
        .outerjoin(first, first.id == ranked.c.at)
        .where(ranked.c.rank == 1, ranked.c.attempt > 1)
        .subquery("retried")
    )


def _book(own: ColumnElement[bool]) -> Any:
    """The clients ``own`` picks (a CSM's book), with the columns the parts read: read once through the manager's
    index, the parts that look at every client of the book (ID expiries, money at risk and birthdays, idle
    deposits) filter these rows instead of reading the clients again."""
    return select(*(column.label(name) for name, column in BOOK_COLUMNS.items())).where(own)


def _on_postgresql(session: Session) -> bool:
    """Whether the database is PostgreSQL (which has arrays, and keeps plans; SQLite does neither)."""
    return session.get_bind().dialect.name == "postgresql"


def _active_holdings(book: CTE, *, arrays: bool) -> CTE:
    """The active holdings of the clients of ``book``, each client's read through the holdings' index by client: as
    many whatever the branch's size, read once for the maturities, the assessments and the idle deposits.

    PostgreSQL reads them for the array of the book's ids (``client_id = ANY (array(...))``): one scan of the
    index looking up each id in turn, a millisecond or two faster than joining the book to the index ``LATERAL``
    at 60,000 and 1,000,000 clients (a plain join would match the whole branch's maturing or active holdings,
    40,000 or 150,000 at 300,000 clients, to the book by hash). SQLite, which has no arrays, starts a plain join's
    nested loops from the book, and keeps its rows when the prospects read them too, whose idle deposits group
    them. (Grouping the join itself, SQLite would read every holding in the index's order to spare a sort:
    ``precision_prospects`` on SQLite reads each client's holdings in subqueries instead.)
    """
    held = select(HoldingRow.id, HoldingRow.client_id, HoldingRow.product_id, HoldingRow.maturity_date,
                  HoldingRow.amount)  # fmt: skip
    active = HoldingRow.status == HoldingStatus.ACTIVE
    if arrays:
        return held.where(_among(HoldingRow.client_id, select(book.c.id), arrays=True), active).cte("active_holdings")
    mine = and_(HoldingRow.client_id == book.c.id, active)
    return held.select_from(book).join(HoldingRow, mine).cte("active_holdings")


def _among(column: InstrumentedAttribute[int], ids: Select[Any], *, arrays: bool) -> ColumnElement[bool]:
    """``column`` is one of ``ids``; with ``arrays`` (PostgreSQL), for the array of the ids: one scan of the index on
    ``column`` looking up each id in turn, which the planner cannot turn into a hash of the whole table."""
    if arrays:
        return column == any_(func.array(ids.scalar_subquery()))
    return column.in_(ids)


def _maturing(active: CTE) -> CTE:
    """The CSM's active holdings (``active``: the book's) maturing from today up to the later of the maturity and
    the assessment lead days, for both."""
    later = case(
        (param("maturity_until", Date()) > param("assessment_until", Date()), param("maturity_until", Date())),
        else_=param("assessment_until", Date()),
    )
    c = active.c
    return (
        select(c.id, c.client_id, c.product_id, c.maturity_date)
        .where(c.maturity_date >= param("today", Date()), c.maturity_date <= later)
        .cte("maturing")
    )


def _maturities(maturing: CTE) -> Select[Any]:
    return (
        _part("maturity", maturing, **CLIENT_COLUMNS, product=ProductRow.name, on=maturing.c.maturity_date,
              seq=func.row_number().over(order_by=(maturing.c.maturity_date, maturing.c.id)))
        .join(ClientRow, ClientRow.id == maturing.c.client_id)
        .join(ProductRow, ProductRow.id == maturing.c.product_id)
        .where(maturing.c.maturity_date <= param("maturity_until", Date()))
    )  # fmt: skip


def _confirmations(staff_id: ColumnElement[int]) -> Select[Any]:
    return (
        _part("confirm", AppointmentRow, **CLIENT_COLUMNS, seq=AppointmentRow.id, due_at=AppointmentRow.starts_at)
        .join(ClientRow, ClientRow.id == AppointmentRow.client_id)
        .where(
            AppointmentRow.staff_id == staff_id,
            AppointmentRow.starts_at >= param("confirm_start", UTCDateTime()),
            AppointmentRow.starts_at < param("confirm_end", UTCDateTime()),
            AppointmentRow.status == AppointmentStatus.BOOKED,
        )
    )


def _assessments(maturing: CTE, book: CTE) -> Select[Any]:
    """Clients with a holding maturing by ``assessment_until``, with their latest assessment (by when it was taken,
    as ``assessments.latest`` reads it for the call card and the 4S check) when it may end by then: none, a stored
    end by then, or taken early enough for the policy's validity to end it by then (``_assessments_due`` judges).
    Their names and averages come from ``book``, read already."""
    clients = (
        select(maturing.c.client_id)
        .where(maturing.c.maturity_date <= param("assessment_until", Date()))
        .distinct()
        .subquery()
    )
    latest = (
        select(AssessmentRow.id)
        .where(AssessmentRow.client_id == clients.c.client_id)
        .order_by(AssessmentRow.taken_at.desc(), AssessmentRow.id.desc())
        .limit(1)
        .correlate(clients)
        .scalar_subquery()
    )
    return (
        _part("assessment", clients, client_id=book.c.id, client_name=book.c.name, avg_3m=book.c.avg_3m,
              on=AssessmentRow.valid_until, taken_at=AssessmentRow.taken_at)
        .join(book, book.c.id == clients.c.client_id)
        .outerjoin(AssessmentRow, AssessmentRow.id == latest)
        .where(
            or_(
                AssessmentRow.id.is_(None),
                AssessmentRow.valid_until <= param("assessment_until", Date()),
                AssessmentRow.taken_at < param("assessment_taken_before", UTCDateTime()),
            )
        )
    )  # fmt: skip


def _assessments_due(rows: list[Any], w: QueueWindow) -> list[Candidate]:
    found = []
    for r in rows:
        valid = None if r.on is None else w.validity.end(r.on, r.taken_at)
        if valid is None or valid <= w.assessment_until:
            found.append(_candidate(r, QueueReason.ASSESSMENT, w.today, on=valid))
    return found


def _prospect_kinds() -> tuple[QueueReason, ...]:
    return (QueueReason.IDLE_DEPOSITS, QueueReason.NEAR_WODE, QueueReason.NEAR_JIAOYIN)


def precision_prospects(
    session: Session, own: ColumnElement[bool], today: dt.date, idle_min: Decimal,
    near: tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]], limit: int,
) -> list[Candidate]:  # fmt: skip
    """The precision-marketing prospects among the clients ``own`` picks, at most ``limit`` of each kind: idle
    deposits with no wealth product (most idle first), then just under 沃德 and 交银理财 (``near``: the ranges)."""
    if limit <= 0:
        return []
    book = _book(own).cte("book")
    active = _active_holdings(book, arrays=True) if _on_postgresql(session) else None  # see _active_holdings
    everything = _prospects_query(book, idle_min, near, limit, active).subquery()
    rows = session.execute(select(everything).order_by(everything.c.part, everything.c.rank))
    kinds = _prospect_kinds()
    return [_candidate(r, kinds[r.part], today) for r in rows]


def _prospects_query(book: CTE, idle_min: Any, near: Any, limit: Any, active: CTE | None) -> Any:
    """The prospects' one query among the clients of ``book`` (``_book``): ``part`` is the kind's index in
    ``_prospect_kinds``, ``rank`` the order within it. The idle deposits read each client's active holdings through
    their index by client (as many per client whatever the branch's size): what they hold, and whether any is a
    wealth product (``active``: the book's active holdings, when read beforehand)."""
    products = select(ProductRow.id).where(ProductRow.category.in_(WEALTH_CATEGORIES))  # read once
    source: Any = book
    held: ColumnElement[Any]
    holds_wealth: ColumnElement[Any]
    if active is not None:
        wealth = func.max(case((active.c.product_id.in_(products), 1), else_=0))
        holdings = (
            select(active.c.client_id, func.sum(active.c.amount).label("held"), wealth.label("wealth"))
            .group_by(active.c.client_id)
            .subquery()
        )
        source = book.outerjoin(holdings, holdings.c.client_id == book.c.id)
        held, holds_wealth = holdings.c.held, holdings.c.wealth
    else:
        mine = and_(HoldingRow.client_id == book.c.id, HoldingRow.status == HoldingStatus.ACTIVE)
        wealth = func.max(case((HoldingRow.product_id.in_(products), 1), else_=0))
        held = select(func.sum(HoldingRow.amount)).where(mine).correlate(book).scalar_subquery()
        holds_wealth = select(wealth).where(mine).correlate(book).scalar_subquery()
    idle = type_coerce(book.c.balance - func.coalesce(held, 0), Fen)  # compared in fen, read as yuan
    kinds = [
        (source, and_(idle >= idle_min, func.coalesce(holds_wealth, 0) == 0), (idle.desc(), book.c.id)),
        *(
            (book, and_(book.c.avg_3m >= low, book.c.avg_3m < high), (book.c.avg_3m.desc(), book.c.id))
            for low, high in near
        ),
    ]
    parts = []
    for part, (clients, condition, order) in enumerate(kinds):
        ranked = (
            select(
                book.c.id.label("client_id"), book.c.name.label("client_name"), book.c.avg_3m.label("avg_3m"),
                literal(part).label("part"), func.row_number().over(order_by=order).label("rank"),
            )
            .select_from(clients)
            .where(condition)
            .order_by(*order)
            .limit(limit)
            .subquery()
        )  # fmt: skip
        parts.append(select(ranked))
    return union_all(*parts)


def _recent_contacts(ids: CTE, *, arrays: bool) -> Select[int, int, int, int]:
    """Each client of ``ids`` contacted since ``contacts_since`` (the earlier of the quiet and the settled periods'
    starts), with what those contacts say (1 or 0): ``firm``, a firm refusal in the quiet period; ``today``, reached
    today; ``settled``, reached since ``settled_since``. Each client's contacts are read once, through the index by
    client and time, not once for each question (on PostgreSQL for the array of the ids, ``_among``)."""
    reached = and_(ContactRow.channel.in_(SPOKEN), ContactRow.disposition.not_in(NOT_REACHED))
    at = ContactRow.started_at
    day = and_(at >= param("day_start", UTCDateTime()), at < param("day_end", UTCDateTime()))
    quiet = at >= param("quiet_since", UTCDateTime())
    return (
        select(
            ContactRow.client_id,
            _any(and_(ContactRow.disposition == Disposition.FIRM_DECLINE, quiet)).label("firm"),
            _any(and_(reached, day)).label("today"),
            _any(and_(reached, at >= param("settled_since", UTCDateTime()))).label("settled"),
        )
        .where(
            _among(ContactRow.client_id, select(ids.c.client_id), arrays=arrays),
            at >= param("contacts_since", UTCDateTime()),
        )
        .group_by(ContactRow.client_id)
    )


def _any(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 if ``condition`` holds for any row of the group, else 0 (on both backends)."""
    return func.max(case((condition, 1), else_=0))


def _excluded(staff_id: ColumnElement[int], ids: CTE, recent: CTE) -> Select[Any]:
    """Of ``ids``: clients of other CSMs (a 沃德 client manager's 沃德 clients, accepted or still theirs to decide,
    are theirs to call: their own calls on them are queued, ``wode_called``), opted out of phone marketing, with no
    valid number, in a firm refusal's quiet period or a cooling-off period, reached or skipped today (``recent``:
    what their contacts say, ``_recent_contacts``).

    Each listed client is looked up by its id, each test an index probe: a few hundred probes whatever the branch's
    size. The tests are scalar subqueries (``LIMIT 1``), which PostgreSQL runs per row; as ``IN`` or ``EXISTS`` it
    would hash the whole branch's clients or sales for them at times, a cost that grew with the branch."""
    listed = select(ids.c.client_id).distinct().subquery("listed_once")
    client = listed.c.client_id
    others = or_(ClientRow.manager_id.is_(None), ClientRow.manager_id != staff_id)
    day = (param("day_start", UTCDateTime()), param("day_end", UTCDateTime()))
    tests = [
        select(ClientRow.id).where(
            ClientRow.id == client,
            or_(
                and_(others, ClientRow.id.not_in(wode_called(staff_id))),
                ClientRow.phone_opt_out,
                ClientRow.mobile_invalid,
                ClientRow.mobile.is_(None),
            ),
        ),
        select(TaskRow.id).where(
            TaskRow.client_id == client,
            TaskRow.staff_id == staff_id,
            TaskRow.status == TaskStatus.SKIPPED,
            TaskRow.closed_at >= day[0],
            TaskRow.closed_at < day[1],
        ),
        select(SaleRow.id).where(
            SaleRow.client_id == client,
            SaleRow.cooling_off_until > param("now", UTCDateTime()),
            SaleRow.cancelled_at.is_(None),
        ),
    ]
    found = [test.limit(1).scalar_subquery().is_not(None) for test in tests]
    return (
        _part("out", listed.outerjoin(recent, recent.c.client_id == client), client_id=client)
        .where(or_(recent.c.firm == 1, recent.c.today == 1, *found))
    )  # fmt: skip
