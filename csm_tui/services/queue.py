"""Today's call queue."""

from __future__ import annotations

from csm_tui.services.views import QueueRow
from csm_tui.services.workstation import Workstation


def today_queue(ws: Workstation) -> list[QueueRow]:
    today = ws.time.today()
    start, end = ws.time.day_bounds(today)
    assert ws.staff.id is not None
    with ws.uow() as tx:
        return tx.views.queue(ws.staff.id, today, start, end)
