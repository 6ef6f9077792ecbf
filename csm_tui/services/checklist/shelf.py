"""The product shelf: what is on sale, and what is new or changed since this staff member last read it."""

from __future__ import annotations

from csm_tui.domain.models import ProductRead
from csm_tui.services.checklist.shelf_reads import ShelfItem, fingerprint, shelf_items
from csm_tui.services.days import day_window
from csm_tui.services.rows import ShelfRow
from csm_tui.services.workstation import Workstation


def load_shelf(ws: Workstation) -> list[ShelfItem]:
    window = day_window(ws, ws.time.today())
    with ws.uow() as tx:
        rows = tx.views.shelf(ws.staff.id, window)
    return shelf_items(rows, window, ws.policy.checklist.new_product_days)


def mark_read(ws: Workstation, rows: list[ShelfRow]) -> int:
    """Record that the signed-in staff member has read these products' current terms; returns how many."""
    now = ws.time.now().datetime
    reads = [ProductRead(product_id=r.product_id, fingerprint=fingerprint(r), read_at=now) for r in rows]
    with ws.uow(write=True) as tx:
        tx.product_reads.record(ws.staff.id, reads)
        tx.commit()
    return len(reads)
