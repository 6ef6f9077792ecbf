"""Entities of the bank's day. Kept apart from the ORM rows; repositories map between them.

Each entity the database numbers comes in two types: ``New<E>`` is one not stored yet (what a repository's ``add``
takes, no id), ``<E>`` one as stored, whose ``id`` is the database's and never None (what repositories return).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from csm_tui.domain.enums import (
    AccountKind,
    AmlSign,
    AmlStatus,
    AppointmentStatus,
    AssetType,
    Channel,
    Disposition,
    EventKind,
    Grade,
    HoldingStatus,
    InviteStatus,
    LeaveKind,
    ProductCategory,
    ProspectOutcome,
    QualificationKind,
    ReferralKind,
    ReferralStatus,
    RiskLevel,
    RiskRating,
    Role,
    SuitabilityOutcome,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.values import MobileNumber, Money, ResidentId


class Entity(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True, validate_default=True)


class NewOutlet(Entity):
    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=64)
    sells_wealth: bool = True


class Outlet(NewOutlet):
    """As stored: the id is the database's."""

    id: int


class Qualification(Entity):
    kind: QualificationKind
    number: str = ""
    obtained_on: dt.date
    expires_on: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        return self.obtained_on <= day and (self.expires_on is None or day <= self.expires_on)


class NewStaff(Entity):
    login: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=32)
    role: Role
    grade: Grade | None = None
    outlet_id: int | None = None
    supervisor_id: int | None = None
    active: bool = True
    started_on: dt.date | None = None  # first day on staff (None: before any record)
    left_on: dt.date | None = None  # last day on staff (None: still on staff)
    qualifications: tuple[Qualification, ...] = ()

    @model_validator(mode="after")
    def _grade_for_csm(self) -> NewStaff:
        if self.role is Role.CSM and self.grade is None:
            raise PydanticCustomError("value.grade_required", "a CSM has a grade")
        if self.role is not Role.CSM and self.grade is not None:
            raise PydanticCustomError("value.grade_only_csm", "only CSMs have a grade")
        if self.started_on is not None and self.left_on is not None and self.left_on < self.started_on:
            raise PydanticCustomError("value.left_before_start", "the last day on staff is before the first")
        return self

    def valid_qualifications(self, day: dt.date) -> set[QualificationKind]:
        return {q.kind for q in self.qualifications if q.valid_on(day)}


class Staff(NewStaff):
    """As stored: the id is the database's."""

    id: int


class Account(Entity):
    number: str = Field(min_length=8, max_length=32, pattern=r"^[0-9]+$")
    kind: AccountKind
    opened_on: dt.date


class NewClient(Entity):
    number: str = Field(min_length=1, max_length=20)  # 客户号
    name: str = Field(min_length=1, max_length=32)
    resident_id: ResidentId
    mobile: MobileNumber | None = None
    mobile_invalid: bool = False
    address: str = Field(default="", max_length=200)
    occupation: str = Field(default="", max_length=64)
    manager_id: int | None = None
    outlet_id: int | None = None
    civil_capacity: bool = True
    phone_opt_out: bool = False
    sms_opt_out: bool = False
    note: str = ""
    # KYC: the ID's last valid day (None: not known yet), or a long-term ID (长期) that never expires.
    id_expiry: dt.date | None = None
    id_long_term: bool = False
    # Assets as the bank's batch delivers them (T+2): point balance and 3-month daily average, as of a date.
    balance: Money = Decimal("0.00")
    avg_3m: Money = Decimal("0.00")
    assets_as_of: dt.date | None = None
    version: int = 1
    accounts: tuple[Account, ...] = ()

    def age_on(self, day: dt.date) -> int:
        return self.resident_id.age_on(day)


class Client(NewClient):
    """As stored: the id is the database's."""

    id: int


class ClientSummary(Entity):
    """What any staff member may see of a client who is not theirs: the OCRM summary, identity masked."""

    id: int
    number: str
    name: str
    masked_id: str
    masked_mobile: str
    manager_id: int | None
    own: bool


class NewProduct(Entity):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=64)
    category: ProductCategory
    issuer_rating: RiskRating | None = None
    seller_rating: RiskRating | None = None
    term_days: int | None = Field(default=None, ge=0)
    expected_yield: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=4)  # percent a year
    min_amount: Money = Decimal("0.00")
    sale_start: dt.date | None = None
    sale_end: dt.date | None = None
    dual_recording: bool = False  # 双录
    cooling_off_hours: int = Field(default=0, ge=0)
    private_placement: bool = False
    asset_type: AssetType | None = None  # a wealth product's (资管新规); None for other categories, or not yet set
    listed_on: dt.date | None = None  # when it appeared on the shelf

    @property
    def rating(self) -> RiskRating | None:
        """Where issuer and seller ratings differ, the higher counts."""
        ratings = [r for r in (self.issuer_rating, self.seller_rating) if r is not None]
        return max(ratings) if ratings else None

    def on_sale(self, day: dt.date) -> bool:
        return (self.sale_start is None or self.sale_start <= day) and (self.sale_end is None or day <= self.sale_end)

    @model_validator(mode="after")
    def _window(self) -> NewProduct:
        if self.sale_start and self.sale_end and self.sale_end < self.sale_start:
            raise PydanticCustomError("value.sale_window", "the sale window ends before it starts")
        if self.asset_type is not None and self.category is not ProductCategory.WEALTH:
            raise PydanticCustomError("value.asset_type_wealth_only", "only a wealth product has an asset type")
        return self


class Product(NewProduct):
    """As stored: the id is the database's."""

    id: int


class NewHolding(Entity):
    client_id: int
    product_id: int
    amount: Money
    start_date: dt.date
    maturity_date: dt.date | None = None
    status: HoldingStatus = HoldingStatus.ACTIVE
    sale_id: int | None = None


class Holding(NewHolding):
    """As stored: the id is the database's."""

    id: int


class DailyBalance(Entity):
    """A client's total balance at the end of one day."""

    client_id: int
    day: dt.date
    balance: Money


CONTACT_TEXT_MAX = 2000  # a contact's note and the client's feedback, each


class NewContactRecord(Entity):
    client_id: int
    staff_id: int
    channel: Channel
    started_at: dt.datetime
    duration_s: int = Field(default=0, ge=0)
    disposition: Disposition
    note: str = Field(default="", max_length=CONTACT_TEXT_MAX)
    feedback: str = Field(default="", max_length=CONTACT_TEXT_MAX)
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    task_id: int | None = None


class ContactRecord(NewContactRecord):
    """As stored: the id is the database's."""

    id: int


class NewTask(Entity):
    client_id: int
    staff_id: int
    kind: TaskKind
    due_on: dt.date
    due_at: dt.datetime | None = None  # a time the client named, if any
    status: TaskStatus = TaskStatus.OPEN
    origin: TaskOrigin = TaskOrigin.MANUAL
    origin_id: int | None = None
    note: str = Field(default="", max_length=2000)
    created_at: dt.datetime
    closed_at: dt.datetime | None = None


class Task(NewTask):
    """As stored: the id is the database's."""

    id: int


class NewAppointment(Entity):
    client_id: int
    staff_id: int
    starts_at: dt.datetime
    minutes: int = Field(default=30, gt=0, le=480)
    purpose: str = Field(default="", max_length=200)
    place: str = Field(default="", max_length=100)
    status: AppointmentStatus = AppointmentStatus.BOOKED
    confirmed_at: dt.datetime | None = None
    marked_at: dt.datetime | None = None


class Appointment(NewAppointment):
    """As stored: the id is the database's."""

    id: int


class NewRiskAssessment(Entity):
    client_id: int
    staff_id: int
    taken_at: dt.datetime
    answers: dict[str, str]
    score: int = Field(ge=0)
    level: RiskLevel
    lowest_category: bool = False
    face_to_face: bool = False
    valid_until: dt.date


class RiskAssessment(NewRiskAssessment):
    """As stored: the id is the database's."""

    id: int


class NewSuitabilityRecord(Entity):
    """One attempt to sell, kept whole and never edited; a correction is a new record referencing this one."""

    client_id: int
    staff_id: int
    outlet_id: int
    product_id: int
    amount: Money
    assessment_id: int | None = None
    outcome: SuitabilityOutcome
    created_at: dt.datetime
    recording_ref: str = ""
    corrects_id: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict)  # profile snapshot, checks, warnings, confirmations


class SuitabilityRecord(NewSuitabilityRecord):
    """As stored: the id is the database's."""

    id: int


class NewSale(Entity):
    client_id: int
    staff_id: int
    outlet_id: int
    product_id: int
    amount: Money = Field(gt=0)
    sold_at: dt.datetime
    suitability_id: int | None = None
    cooling_off_until: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    regular_plan: bool = False  # a fund regular-investment plan (基金定投): the first purchase of the plan


class Sale(NewSale):
    """As stored: the id is the database's."""

    id: int


REFERRAL_TEXT_MAX = 500  # a referral's need, and the note of its decision or release


class NewReferral(Entity):
    client_id: int
    kind: ReferralKind
    from_staff_id: int
    to_staff_id: int
    created_at: dt.datetime
    status: ReferralStatus = ReferralStatus.OPEN
    reason: str = Field(default="", max_length=REFERRAL_TEXT_MAX)  # the client's need
    closed_at: dt.datetime | None = None
    decision_note: str = Field(default="", max_length=REFERRAL_TEXT_MAX)  # the receiving manager's, on deciding


class Referral(NewReferral):
    """As stored: the id is the database's."""

    id: int


class AuditEvent(Entity):
    id: int
    at: dt.datetime
    staff_id: int | None
    action: str
    entity: str = ""
    entity_id: str = ""
    detail: dict[str, Any] = Field(default_factory=dict)  # never full ID or phone numbers


class ChecklistMark(Entity):
    """A checklist item ticked by hand, or any item's note, for one staff member and day."""

    item: str = Field(min_length=1, max_length=32)
    ticked: bool = False
    note: str = Field(default="", max_length=500)
    updated_at: dt.datetime


class DaySummary(Entity):
    """The day summary (班后): a short text and the day's figures as they stood when it was saved."""

    text: str = Field(default="", max_length=2000)
    figures: dict[str, int] = Field(default_factory=dict)
    saved_at: dt.datetime | None = None


class ProductRead(Entity):
    product_id: int
    fingerprint: str
    read_at: dt.datetime


class NewLeave(Entity):
    """A staff member away from ``first_day`` to ``last_day`` (branch-local days, both included); ``starts_at`` and
    ``ends_at`` are the same days as UTC instants. ``cover_id``: the colleague whose queue takes the due calls."""

    staff_id: int
    kind: LeaveKind
    first_day: dt.date
    last_day: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    cover_id: int | None = None
    note: str = Field(default="", max_length=200)
    recorded_by: int | None = None
    recorded_at: dt.datetime
    cancelled_at: dt.datetime | None = None

    @model_validator(mode="after")
    def _days_in_order(self) -> NewLeave:
        if self.last_day < self.first_day or self.ends_at <= self.starts_at:
            raise PydanticCustomError("value.leave_days", "the last day of leave is before the first")
        if self.cover_id is not None and self.cover_id == self.staff_id:
            raise PydanticCustomError("value.leave_cover_self", "nobody covers for themselves")
        return self

    def covers(self, day: dt.date) -> bool:
        """The leave includes ``day``."""
        return self.cancelled_at is None and self.first_day <= day <= self.last_day


class Leave(NewLeave):
    """As stored: the id is the database's."""

    id: int


class NewAmlReport(Entity):
    """A suspicion report (可疑交易报告) a CSM files on a client, for the outlet's AML reviewer. Never shown to anyone
    but its author and the reviewers; never changed but by the reviewer's one decision (``status`` from open)."""

    client_id: int
    staff_id: int  # who filed it
    outlet_id: int  # whose reviewer decides it
    signs: tuple[AmlSign, ...] = Field(min_length=1)
    text: str = Field(min_length=1, max_length=2000)
    filed_at: dt.datetime
    status: AmlStatus = AmlStatus.OPEN
    decided_by: int | None = None
    decided_at: dt.datetime | None = None
    decision_reason: str = Field(default="", max_length=500)


class AmlReport(NewAmlReport):
    """As stored: the id is the database's."""

    id: int


class NewEvent(Entity):
    """A marketing event (营销活动): when and where, for how many, which products it features; ``company`` is the
    payroll company of a payroll event."""

    kind: EventKind
    title: str = Field(min_length=1, max_length=64)
    starts_at: dt.datetime
    minutes: int = Field(default=90, gt=0, le=480)
    place: str = Field(min_length=1, max_length=100)
    capacity: int = Field(gt=0)
    company: str = Field(default="", max_length=64)
    product_ids: tuple[int, ...] = ()
    outlet_id: int | None = None
    created_by: int | None = None
    created_at: dt.datetime

    @model_validator(mode="after")
    def _company_for_payroll(self) -> NewEvent:
        if self.kind is EventKind.PAYROLL and not self.company.strip():
            raise PydanticCustomError("value.event_company", "a payroll event names the company")
        return self


class Event(NewEvent):
    """As stored: the id is the database's."""

    id: int


class NewInvitation(Entity):
    """A client invited to (or walked into) an event; ``staff_id`` is the manager who calls them."""

    event_id: int
    client_id: int
    staff_id: int
    status: InviteStatus = InviteStatus.INVITED
    invited_by: int | None = None
    created_at: dt.datetime
    answered_at: dt.datetime | None = None
    attended_at: dt.datetime | None = None
    checked_in_by: int | None = None


class Invitation(NewInvitation):
    """As stored: the id is the database's."""

    id: int


class NewProspect(Entity):
    """Someone who is not a client yet (潜在客户), met at an event or introduced by a client, followed by
    ``manager_id`` until they open an account (``converted_client_id``): a name and how to reach them, never
    financial data; kept only with their consent to be contacted, and purged when never converted (PIPL)."""

    name: str = Field(min_length=1, max_length=32)
    mobile: MobileNumber
    resident_id: ResidentId | None = None  # optional, given with consent: the import converts on it too
    consent: bool
    manager_id: int
    met_by: int | None = None
    event_id: int | None = None
    introduced_by: int | None = None  # the client who introduced them
    note: str = Field(default="", max_length=200)
    created_at: dt.datetime
    converted_client_id: int | None = None
    converted_at: dt.datetime | None = None
    stopped: ProspectOutcome | None = None  # the outcome that ended their calls
    stopped_at: dt.datetime | None = None


class Prospect(NewProspect):
    """As stored: the id is the database's."""

    id: int
