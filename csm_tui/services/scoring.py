"""Quarter-to-date figures for the scoreboard. Quarters are the branch's calendar quarters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from csm_tui.services.views import QuarterFigures
from csm_tui.services.workstation import Workstation


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)


def quarter_to_date(ws: Workstation) -> tuple[Quarter, QuarterFigures]:
    quarter = Quarter.of(ws.time.today())
    start, _ = ws.time.day_bounds(quarter.first_day)
    end, _ = ws.time.day_bounds(quarter.next.first_day)
    assert ws.staff.id is not None
    with ws.uow() as tx:
        return quarter, tx.views.quarter_figures(ws.staff.id, start, end)
