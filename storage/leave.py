"""Staff leave and cover in the database (whether the actor covers a colleague right now is asked of
``storage.access``).

Who may record what is decided by ``csm_tui.services.leave`` inside the write transaction; the repository refuses
on its own only what nobody may do (reading or writing the leave of someone the actor may not act for).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from csm_tui.domain.enums import Role
from csm_tui.domain.models import Leave, NewLeave, Staff
from csm_tui.services.ports import AccessDenied
from storage.access import Access, cover_on_staff, leave_calls_wait
from storage.orm import LeaveRow, StaffRow


def _live() -> Select[LeaveRow]:
    return select(LeaveRow).where(LeaveRow.cancelled_at.is_(None))


def _model(row: LeaveRow) -> Leave:
    return Leave.model_validate(row, from_attributes=True)


def latest_begun(staff_id: ColumnElement[int], day: ColumnElement[dt.date]) -> Select[int, dt.date]:
    """The id and last day of the staff member's leave begun by ``day`` that ends last: the leave they are on that
    day if any (no other begun one ends later), else the latest that has ended before it."""
    return (
        select(LeaveRow.id, LeaveRow.last_day)
        .where(LeaveRow.cancelled_at.is_(None), LeaveRow.staff_id == staff_id, LeaveRow.first_day <= day)
        .order_by(LeaveRow.last_day.desc())
        .limit(1)
    )


def covering(cover_id: ColumnElement[int] | int, day: ColumnElement[dt.date] | dt.date) -> list[ColumnElement[bool]]:
    """A leave, not cancelled, on ``day`` that names ``cover_id`` as cover, who can still cover it (to be read from
    ``LeaveRow`` and ``StaffRow``): whether the branch's policy lets a colleague cover is asked apart."""
    return [
        LeaveRow.cancelled_at.is_(None),
        LeaveRow.cover_id == cover_id,
        LeaveRow.first_day <= day,
        LeaveRow.last_day >= day,
        *cover_on_staff(),  # no longer able to cover it: the calls wait
    ]


class SqlLeave:
    """Leave rows; who may read or write whose leave is asked of ``access`` (the staff member themselves, their
    supervisor, the admin and the system)."""

    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def _require(self, staff_id: int) -> None:
        self.access.require_act_for(staff_id, "leave")

    def add(self, leave: NewLeave) -> Leave:
        self._require(leave.staff_id)
        row = LeaveRow(**leave.model_dump())
        self.session.add(row)
        self.session.flush()  # audited, like every write
        return _model(row)

    def get(self, leave_id: int) -> Leave | None:
        row = self.session.get(LeaveRow, leave_id)
        if row is None:
            return None
        if not (self.access.may_act_for(row.staff_id) or self.access.is_self(row.cover_id)):
            raise AccessDenied("leave")
        return _model(row)

    def cancel(self, leave_id: int, at: dt.datetime) -> Leave:
        row = self.session.get(LeaveRow, leave_id)
        if row is None or row.cancelled_at is not None:
            raise LookupError(leave_id)
        self._require(row.staff_id)
        row.cancelled_at = at
        self.session.flush()
        return _model(row)

    def end(self, leave_id: int, last_day: dt.date, ends_at: dt.datetime) -> Leave:
        """Shorten a leave (not cancelled) to end after ``last_day``, at ``ends_at``: the CSM came back early."""
        row = self.session.get(LeaveRow, leave_id)
        if row is None or row.cancelled_at is not None:
            raise LookupError(leave_id)
        self._require(row.staff_id)
        row.last_day, row.ends_at = last_day, ends_at
        self.session.flush()
        return _model(row)

    def set_cover(self, leave_id: int, cover_id: int) -> Leave:
        """Name another colleague to cover a leave (not cancelled)."""
        row = self.session.get(LeaveRow, leave_id)
        if row is None or row.cancelled_at is not None:
            raise LookupError(leave_id)
        self._require(row.staff_id)
        row.cover_id = cover_id
        self.session.flush()  # audited, like every write
        return _model(row)

    def overlapping(self, staff_id: int, first: dt.date, last: dt.date) -> list[Leave]:
        """The staff member's leave (not cancelled) that shares a day with ``first``..``last``."""
        rows = self.session.scalars(
            _live()
            .where(LeaveRow.staff_id == staff_id, LeaveRow.first_day <= last, LeaveRow.last_day >= first)
            .order_by(LeaveRow.first_day)
        )
        return [_model(r) for r in rows]

    def covering_between(self, cover_id: int, first: dt.date, last: dt.date) -> list[Leave]:
        """Others' leave (not cancelled) that ``cover_id`` covers on a day from ``first`` to ``last``."""
        rows = self.session.scalars(
            _live()
            .where(LeaveRow.cover_id == cover_id, LeaveRow.first_day <= last, LeaveRow.last_day >= first)
            .order_by(LeaveRow.first_day)
        )
        return [_model(r) for r in rows]

    def for_staff(self, staff_id: int, since: dt.date) -> list[Leave]:
        """The staff member's leave (not cancelled) that ends on or after ``since``, earliest first."""
        self._require(staff_id)
        rows = self.session.scalars(
            _live().where(LeaveRow.staff_id == staff_id, LeaveRow.last_day >= since).order_by(LeaveRow.first_day)
        )
        return [_model(r) for r in rows]

    def on_day(self, staff_ids: list[int], day: dt.date) -> dict[int, Leave]:
        """Of ``staff_ids``, who is on leave on ``day``, and that leave."""
        if not staff_ids:
            return {}
        for staff_id in set(staff_ids):
            self._require(staff_id)
        rows = self.session.scalars(
            _live().where(LeaveRow.staff_id.in_(staff_ids), LeaveRow.first_day <= day, LeaveRow.last_day >= day)
        )
        return {r.staff_id: _model(r) for r in rows}

    def away_on(self, staff_id: int, day: dt.date) -> tuple[dt.date, int | None] | None:
        """Whether ``staff_id`` is away on ``day``: the last day away and who covers, or None. Anyone at the branch
        may ask (the counter sends a walk-in to whoever is in); the leave's kind and note stay with who may read it."""
        row = self.session.scalars(
            _live().where(LeaveRow.staff_id == staff_id, LeaveRow.first_day <= day, LeaveRow.last_day >= day)
        ).first()
        return (row.last_day, row.cover_id) if row is not None else None

    def covered_by(self, cover_id: int, day: dt.date) -> list[Leave]:
        """The leave, on ``day``, of those ``cover_id`` covers for (the colleague's own view); none while the
        branch's policy lets the calls wait."""
        if not (self.access.admin or self.access.is_self(cover_id)):
            raise AccessDenied("leave")
        if leave_calls_wait(self.session):
            return []  # the branch's policy as it stands: the calls wait, nobody covers
        rows = self.session.scalars(select(LeaveRow).where(*covering(cover_id, day)).order_by(LeaveRow.staff_id))
        return [_model(r) for r in rows]

    def spans(self, staff_ids: list[int], first: dt.date, last: dt.date) -> list[tuple[int, dt.date, dt.date]]:
        """Who was away on which days from ``first`` to ``last`` (the scoreboard's call target leaves them out):
        dates only, for every actor, as every CSM's card is computed for the branch's ranking."""
        if not staff_ids:
            return []
        rows = self.session.execute(
            select(LeaveRow.staff_id, LeaveRow.first_day, LeaveRow.last_day).where(
                LeaveRow.cancelled_at.is_(None),
                LeaveRow.staff_id.in_(staff_ids),
                LeaveRow.first_day <= last,
                LeaveRow.last_day >= first,
            )
        )
        return [(r.staff_id, max(r.first_day, first), min(r.last_day, last)) for r in rows]

    def calls_wait(self) -> bool:
        """The branch's leave policy as it stands in the database lets the calls wait (``leave_calls_wait``)."""
        return leave_calls_wait(self.session)

    def colleagues(self, outlet_id: int) -> list[Staff]:
        """The outlet's active CSMs (names only are shown; anyone may choose among them)."""
        rows = self.session.scalars(
            select(StaffRow)
            .where(StaffRow.outlet_id == outlet_id, StaffRow.role == Role.CSM, StaffRow.active)
            .order_by(StaffRow.login)
        )
        return [Staff.model_validate(r, from_attributes=True) for r in rows]
