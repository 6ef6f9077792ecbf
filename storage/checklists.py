"""The daily checklist's own records: marks and day summaries per staff member and day, and product reads.

A list is written only by its owner; a supervisor reads the lists of the team, an admin any list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from csm_tui.domain.models import ChecklistMark, DaySummary, ProductRead
from storage.access import Access
from storage.orm import Base, ChecklistDayRow, ChecklistMarkRow, ProductReadRow

R = TypeVar("R", bound=Base)


class ChecklistRepository:
    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def _check_read(self, staff_id: int) -> None:
        self.access.require_act_for(staff_id, "checklist")

    def _check_write(self, staff_id: int) -> None:
        self.access.require_own(staff_id, "checklist")

    def _day(self, staff_id: int, day: dt.date) -> ChecklistDayRow | None:
        return self.session.scalar(
            select(ChecklistDayRow).where(ChecklistDayRow.staff_id == staff_id, ChecklistDayRow.day == day)
        )

    def _made_once(self, find: Callable[[], R | None], make: Callable[[], R]) -> R:
        """The row ``find`` finds, made if missing; a row another session made at the same moment is used, not
        doubled (the insert is tried in a savepoint, and on a unique-key clash the other's row is read)."""
        row = find()
        if row is None:
            try:
                with self.session.begin_nested():
                    row = make()
                    self.session.add(row)
            except IntegrityError:
                row = find()
                assert row is not None
        return row

    def _day_for_writing(self, staff_id: int, day: dt.date) -> ChecklistDayRow:
        self._check_write(staff_id)
        return self._made_once(
            lambda: self._day(staff_id, day), lambda: ChecklistDayRow(staff_id=staff_id, day=day, summary="")
        )

    def marks(self, staff_id: int, day: dt.date) -> list[ChecklistMark]:
        self._check_read(staff_id)
        query = (
            select(ChecklistMarkRow)
            .join(ChecklistDayRow, ChecklistDayRow.id == ChecklistMarkRow.day_id)
            .where(ChecklistDayRow.staff_id == staff_id, ChecklistDayRow.day == day)
            .order_by(ChecklistMarkRow.id)
        )
        return [ChecklistMark.model_validate(r, from_attributes=True) for r in self.session.scalars(query)]

    def set_mark(
        self, staff_id: int, day: dt.date, item: str, at: dt.datetime, *, ticked: bool | None = None,
        note: str | None = None,
    ) -> ChecklistMark:  # fmt: skip
        day_id = self._day_for_writing(staff_id, day).id
        row = self._made_once(
            lambda: self.session.scalar(
                select(ChecklistMarkRow).where(ChecklistMarkRow.day_id == day_id, ChecklistMarkRow.item == item)
            ),
            lambda: ChecklistMarkRow(day_id=day_id, item=item, ticked=False, note="", updated_at=at),
        )
        if ticked is not None:
            row.ticked = ticked
        if note is not None:
            row.note = note
        row.updated_at = at
        self.session.flush()
        return ChecklistMark.model_validate(row, from_attributes=True)

    def summary(self, staff_id: int, day: dt.date) -> DaySummary | None:
        self._check_read(staff_id)
        row = self._day(staff_id, day)
        if row is None or row.summary_saved_at is None:
            return None
        return DaySummary(text=row.summary, figures=row.summary_figures or {}, saved_at=row.summary_saved_at)

    def save_summary(self, staff_id: int, day: dt.date, summary: DaySummary) -> None:
        row = self._day_for_writing(staff_id, day)
        row.summary = summary.text
        row.summary_figures = dict(summary.figures)
        row.summary_saved_at = summary.saved_at
        self.session.flush()


class ProductReadRepository:
    """Which products a staff member has read, and the terms they read (by fingerprint)."""

    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def of(self, staff_id: int) -> dict[int, ProductRead]:
        self.access.require_act_for(staff_id, "product_read")
        rows = self.session.scalars(select(ProductReadRow).where(ProductReadRow.staff_id == staff_id))
        return {r.product_id: ProductRead.model_validate(r, from_attributes=True) for r in rows}

    def record(self, staff_id: int, reads: list[ProductRead]) -> None:
        self.access.require_own(staff_id, "product_read")
        existing = {
            r.product_id: r
            for r in self.session.scalars(
                select(ProductReadRow).where(
                    ProductReadRow.staff_id == staff_id,
                    ProductReadRow.product_id.in_([read.product_id for read in reads]),
                )
            )
        }
        for read in reads:
            row = existing.get(read.product_id)
            if row is None:
                self.session.add(ProductReadRow(staff_id=staff_id, **read.model_dump()))
            else:
                row.fingerprint, row.read_at = read.fingerprint, read.read_at
        self.session.flush()
