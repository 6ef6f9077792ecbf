"""What the shelf reads: whether a product is new, changed or read, and the checklist's "products read" figure.

Free of the policy and the database, so the first screen's thin read (``csm_tui.start``) counts it the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from csm_tui.services.rows import DayWindow, Progress, ShelfRow


class ReadState(StrEnum):
    NEW = "new"  # never read
    CHANGED = "changed"  # its terms changed since it was read
    READ = "read"


def fingerprint(row: ShelfRow) -> str:
    """A digest of the terms a manager reads: any change to them makes the product unread again."""
    terms: tuple[object, ...] = (
        row.name, row.category, row.rating, row.term_days, row.expected_yield, row.min_amount, row.sale_start,
        row.sale_end, row.dual_recording, row.cooling_off_hours,
    )  # fmt: skip
    if row.asset_type is not None:  # read with the terms once recorded; a product without one reads as before
        terms = (*terms, row.asset_type.value)
    return hashlib.sha256(repr(terms).encode()).hexdigest()


def read_state(row: ShelfRow) -> ReadState:
    if row.read_fingerprint is None:
        return ReadState.NEW
    return ReadState.READ if row.read_fingerprint == fingerprint(row) else ReadState.CHANGED


@dataclass(frozen=True, slots=True)
class ShelfItem:
    row: ShelfRow
    state: ReadState
    fresh: bool  # listed (or, with no listing date, on sale) within the policy's new-product days

    @property
    def pending(self) -> bool:
        """To be read: newly listed and not read yet, or changed since it was read."""
        return self.state is ReadState.CHANGED or (self.fresh and self.state is ReadState.NEW)


def shelf_items(rows: list[ShelfRow], window: DayWindow, new_days: int) -> list[ShelfItem]:
    since = window.day - dt.timedelta(days=new_days)
    fresh = [(r.listed_on or r.sale_start) for r in rows]  # a file that names no listing date: its sale start
    return [ShelfItem(r, read_state(r), day is not None and day > since) for r, day in zip(rows, fresh, strict=True)]


def products_read(items: list[ShelfItem], window: DayWindow) -> Progress:
    """Products to read (newly listed, or changed since read), and of them those read by the day's end.

    A product read on the day stays counted, so the figure reads "2 / 2" once both are read, not "0 / 0".
    """
    read_today = {i.row.product_id for i in items if i.row.read_at is not None and i.row.read_at >= window.start}
    counted = [i for i in items if i.pending or i.row.product_id in read_today]
    done = [
        i for i in counted if i.state is ReadState.READ and i.row.read_at is not None and i.row.read_at < window.end
    ]
    return Progress(len(done), len(counted))
