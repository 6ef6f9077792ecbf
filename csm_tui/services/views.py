"""Read models: the rows the screens show, produced by aggregate queries in ``storage.views``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from csm_tui.domain.enums import ProductCategory, RiskLevel, TaskKind


@dataclass(frozen=True, slots=True)
class QueueRow:
    task_id: int
    client_id: int
    client_name: str
    kind: TaskKind
    due_on: dt.date
    due_at: dt.datetime | None
    note: str
    avg_3m: Decimal


@dataclass(frozen=True, slots=True)
class ClientListRow:
    """A client in a list. ``own`` rows are shown in full; the others only in the OCRM summary (masked)."""

    id: int
    number: str
    name: str
    masked_id: str
    masked_mobile: str
    avg_3m: Decimal
    assets_as_of: dt.date | None
    own: bool


@dataclass(frozen=True, slots=True)
class DayFigures:
    calls: int
    contacts: int
    appointments: int
    callbacks_due: int
    service_callbacks_due: int
    maturing_soon: int
    new_products: int
    sales: int


@dataclass(frozen=True, slots=True)
class AssessmentDue:
    client_id: int
    client_name: str
    level: RiskLevel | None
    valid_until: dt.date | None


@dataclass(frozen=True, slots=True)
class QuarterFigures:
    calls: int
    contacts: int
    service_callbacks_done: int
    sales_by_category: dict[ProductCategory, Decimal] = field(default_factory=dict)
