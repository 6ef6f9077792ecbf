"""What an import reads from the database and hands back to it: plain values, no ORM rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from csm_tui.domain.enums import Role


@dataclass(frozen=True, slots=True)
class StaffRef:
    id: int
    role: Role
    active: bool
    outlet_id: int | None


@dataclass(frozen=True, slots=True)
class Existing:
    """A row already in the database: its id and the values an import compares."""

    id: int
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Update:
    """A row an import changes: its id and, for each changed field, the old and the new value."""

    id: int
    changes: dict[str, tuple[Any, Any]]


@dataclass(frozen=True, slots=True)
class Span:
    """A client's balance held from ``first`` to ``last`` inclusive (``id`` None: not yet stored)."""

    client_id: int
    first: dt.date
    last: dt.date
    balance: Decimal
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Assets:
    """A client's point balance and 3-month daily average as of a day, worked out from the balances."""

    client_id: int
    balance: Decimal
    avg_3m: Decimal
    as_of: dt.date
    balance_before: Decimal | None = None  # on the previous data date (None: there is none)
    avg_3m_low: Decimal | None = None  # the lowest forecast 3-month average of the days after ``as_of``
