"""The read model behind today's call queue: what is due, who is out, and who could be topped up.

A handful of indexed queries scoped to one CSM's clients; the queue's rules (priority, one row per client, the
daily target) are applied by ``csm_tui.services.calls.queue``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from csm_tui.domain.enums import (
    AppointmentStatus,
    Channel,
    Disposition,
    HoldingStatus,
    ProductCategory,
    QueueReason,
    TaskKind,
    TaskStatus,
)
from csm_tui.rules.cadence import CALL_TASKS, NOT_REACHED, SPOKEN
from csm_tui.services.rows import Candidate, QueueSources, QueueWindow
from storage.orm import (
    AppointmentRow,
    AssessmentRow,
    ClientRow,
    ContactRow,
    Fen,
    HoldingRow,
    ProductRow,
    SaleRow,
    TaskRow,
)
from storage.risk_sources import data_candidates

CLIENT = (ClientRow.id.label("client_id"), ClientRow.name.label("client_name"), ClientRow.avg_3m)
WEALTH_CATEGORIES = (ProductCategory.WEALTH, ProductCategory.FUND, ProductCategory.INSURANCE)


def load_queue_sources(session: Session, staff_id: int, w: QueueWindow) -> QueueSources:
    own = ClientRow.manager_id == staff_id
    candidates = [
        *_tasks(session, staff_id, w),
        *_maturities(session, own, w),
        *_confirmations(session, staff_id, own, w),
        *_assessments(session, own, w),
        *_id_expiries(session, own, w),
        *data_candidates(session, staff_id, w),
    ]
    prospects = _prospects(session, own, w)
    ids = {c.client_id for c in candidates} | {p.client_id for p in prospects}
    return QueueSources(
        candidates=candidates,
        prospects=prospects,
        excluded=frozenset(_excluded(session, staff_id, ids, w)),
        calls_today=calls_made(session, staff_id, w.day_start, w.day_end),
        settled=frozenset(_contacted(session, ids, w.settled_since, reached=True)),
        contacted=frozenset(_contacted(session, {p.client_id for p in prospects}, w.contacted_since, reached=False)),
    )


def calls_made(session: Session, staff_id: int, start: dt.datetime, end: dt.datetime) -> int:
    """The staff member's phone calls from ``start`` to ``end``."""
    query = select(func.count()).where(
        ContactRow.staff_id == staff_id,
        ContactRow.channel == Channel.PHONE,
        ContactRow.started_at >= start,
        ContactRow.started_at < end,
    )
    return session.scalar(query) or 0


def _contacted(session: Session, ids: set[int], since: dt.datetime, *, reached: bool) -> set[int]:
    """Of ``ids``: clients with a contact since ``since`` (``reached``: one in which they were reached)."""
    if not ids:
        return set()
    query = select(ContactRow.client_id).where(ContactRow.client_id.in_(list(ids)), ContactRow.started_at >= since)
    if reached:
        query = query.where(ContactRow.channel.in_(SPOKEN), ContactRow.disposition.not_in(NOT_REACHED))
    return set(session.scalars(query))


def _candidate(row: Any, reason: QueueReason, due_on: dt.date, **more: Any) -> Candidate:
    """A candidate from a row carrying the ``CLIENT`` columns."""
    return Candidate(
        client_id=row.client_id, client_name=row.client_name, reason=reason, due_on=due_on, avg_3m=row.avg_3m, **more
    )


def _tasks(session: Session, staff_id: int, w: QueueWindow) -> Iterable[Candidate]:
    query = (
        select(
            TaskRow.id,
            TaskRow.kind,
            TaskRow.due_on,
            TaskRow.due_at,
            TaskRow.note,
            *CLIENT,
        )
        .join(ClientRow, ClientRow.id == TaskRow.client_id)
        .where(
            TaskRow.staff_id == staff_id,
            TaskRow.status == TaskStatus.OPEN,
            TaskRow.due_on <= w.today,
            TaskRow.kind.in_(list(CALL_TASKS)),
        )
    )
    for r in session.execute(query):
        yield _candidate(
            r,
            CALL_TASKS[TaskKind(r.kind)],
            r.due_on,
            task_id=r.id,
            due_at=r.due_at,
            note=r.note,
        )


def _maturities(session: Session, own: ColumnElement[bool], w: QueueWindow) -> Iterable[Candidate]:
    query = (
        select(
            HoldingRow.maturity_date,
            HoldingRow.amount,
            ProductRow.name.label("product"),
            *CLIENT,
        )
        .join(ClientRow, ClientRow.id == HoldingRow.client_id)
        .join(ProductRow, ProductRow.id == HoldingRow.product_id)
        .where(
            own,
            HoldingRow.status == HoldingStatus.ACTIVE,
            HoldingRow.maturity_date >= w.today,
            HoldingRow.maturity_date <= w.maturity_until,
        )
    )
    for r in session.execute(query):
        yield _candidate(
            r,
            QueueReason.MATURITY,
            w.today,
            product=r.product,
            on=r.maturity_date,
        )


def _confirmations(session: Session, staff_id: int, own: ColumnElement[bool], w: QueueWindow) -> Iterable[Candidate]:
    query = (
        select(AppointmentRow.starts_at, *CLIENT)
        .join(ClientRow, ClientRow.id == AppointmentRow.client_id)
        .where(
            AppointmentRow.staff_id == staff_id,
            AppointmentRow.starts_at >= w.confirm_start,
            AppointmentRow.starts_at < w.confirm_end,
            AppointmentRow.status == AppointmentStatus.BOOKED,
        )
    )
    for r in session.execute(query):
        yield _candidate(
            r,
            QueueReason.APPOINTMENT_CONFIRM,
            w.today,
            due_at=r.starts_at,
        )


def _assessments(session: Session, own: ColumnElement[bool], w: QueueWindow) -> Iterable[Candidate]:
    """Clients with a holding maturing by ``assessment_until`` whose latest assessment expires by then."""
    maturing = dict(
        session.execute(
            select(ClientRow.id, func.min(HoldingRow.maturity_date))
            .join(HoldingRow, HoldingRow.client_id == ClientRow.id)
            .where(
                own,
                HoldingRow.status == HoldingStatus.ACTIVE,
                HoldingRow.maturity_date >= w.today,
                HoldingRow.maturity_date <= w.assessment_until,
            )
            .group_by(ClientRow.id)
        ).all()
    )
    if not maturing:
        return
    # The latest assessment (by when it was taken, as ``assessments.latest`` reads it for the call card and the 4S
    # check), judged by the policy's validity: not the longest stored end among older ones.
    ranked = (
        select(
            AssessmentRow.client_id,
            AssessmentRow.valid_until,
            AssessmentRow.taken_at,
            func.row_number()
            .over(
                partition_by=AssessmentRow.client_id,
                order_by=(AssessmentRow.taken_at.desc(), AssessmentRow.id.desc()),
            )
            .label("rank"),
        )
        .where(AssessmentRow.client_id.in_(maturing))
        .subquery()
    )
    latest = {
        cid: w.validity.end(stored, taken)
        for cid, stored, taken in session.execute(
            select(ranked.c.client_id, ranked.c.valid_until, ranked.c.taken_at).where(ranked.c.rank == 1)
        ).all()
    }
    due = [cid for cid in maturing if latest.get(cid) is None or latest[cid] <= w.assessment_until]
    for r in session.execute(select(*CLIENT).where(ClientRow.id.in_(due))):
        valid = latest.get(r.client_id)
        yield _candidate(
            r,
            QueueReason.ASSESSMENT,
            w.today,
            on=valid,
        )


def _id_expiries(session: Session, own: ColumnElement[bool], w: QueueWindow) -> Iterable[Candidate]:
    """KYC: clients whose ID expired or expires by ``id_expiry_until`` (``rules.kyc.needs_update``): the CSM asks for
    the new one at the next visit. A long-term ID (长期) or one not known yet never comes."""
    if w.id_expiry_until is None:
        return
    query = select(*CLIENT, ClientRow.id_expiry).where(
        own, ClientRow.id_long_term.is_(False), ClientRow.id_expiry <= w.id_expiry_until
    )
    for r in session.execute(query):
        yield _candidate(r, QueueReason.ID_EXPIRY, min(r.id_expiry, w.today), on=r.id_expiry)


def _prospects(session: Session, own: ColumnElement[bool], w: QueueWindow) -> list[Candidate]:
    """Idle deposits with no wealth product first (most idle first), then clients just under a tier."""
    return precision_prospects(session, own, w.today, w.idle_min, (w.near_wode, w.near_jiaoyin), w.prospects)


def precision_prospects(
    session: Session, own: ColumnElement[bool], today: dt.date, idle_min: Decimal,
    near: tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]], limit: int,
) -> list[Candidate]:  # fmt: skip
    """The precision-marketing prospects among the clients ``own`` picks, at most ``limit`` of each kind: idle
    deposits with no wealth product (most idle first), then just under 沃德 and 交银理财 (``near``: the ranges)."""
    if limit <= 0:
        return []
    held = (
        select(
            HoldingRow.client_id,
            func.sum(HoldingRow.amount).label("held"),
            func.max(case((ProductRow.category.in_(WEALTH_CATEGORIES), 1), else_=0)).label("wealth"),
        )
        .join(ProductRow, ProductRow.id == HoldingRow.product_id)
        .join(ClientRow, ClientRow.id == HoldingRow.client_id)
        .where(own, HoldingRow.status == HoldingStatus.ACTIVE)  # these clients' holdings only
        .group_by(HoldingRow.client_id)
        .subquery()
    )
    idle = type_coerce(ClientRow.balance - func.coalesce(held.c.held, 0), Fen)  # compared in fen, read as yuan
    base = select(*CLIENT).where(own)
    found: list[Candidate] = []
    idle_rows = session.execute(
        base.outerjoin(held, held.c.client_id == ClientRow.id)
        .add_columns(idle.label("idle"))
        .where(idle >= idle_min, func.coalesce(held.c.wealth, 0) == 0)
        .order_by(idle.desc(), ClientRow.id)
        .limit(limit)
    )
    found += [_candidate(r, QueueReason.IDLE_DEPOSITS, today) for r in idle_rows]
    for reason, (low, high) in zip((QueueReason.NEAR_WODE, QueueReason.NEAR_JIAOYIN), near, strict=True):
        rows = session.execute(
            base.where(and_(ClientRow.avg_3m >= low, ClientRow.avg_3m < high))
            .order_by(ClientRow.avg_3m.desc(), ClientRow.id)
            .limit(limit)
        )
        found += [_candidate(r, reason, today) for r in rows]
    return found


def _excluded(session: Session, staff_id: int, ids: set[int], w: QueueWindow) -> set[int]:
    """Of ``ids``: clients of other CSMs, opted out of phone marketing, with no valid number, in a firm refusal's
    quiet period or a cooling-off period, reached or skipped today."""
    if not ids:
        return set()
    listed = list(ids)
    out = set(
        session.scalars(
            select(ClientRow.id).where(
                ClientRow.id.in_(listed),
                or_(
                    ClientRow.manager_id.is_(None),
                    ClientRow.manager_id != staff_id,
                    ClientRow.phone_opt_out,
                    ClientRow.mobile_invalid,
                    ClientRow.mobile.is_(None),
                ),
            )
        )
    )
    out |= set(
        session.scalars(
            select(ContactRow.client_id).where(
                ContactRow.client_id.in_(listed),
                or_(
                    and_(ContactRow.disposition == Disposition.FIRM_DECLINE, ContactRow.started_at >= w.quiet_since),
                    and_(
                        ContactRow.channel.in_(SPOKEN),
                        ContactRow.started_at >= w.day_start,
                        ContactRow.started_at < w.day_end,
                        ContactRow.disposition.not_in(NOT_REACHED),
                    ),
                ),
            )
        )
    )
    out |= set(
        session.scalars(
            select(TaskRow.client_id).where(
                TaskRow.client_id.in_(listed),
                TaskRow.staff_id == staff_id,
                TaskRow.status == TaskStatus.SKIPPED,
                TaskRow.closed_at >= w.day_start,
                TaskRow.closed_at < w.day_end,
            )
        )
    )
    out |= set(
        session.scalars(
            select(SaleRow.client_id).where(
                SaleRow.client_id.in_(listed), SaleRow.cooling_off_until > w.now, SaleRow.cancelled_at.is_(None)
            )
        )
    )
    return out
