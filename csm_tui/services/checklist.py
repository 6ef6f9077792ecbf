"""The daily checklist's figures for the signed-in staff member."""

from __future__ import annotations

from csm_tui.services.views import DayFigures
from csm_tui.services.workstation import Workstation


def today_figures(ws: Workstation) -> DayFigures:
    today = ws.time.today()
    start, end = ws.time.day_bounds(today)
    assert ws.staff.id is not None
    with ws.uow() as tx:
        return tx.views.day_figures(ws.staff.id, today, start, end)
