"""Read models of the daily checklist, the agenda and the product shelf.

The checklist's counts are aggregate queries grouped by staff member, so a supervisor's team costs what one list
costs. Tasks, referrals and reads are judged by when they were opened and closed, against the day's end, so a past
day shows the figures it ended with; only meetings are judged against the present ("has it begun?").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import SQLCoreOperations

from csm_tui.domain.enums import (
    SETTLING_OUTCOMES,
    AppointmentStatus,
    Channel,
    ChecklistMeasure,
    Disposition,
    HoldingStatus,
    TaskKind,
    TaskStatus,
)
from csm_tui.services.rows import AgendaRow, ChecklistCounts, DayWindow, Progress, ShelfRow
from storage.orm import (
    AppointmentRow,
    ClientRow,
    ContactRow,
    HoldingRow,
    ProductReadRow,
    ProductRow,
    ReferralRow,
    TaskRow,
)
from storage.sql import count_if

_M = ChecklistMeasure
_CONFIRMED = (AppointmentStatus.CONFIRMED, AppointmentStatus.DONE)  # a no-show was never confirmed as held
_OVER = (AppointmentStatus.DONE, AppointmentStatus.NO_SHOW)


def _open_at(
    opened: SQLCoreOperations[dt.datetime], closed: SQLCoreOperations[dt.datetime | None], w: DayWindow
) -> ColumnElement[bool]:
    """Opened during or before the day and still open when it ended (for today: still open)."""
    return and_(opened < w.end, or_(closed.is_(None), closed >= w.end))


def maturing_clients(staff_ids: Iterable[int], w: DayWindow) -> Select[int, int | None]:
    """(client, manager) with an active holding maturing from the day to ``maturing_until``.

    Read from the managers' books, each client's holdings probed through ``ix_holdings_client_maturity``: the same
    rows at any branch size. A count, which PostgreSQL cannot turn into a join as it would an EXISTS: it then
    matched the branch's holdings maturing this week to the books (17,000 for a book of 3,000 in the plan test),
    more the bigger the branch.
    """
    maturing = (
        select(func.count())
        .where(
            HoldingRow.client_id == ClientRow.id,
            HoldingRow.status == HoldingStatus.ACTIVE,
            HoldingRow.maturity_date >= w.day,
            HoldingRow.maturity_date <= w.maturing_until,
        )
        .scalar_subquery()
        > 0
    )
    return select(ClientRow.id.label("client_id"), ClientRow.manager_id.label("staff_id")).where(
        ClientRow.manager_id.in_(list(staff_ids)), maturing
    )


def contacted_clients(staff_ids: Iterable[int], w: DayWindow) -> Select[int, int]:
    """(client, staff) whose last contact of the day had an outcome that calls for a next contact."""
    later = aliased(ContactRow)
    return (
        select(ContactRow.client_id, ContactRow.staff_id)
        .where(
            ContactRow.staff_id.in_(list(staff_ids)),
            ContactRow.started_at >= w.start,
            ContactRow.started_at < w.end,
            ContactRow.disposition.not_in([o.value for o in SETTLING_OUTCOMES]),
            ~exists().where(
                later.client_id == ContactRow.client_id,
                later.staff_id == ContactRow.staff_id,
                later.started_at > ContactRow.started_at,
                later.started_at < w.end,
            ),
        )
        .distinct()
    )


def reached(client_id: ColumnElement[int], staff_id: ColumnElement[int], w: DayWindow) -> ColumnElement[bool]:
    return exists().where(
        ContactRow.client_id == client_id,
        ContactRow.staff_id == staff_id,
        ContactRow.started_at >= w.contacted_since,
        ContactRow.started_at < w.end,
    )


def next_contact_agreed(
    client_id: ColumnElement[int], staff_id: ColumnElement[int], w: DayWindow
) -> ColumnElement[bool]:
    """An open task from the day on, or a meeting still ahead, for the client with this staff member."""
    task = exists().where(
        TaskRow.client_id == client_id,
        TaskRow.staff_id == staff_id,
        TaskRow.due_on >= w.day,
        _open_at(TaskRow.created_at, TaskRow.closed_at, w),
    )
    meeting = exists().where(
        AppointmentRow.client_id == client_id,
        AppointmentRow.staff_id == staff_id,
        AppointmentRow.starts_at >= w.now,
        AppointmentRow.status.in_([AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED]),
    )
    return or_(task, meeting)


def day_counts(session: Session, staff_ids: list[int], w: DayWindow) -> dict[int, ChecklistCounts]:
    """Every data-driven measure but the shelf's and the summary's, for each staff member; calls count only done."""
    counts: dict[int, ChecklistCounts] = defaultdict(dict)
    if not staff_ids:
        return counts
    for row in session.execute(_meetings(staff_ids, w)):
        counts[row.staff_id][_M.MEETINGS_CONFIRMED] = Progress(int(row.today_done), int(row.today))
        counts[row.staff_id][_M.MEETINGS_RECORDED] = Progress(int(row.begun_done), int(row.begun))
        counts[row.staff_id][_M.TOMORROW_CONFIRMED] = Progress(int(row.next_done), int(row.next))
    for staff_id, kind, done, pending in session.execute(_calls_due(staff_ids, w)):
        measure = _M.CALLBACKS if kind == TaskKind.CALLBACK else _M.SERVICE_CALLBACKS
        counts[staff_id][measure] = Progress(int(done), int(done) + int(pending))
    for staff_id, calls in session.execute(
        select(ContactRow.staff_id, func.count())
        .where(
            ContactRow.staff_id.in_(staff_ids),
            ContactRow.channel == Channel.PHONE,
            ContactRow.started_at >= w.start,
            ContactRow.started_at < w.end,
        )
        .group_by(ContactRow.staff_id)
    ):
        counts[staff_id][_M.CALLS] = Progress(int(calls), 0)
    for staff_id, done, pending in session.execute(_referrals(staff_ids, w)):
        counts[staff_id][_M.REFERRALS] = Progress(int(done), int(done) + int(pending))
    maturing = maturing_clients(staff_ids, w).subquery()
    for staff_id, total, done in session.execute(
        select(
            maturing.c.staff_id, func.count(), count_if(reached(maturing.c.client_id, maturing.c.staff_id, w))
        ).group_by(maturing.c.staff_id)
    ):
        counts[staff_id][_M.MATURITIES] = Progress(int(done), int(total))
    contacted = contacted_clients(staff_ids, w).subquery()
    agreed = next_contact_agreed(contacted.c.client_id, contacted.c.staff_id, w)
    for staff_id, total, done in session.execute(
        select(contacted.c.staff_id, func.count(), count_if(agreed)).group_by(contacted.c.staff_id)
    ):
        counts[staff_id][_M.NEXT_CONTACTS] = Progress(int(done), int(total))
    return counts


def _meetings(staff_ids: list[int], w: DayWindow) -> Select[int, int, int, int, int, int, int]:
    today = and_(AppointmentRow.starts_at >= w.start, AppointmentRow.starts_at < w.end)
    tomorrow = and_(AppointmentRow.starts_at >= w.next_start, AppointmentRow.starts_at < w.next_end)
    begun = and_(today, AppointmentRow.starts_at < w.now)
    confirmed = AppointmentRow.status.in_(_CONFIRMED)
    return (
        select(
            AppointmentRow.staff_id,
            count_if(today).label("today"),
            count_if(and_(today, confirmed)).label("today_done"),
            count_if(begun).label("begun"),
            count_if(and_(begun, AppointmentRow.status.in_(_OVER))).label("begun_done"),
            count_if(tomorrow).label("next"),
            count_if(and_(tomorrow, confirmed)).label("next_done"),
        )
        .where(
            AppointmentRow.staff_id.in_(staff_ids),
            AppointmentRow.status != AppointmentStatus.CANCELLED,
            or_(today, tomorrow),
        )
        .group_by(AppointmentRow.staff_id)
    )


def _calls_due(staff_ids: list[int], w: DayWindow) -> Select[int, str, int, int]:
    """Per staff member and kind: callbacks due by the day made on it, and those still open at its end.

    A 回访 counts as made only when the client was reached and it was recorded done on the day; an unanswered
    attempt (its task closed, a retry booked) still counts as waiting.
    """
    closed_today = and_(TaskRow.status == TaskStatus.DONE, TaskRow.closed_at >= w.start, TaskRow.closed_at < w.end)
    completed = exists().where(
        ContactRow.client_id == TaskRow.client_id,
        ContactRow.staff_id == TaskRow.staff_id,
        ContactRow.disposition == Disposition.SERVICE_DONE,
        ContactRow.started_at >= w.start,
        ContactRow.started_at < w.end,
    )
    made = and_(closed_today, or_(TaskRow.kind != TaskKind.SERVICE_CALLBACK, completed))
    attempted = and_(closed_today, ~made)
    waiting = or_(_open_at(TaskRow.created_at, TaskRow.closed_at, w), attempted)
    flags = select(
        TaskRow.staff_id,
        TaskRow.kind,
        case((made, 1), else_=0).label("made"),
        case((waiting, 1), else_=0).label("waiting"),
    ).where(
        TaskRow.staff_id.in_(staff_ids),
        TaskRow.kind.in_([TaskKind.CALLBACK, TaskKind.SERVICE_CALLBACK]),
        TaskRow.due_on <= w.day,
    )
    # the open ones and those closed since the day began, each read through ``ix_tasks_staff_closed`` (as one OR,
    # SQLite without statistics reads every task the staff member ever had)
    current = union_all(flags.where(TaskRow.closed_at.is_(None)), flags.where(TaskRow.closed_at >= w.start)).subquery()
    return select(current.c.staff_id, current.c.kind, func.sum(current.c.made), func.sum(current.c.waiting)).group_by(
        current.c.staff_id, current.c.kind
    )


def _referrals(staff_ids: list[int], w: DayWindow) -> Select[int, int, int]:
    """Per staff member: referrals to them answered on the day, and those still waiting at its end."""
    answered = and_(ReferralRow.closed_at >= w.start, ReferralRow.closed_at < w.end)
    waiting = _open_at(ReferralRow.created_at, ReferralRow.closed_at, w)
    return (
        select(ReferralRow.to_staff_id, count_if(answered), count_if(waiting))
        .where(
            ReferralRow.to_staff_id.in_(staff_ids),
            or_(ReferralRow.closed_at.is_(None), ReferralRow.closed_at >= w.start),
        )
        .group_by(ReferralRow.to_staff_id)
    )


def shelf(session: Session, staff_id: int, w: DayWindow) -> list[ShelfRow]:
    """Products on sale on the day (or listed and not yet closed), newest first, with this reader's last read."""
    on_sale = and_(
        or_(ProductRow.sale_start.is_(None), ProductRow.sale_start <= w.day),
        or_(ProductRow.sale_end.is_(None), ProductRow.sale_end >= w.day),
        or_(ProductRow.listed_on.is_(None), ProductRow.listed_on <= w.day),
    )
    query = (
        select(ProductRow, ProductReadRow.fingerprint, ProductReadRow.read_at)
        .outerjoin(
            ProductReadRow, and_(ProductReadRow.product_id == ProductRow.id, ProductReadRow.staff_id == staff_id)
        )
        .where(on_sale)
        .order_by(ProductRow.listed_on.desc().nulls_last(), ProductRow.code)
    )
    return [
        ShelfRow(
            product_id=p.id,
            code=p.code,
            name=p.name,
            category=p.category,
            rating=max((r for r in (p.issuer_rating, p.seller_rating) if r is not None), default=None),
            term_days=p.term_days,
            expected_yield=p.expected_yield,
            min_amount=p.min_amount,
            sale_start=p.sale_start,
            sale_end=p.sale_end,
            dual_recording=p.dual_recording,
            cooling_off_hours=p.cooling_off_hours,
            listed_on=p.listed_on,
            read_fingerprint=fingerprint,
            read_at=read_at,
            private_placement=p.private_placement,
            asset_type=p.asset_type,
        )
        for p, fingerprint, read_at in session.execute(query)
    ]


def agenda(session: Session, staff_id: int, w: DayWindow) -> list[AgendaRow]:
    """The day's meetings by time, cancelled ones included (struck through on screen)."""
    query = (
        select(AppointmentRow, ClientRow.name)
        .join(ClientRow, ClientRow.id == AppointmentRow.client_id)
        .where(
            AppointmentRow.staff_id == staff_id, AppointmentRow.starts_at >= w.start, AppointmentRow.starts_at < w.end
        )
        .order_by(AppointmentRow.starts_at, AppointmentRow.id)
    )
    return [
        AgendaRow(
            appointment_id=a.id,
            client_id=a.client_id,
            client_name=name,
            starts_at=a.starts_at,
            minutes=a.minutes,
            purpose=a.purpose,
            place=a.place,
            status=a.status,
        )
        for a, name in session.execute(query)
    ]
