"""Repository interfaces the services work through; ``storage`` implements them.

A unit of work is one user action: a context manager that rolls back unless ``commit()`` is called.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self

from csm_tui.domain.models import (
    Appointment,
    AuditEvent,
    Client,
    ClientSummary,
    ContactRecord,
    DailyBalance,
    Holding,
    Outlet,
    Product,
    Referral,
    RiskAssessment,
    Sale,
    Staff,
    SuitabilityRecord,
    Task,
)
from csm_tui.services.views import (
    AssessmentDue,
    ClientListRow,
    DayFigures,
    QuarterFigures,
    QueueRow,
)


class MetaRepository(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...


class OutletRepository(Protocol):
    def add(self, outlet: Outlet) -> Outlet: ...
    def get(self, outlet_id: int) -> Outlet | None: ...
    def list(self) -> list[Outlet]: ...


class StaffRepository(Protocol):
    def add(self, staff: Staff) -> Staff: ...
    def get(self, staff_id: int) -> Staff | None: ...
    def by_login(self, login: str) -> Staff | None: ...
    def team(self, supervisor_id: int) -> list[Staff]: ...


class ClientRepository(Protocol):
    def add(self, client: Client) -> Client: ...
    def get(self, client_id: int) -> Client:
        """The full client, if the acting staff member may see it; raises ``AccessDenied`` otherwise."""
        ...

    def summary(self, client_id: int) -> ClientSummary | None: ...
    def by_number(self, number: str) -> Client: ...


class ProductRepository(Protocol):
    def add(self, product: Product) -> Product: ...
    def get(self, product_id: int) -> Product | None: ...
    def by_code(self, code: str) -> Product | None: ...
    def on_sale(self, day: dt.date) -> list[Product]: ...


class HoldingRepository(Protocol):
    def add(self, holding: Holding) -> Holding: ...
    def for_client(self, client_id: int) -> list[Holding]: ...


class BalanceRepository(Protocol):
    def record(self, balances: list[DailyBalance]) -> None: ...
    def daily(self, client_id: int, first: dt.date, last: dt.date) -> list[DailyBalance]: ...
    def average(self, client_id: int, first: dt.date, last: dt.date) -> Decimal: ...


class ContactRepository(Protocol):
    def add(self, contact: ContactRecord) -> ContactRecord: ...
    def for_client(self, client_id: int, limit: int = 50) -> list[ContactRecord]: ...


class TaskRepository(Protocol):
    def add(self, task: Task) -> Task: ...
    def get(self, task_id: int) -> Task | None: ...
    def close(self, task_id: int, status: str, at: dt.datetime) -> None: ...


class AppointmentRepository(Protocol):
    def add(self, appointment: Appointment) -> Appointment: ...
    def between(self, staff_id: int, start: dt.datetime, end: dt.datetime) -> list[Appointment]: ...


class AssessmentRepository(Protocol):
    def add(self, assessment: RiskAssessment) -> RiskAssessment: ...
    def latest(self, client_id: int) -> RiskAssessment | None: ...


class SuitabilityRepository(Protocol):
    def add(self, record: SuitabilityRecord) -> SuitabilityRecord: ...
    def for_client(self, client_id: int) -> list[SuitabilityRecord]: ...


class SaleRepository(Protocol):
    def add(self, sale: Sale) -> Sale: ...
    def for_client(self, client_id: int) -> list[Sale]: ...


class ReferralRepository(Protocol):
    def add(self, referral: Referral) -> Referral: ...
    def open_to(self, staff_id: int) -> list[Referral]: ...


class AuditLog(Protocol):
    def record(self, action: str, entity: str = "", entity_id: str = "", **detail: Any) -> None:
        """An event that is not a row write (sign-in, reveal, export); writes are audited automatically."""
        ...

    def recent(self, limit: int = 50) -> list[AuditEvent]: ...


class Views(Protocol):
    """Read models shaped for the screens: aggregate queries, not loops over rows."""

    def queue(self, staff_id: int, day: dt.date, day_start: dt.datetime, day_end: dt.datetime) -> list[QueueRow]: ...
    def clients(self, staff_id: int, text: str, limit: int) -> list[ClientListRow]: ...
    def day_figures(self, staff_id: int, day: dt.date, day_start: dt.datetime, day_end: dt.datetime) -> DayFigures: ...
    def assessments_due(self, staff_id: int, day: dt.date, horizon: dt.date) -> list[AssessmentDue]: ...
    def quarter_figures(self, staff_id: int, start: dt.datetime, end: dt.datetime) -> QuarterFigures: ...
    def data_as_of(self) -> dt.date | None: ...


class UnitOfWork(Protocol):
    meta: MetaRepository
    outlets: OutletRepository
    staff: StaffRepository
    clients: ClientRepository
    products: ProductRepository
    holdings: HoldingRepository
    balances: BalanceRepository
    contacts: ContactRepository
    tasks: TaskRepository
    appointments: AppointmentRepository
    assessments: AssessmentRepository
    suitability: SuitabilityRepository
    sales: SaleRepository
    referrals: ReferralRepository
    audit: AuditLog
    views: Views

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork:
        """A new unit of work acting for the signed-in staff member; ``write`` takes the write lock up front."""
        ...


class AccessDenied(Exception):
    """The acting staff member's role does not allow this."""
