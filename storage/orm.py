"""SQLAlchemy 2.0 typed ORM rows.

Money is integer fen; instants are naive UTC; codes are the enums' values.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    false,
    null,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlalchemy.types import TypeEngine

from csm_tui.domain.enums import (
    AccountKind,
    AppointmentStatus,
    AppraisalGrade,
    AssetType,
    Channel,
    Disposition,
    Grade,
    HoldingStatus,
    ProductCategory,
    ProspectCallKind,
    ProspectOutcome,
    QualificationKind,
    ReferralKind,
    ReferralStatus,
    Role,
    SuitabilityOutcome,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.values import from_fen, to_fen

E = TypeVar("E", bound=StrEnum)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Only a wealth product has an asset type, one of the four of the 资管新规 (migration 0019 writes the same check).
ASSET_TYPE_CHECK = "asset_type IS NULL OR (category = 'wealth' AND asset_type IN ({}))".format(
    ", ".join(f"'{a.value}'" for a in AssetType)
)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores instants as naive UTC on every backend and returns them as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must carry a time zone")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Fen(TypeDecorator[Decimal]):
    """Money: ``Decimal`` yuan in Python, integer fen in the database. Never a float."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> int | None:
        return None if value is None else to_fen(Decimal(value))

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_fen(int(value))


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal kept as text, the same on every backend (yields in percent)."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


def searched(length: int) -> TypeEngine[str]:
    """Text searched by prefix, kept in code-point order on every backend: SQLite's only order; on PostgreSQL the
    "C" collation, whatever the database's locale. Search matches a prefix as a range (``storage.views._prefix``),
    which holds exactly the texts starting with it only in code-point order: under ``zh_CN.UTF-8`` or
    ``en_US.UTF-8`` 王小明 is not between 王 and 王 followed by the last code point, nor C0012 after C001."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Code(TypeDecorator[E]):
    """One of the bank's fixed vocabularies (a ``StrEnum``): its value in the database, the enum in Python. The stored
    codes are the enums' values, as before: no migration."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime, dict[str, Any]: JSON}


class MetaRow(Base):
    """Facts about this database: whether it is a demo, the branch's name, the data's as-of date."""

    __tablename__ = "branch_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OutletRow(Base):
    __tablename__ = "outlets"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    sells_wealth: Mapped[bool] = mapped_column(Boolean, default=True)


class StaffRow(Base):
    __tablename__ = "staff"
    __table_args__ = (CheckConstraint("left_on IS NULL OR started_on IS NULL OR left_on >= started_on", name="dates"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    role: Mapped[Role] = mapped_column(Code(Role, 16))
    grade: Mapped[Grade | None] = mapped_column(Code(Grade, 16))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    started_on: Mapped[dt.date | None] = mapped_column(Date)  # first day on staff; None: before any record
    left_on: Mapped[dt.date | None] = mapped_column(Date)  # last day on staff; None: still on staff
    qualifications: Mapped[list[QualificationRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="QualificationRow.id"
    )


class QualificationRow(Base):
    __tablename__ = "staff_qualifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    kind: Mapped[QualificationKind] = mapped_column(Code(QualificationKind, 16))
    number: Mapped[str] = mapped_column(String(32), default="")
    obtained_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)


class ClientRow(Base):
    __tablename__ = "clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(searched(20), unique=True)
    name: Mapped[str] = mapped_column(searched(32))
    name_initials: Mapped[str] = mapped_column(searched(32), default="")  # pinyin initials, for search
    resident_id: Mapped[str] = mapped_column(searched(18), unique=True)
    mobile: Mapped[str | None] = mapped_column(searched(11))
    mobile_invalid: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str] = mapped_column(String(200), default="")
    occupation: Mapped[str] = mapped_column(String(64), default="")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    civil_capacity: Mapped[bool] = mapped_column(Boolean, default=True)
    phone_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    balance: Mapped[Decimal] = mapped_column("balance_fen", Fen, default=Decimal(0))
    avg_3m: Mapped[Decimal] = mapped_column("avg_3m_fen", Fen, default=Decimal(0))
    assets_as_of: Mapped[dt.date | None] = mapped_column(Date)
    # Kept with the figures by the balance import, for the queue's money at risk (None: not yet worked out): the
    # point balance on the previous data date, and the lowest 3-month average forecast over the days after
    # ``assets_as_of`` (``csm_tui.rules.money_at_risk.lowest_average``).
    # (a server default, so an insert of a client leaves them out, as for a database from before they were added)
    balance_before: Mapped[Decimal | None] = mapped_column("balance_before_fen", Fen, server_default=null())
    avg_3m_low: Mapped[Decimal | None] = mapped_column("avg_3m_low_fen", Fen, server_default=null())
    # Greeted on the lunar (农历) birthday: its month and day (month × 100 + day, worked out once from the birth date);
    # None: the solar one. A preference kept apart from the bank's data (not in ``Client``).
    lunar_birthday: Mapped[int | None] = mapped_column(Integer, server_default=null())
    id_expiry: Mapped[dt.date | None] = mapped_column(Date, server_default=null())  # KYC: the ID's last valid day
    id_long_term: Mapped[bool] = mapped_column(Boolean, server_default=false())  # 长期
    # By which a marketing event's invitees are picked (``storage.events``), from the client import: the company
    # paying the salary through the bank (代发工资单位), and securities custody (银证转账). Server defaults, like
    # ``lunar_birthday``'s: an insert of a client leaves them out.
    employer: Mapped[str] = mapped_column(String(64), server_default="")
    securities_custody: Mapped[bool] = mapped_column(Boolean, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every change: concurrent edits are refused
    # eager_defaults off: an insert neither writes nor reads back the columns left to the server's default
    __mapper_args__ = {"version_id_col": version, "eager_defaults": False}  # noqa: RUF012
    accounts: Mapped[list[AccountRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AccountRow.id"
    )


class ClientLinkRow(Base):
    """Two clients of one household: ``relative_id`` is ``client_id``'s ``relation`` (spouse, parent, child).

    One row per pair, the lower client id first, so a pair is linked once and read from either side by inverting the
    relation (``csm_tui.domain.households``): the database holds no two rows that could disagree."""

    __tablename__ = "client_links"
    __table_args__ = (
        UniqueConstraint("client_id", "relative_id"),
        CheckConstraint("client_id < relative_id", name="ordered"),
        CheckConstraint("relation IN ('spouse', 'parent', 'child')", name="relation"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    relative_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime | None]  # None: from the bank's data (an import; its audit entry has the time)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class AccountRow(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(searched(32), unique=True)
    kind: Mapped[AccountKind] = mapped_column(Code(AccountKind, 16))
    opened_on: Mapped[dt.date] = mapped_column(Date)


class BalanceSpanRow(Base):
    """A client's end-of-day total balance, held constant from ``first_day`` to ``last_day`` inclusive.

    Daily balances are stored as spans of equal value (a 拉链表, as the bank's warehouse keeps them):
    a client's six months are a handful of rows, not 180.
    """

    __tablename__ = "balance_spans"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    balance: Mapped[Decimal] = mapped_column("balance_fen", Fen)


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint(ASSET_TYPE_CHECK, name="asset_type"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[ProductCategory] = mapped_column(Code(ProductCategory, 16))
    issuer_rating: Mapped[int | None] = mapped_column(Integer)
    seller_rating: Mapped[int | None] = mapped_column(Integer)
    term_days: Mapped[int | None] = mapped_column(Integer)
    expected_yield: Mapped[Decimal | None] = mapped_column(DecimalText)  # percent a year
    min_amount: Mapped[Decimal] = mapped_column("min_amount_fen", Fen, default=Decimal(0))
    sale_start: Mapped[dt.date | None] = mapped_column(Date)
    sale_end: Mapped[dt.date | None] = mapped_column(Date)
    dual_recording: Mapped[bool] = mapped_column(Boolean, default=False)
    cooling_off_hours: Mapped[int] = mapped_column(Integer, default=0)
    private_placement: Mapped[bool] = mapped_column(Boolean, default=False)
    # A wealth product's asset type (资管新规), which sets a private placement's least purchase; NULL for others.
    asset_type: Mapped[AssetType | None] = mapped_column(Code(AssetType, 16))
    listed_on: Mapped[dt.date | None] = mapped_column(Date)


class HoldingRow(Base):
    __tablename__ = "holdings"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    amount: Mapped[Decimal] = mapped_column("amount_fen", Fen)
    start_date: Mapped[dt.date] = mapped_column(Date)
    maturity_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[HoldingStatus] = mapped_column(Code(HoldingStatus, 16), default=HoldingStatus.ACTIVE)
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"))


class ContactRow(Base):
    """A contact with a client; its task, where it names one, is the client's, a 回访 done's a 回访 or a contact's
    retry (migration 0024's triggers, beside the repository)."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    channel: Mapped[Channel] = mapped_column(Code(Channel, 16))
    started_at: Mapped[dt.datetime]
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    disposition: Mapped[Disposition] = mapped_column(Code(Disposition, 24))
    note: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))


class ContactTaskRow(Base):
    """A further task one contact answered besides its own ``task_id``: a 回访 done answers the open 回访 of each of
    the client's purchases, each recorded on the one contact (one call; a 回访 done for each purchase). Only so, in
    the database too (migration 0024's triggers)."""

    __tablename__ = "contact_tasks"
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True, index=True)


class TaskRow(Base):
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[TaskKind] = mapped_column(Code(TaskKind, 24))
    due_on: Mapped[dt.date] = mapped_column(Date)
    due_at: Mapped[dt.datetime | None]
    status: Mapped[TaskStatus] = mapped_column(Code(TaskStatus, 16), default=TaskStatus.OPEN)
    origin: Mapped[TaskOrigin] = mapped_column(Code(TaskOrigin, 16), default=TaskOrigin.MANUAL)
    origin_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]


class AppointmentRow(Base):
    __tablename__ = "appointments"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    starts_at: Mapped[dt.datetime]
    minutes: Mapped[int] = mapped_column(Integer, default=30)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[AppointmentStatus] = mapped_column(Code(AppointmentStatus, 16), default=AppointmentStatus.BOOKED)
    confirmed_at: Mapped[dt.datetime | None]
    marked_at: Mapped[dt.datetime | None]  # when the status was last set by hand: a mark is undone that day only


class AssessmentRow(Base):
    __tablename__ = "risk_assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    taken_at: Mapped[dt.datetime]
    answers: Mapped[dict[str, Any]]
    score: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    lowest_category: Mapped[bool] = mapped_column(Boolean, default=False)
    face_to_face: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_until: Mapped[dt.date] = mapped_column(Date)


class SuitabilityRow(Base):
    __tablename__ = "suitability_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    amount: Mapped[Decimal] = mapped_column("amount_fen", Fen)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("risk_assessments.id"))
    outcome: Mapped[SuitabilityOutcome] = mapped_column(Code(SuitabilityOutcome, 16))
    created_at: Mapped[dt.datetime]
    recording_ref: Mapped[str] = mapped_column(String(64), default="")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("suitability_records.id"))
    detail: Mapped[dict[str, Any]]


class SaleRow(Base):
    __tablename__ = "sales"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    amount: Mapped[Decimal] = mapped_column("amount_fen", Fen)
    sold_at: Mapped[dt.datetime]
    suitability_id: Mapped[int | None] = mapped_column(ForeignKey("suitability_records.id"))
    cooling_off_until: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    regular_plan: Mapped[bool] = mapped_column(Boolean, default=False)  # a fund regular-investment plan (基金定投)


class ReferralRow(Base):
    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[ReferralKind] = mapped_column(Code(ReferralKind, 16))
    from_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    to_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime]
    status: Mapped[ReferralStatus] = mapped_column(Code(ReferralStatus, 16), default=ReferralStatus.OPEN)
    reason: Mapped[str] = mapped_column(String(500), default="")  # the client's need, as referred: never rewritten
    closed_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str] = mapped_column(String(500), default="", server_default="")  # accept/return note


# A 沃德 client is in one 沃德 client manager's book at a time (migration 0023): one accepted 沃德 referral a client,
# whatever path the write takes — two desks accepting two referrals of one client at once included;
# ``ReferralRepository.close`` says so in words, naming the manager who holds the client.
WODE_ACCEPTED = and_(ReferralRow.kind == ReferralKind.WODE, ReferralRow.status == ReferralStatus.ACCEPTED)
ONE_WODE_MANAGER = Index(
    "uq_referrals_wode_accepted", ReferralRow.client_id, unique=True,
    sqlite_where=WODE_ACCEPTED, postgresql_where=WODE_ACCEPTED,
)  # fmt: skip


class AuditRow(Base):
    """Append-only. Each entry's hash covers its content and the previous entry's hash, signed by ``key_id``."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(48))
    entity: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[str] = mapped_column(String(32), default="")
    detail: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str | None] = mapped_column(String(16))  # the key that signed it (None: from before the key)


class ChecklistDayRow(Base):
    """One staff member's checklist for one day: the day summary, and the marks made by hand."""

    __tablename__ = "checklist_days"
    __table_args__ = (UniqueConstraint("staff_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_figures: Mapped[dict[str, Any] | None]
    summary_saved_at: Mapped[dt.datetime | None]


class ChecklistMarkRow(Base):
    __tablename__ = "checklist_marks"
    __table_args__ = (UniqueConstraint("day_id", "item"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("checklist_days.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(32))
    ticked: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime]


class ProductReadRow(Base):
    """What a staff member last read of a product: the fingerprint of the terms read, to tell a change."""

    __tablename__ = "product_reads"
    __table_args__ = (UniqueConstraint("staff_id", "product_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    read_at: Mapped[dt.datetime]


# --- the performance appraisal (issue 7) ---


class MysteryCheckRow(Base):
    __tablename__ = "mystery_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    checked_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    checked_on: Mapped[dt.date] = mapped_column(Date)
    passed: Mapped[dict[str, Any]]  # {"items": [codes]}
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")
    __table_args__ = (Index("ix_mystery_checks_period", "year", "quarter", "staff_id"),)


class TrainingRow(Base):
    __tablename__ = "training_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(100))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    __table_args__ = (Index("ix_training_records_staff_day", "staff_id", "day"),)


class GradeDecisionRow(Base):
    __tablename__ = "grade_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    year: Mapped[int] = mapped_column(Integer)
    grade: Mapped[AppraisalGrade] = mapped_column(Code(AppraisalGrade, 1))
    reason: Mapped[str] = mapped_column(String(500))
    decided_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[dt.datetime]
    __table_args__ = (UniqueConstraint("staff_id", "year"),)


class QuarterCloseRow(Base):
    __tablename__ = "quarter_closes"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[int] = mapped_column(Integer, primary_key=True)
    closed_at: Mapped[dt.datetime]
    closed_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))


class KeptAverageRow(Base):
    """A client's 3-month daily average (日均) at a quarter's end, worked out once from the balance spans when the
    bank's data has reached that day, and kept: it never changes after, and the scoreboard reads it cheaply."""

    __tablename__ = "kept_averages"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 (read by the primary key alone)
    as_of: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    avg_3m: Mapped[Decimal] = mapped_column("avg_3m_fen", Fen)


class ScoreTallyRow(Base):
    """A running tally of the scoreboard: one CSM's amount of one measure on one local day (days since 1970-01-01 at
    the offset kept in ``branch_meta``), derived from the records and kept current with them
    (``storage.score_tallies``)."""

    __tablename__ = "score_tallies"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 (read by the primary key alone)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure: Mapped[str] = mapped_column(String(40), primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class ScoreSnapshotRow(Base):
    __tablename__ = "score_snapshots"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    lines: Mapped[dict[str, Any]]  # {"lines": [Line.to_json()]}


class LeaveRow(Base):
    """A staff member's leave: local days ``first_day`` to ``last_day``, and the same as UTC instants (``starts_at``
    up to ``ends_at``, the next day's start) so access checks compare them with the clock without the time zone.
    ``cover_id``: the colleague whose queue takes the due calls meanwhile (None: they wait). Cancelled, never
    deleted."""

    __tablename__ = "staff_leave"
    __table_args__ = (
        CheckConstraint("last_day >= first_day AND ends_at > starts_at", name="days"),
        CheckConstraint("cover_id IS NULL OR cover_id <> staff_id", name="cover_other"),
        Index("ix_staff_leave_staff_days", "staff_id", "first_day"),
        Index("ix_staff_leave_cover_days", "cover_id", "starts_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(16))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    cover_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[dt.datetime]
    cancelled_at: Mapped[dt.datetime | None]


class AmlReportRow(Base):
    """A suspicion report (反洗钱可疑交易报告): filed by a CSM on a client, decided once by the outlet's AML reviewer.
    Immutable in the database (migration 0011's triggers): only ``status`` from open to reported or dismissed, with
    who decided, when and why, set once. ``signs``: the ``AmlSign`` codes, comma-separated."""

    __tablename__ = "aml_reports"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'reported', 'dismissed')", name="status"),
        Index("ix_aml_reports_outlet_status", "outlet_id", "status"),
        Index("ix_aml_reports_staff", "staff_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    signs: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str] = mapped_column(String(500), default="")


class EventRow(Base):
    """A marketing event (营销活动) of an outlet; its featured products are ``EventProductRow``s."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity"),
        CheckConstraint("minutes > 0", name="minutes"),
        CheckConstraint("kind IN ('community', 'payroll', 'securities', 'salon', 'branch')", name="kind"),
        Index("ix_events_starts", "starts_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[dt.datetime]
    minutes: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int] = mapped_column(Integer)
    company: Mapped[str] = mapped_column(String(64), default="")
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime]


class EventProductRow(Base):
    __tablename__ = "event_products"
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)


class InvitationRow(Base):
    """A client invited to an event (or walked in on the day): one row per event and client. ``staff_id`` is the
    client's manager when invited, whose queue takes the invitation's calls."""

    __tablename__ = "event_invitations"
    __table_args__ = (
        UniqueConstraint("event_id", "client_id"),
        CheckConstraint("status IN ('invited', 'no_answer', 'accepted', 'declined', 'walk_in')", name="status"),
        Index("ix_event_invitations_client", "client_id"),
        Index("ix_event_invitations_staff", "staff_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(16), default="invited")
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime]
    answered_at: Mapped[dt.datetime | None]
    attended_at: Mapped[dt.datetime | None]
    checked_in_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class ProspectRow(Base):
    """Someone not a client yet, followed by ``manager_id``; converted when an import brings a client with the same
    mobile or resident ID (the row stays, with the client it became); never-converted rows are purged after the
    retention."""

    __tablename__ = "prospects"
    __table_args__ = (
        CheckConstraint("consent", name="consent"),  # kept only with consent to be contacted
        # The numbers in their stored forms, which 0020's unique indexes compare (migration 0021): CHECKs on
        # PostgreSQL; triggers on SQLite, which cannot add a CHECK to a table without rebuilding it.
        CheckConstraint(r"mobile ~ '^1[0-9]{10}$'", name="mobile").ddl_if(dialect="postgresql"),
        CheckConstraint(r"resident_id IS NULL OR resident_id ~ '^[0-9]{17}[0-9X]$'", name="resident_id").ddl_if(
            dialect="postgresql"
        ),
        Index("ix_prospects_manager", "manager_id", "created_at"),
        Index("ix_prospects_mobile", "mobile"),
        Index("ix_prospects_resident_id", "resident_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    mobile: Mapped[str] = mapped_column(String(11))
    resident_id: Mapped[str | None] = mapped_column(String(18))  # optional: given with consent, matched on import
    consent: Mapped[bool] = mapped_column(Boolean)
    manager_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    met_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    introduced_by: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime]
    converted_client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    converted_at: Mapped[dt.datetime | None]
    stopped: Mapped[ProspectOutcome | None] = mapped_column(Code(ProspectOutcome, 16))  # why the calls ended
    stopped_at: Mapped[dt.datetime | None]


class ProspectTaskRow(Base):
    """A call to make to a prospect (their CSM's queue reads the open ones due)."""

    __tablename__ = "prospect_tasks"
    __table_args__ = (
        Index("ix_prospect_tasks_due", "staff_id", "status", "due_on"),
        Index("ix_prospect_tasks_prospect", "prospect_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[ProspectCallKind] = mapped_column(Code(ProspectCallKind, 16))
    due_on: Mapped[dt.date] = mapped_column(Date)
    due_at: Mapped[dt.datetime | None]
    status: Mapped[TaskStatus] = mapped_column(Code(TaskStatus, 16), default=TaskStatus.OPEN)
    created_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]


class ProspectContactRow(Base):
    """A call made to a prospect and what came of it."""

    __tablename__ = "prospect_contacts"
    __table_args__ = (Index("ix_prospect_contacts_prospect", "prospect_id", "started_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    started_at: Mapped[dt.datetime]
    outcome: Mapped[ProspectOutcome] = mapped_column(Code(ProspectOutcome, 16))
    note: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[int | None] = mapped_column(ForeignKey("prospect_tasks.id", ondelete="SET NULL"))


# A prospect someone follows: not a client yet, their calls not stopped. One person is one such prospect (migration
# 0020): the same mobile, or the same resident ID where given, is refused by the database whatever path the insert
# takes — two sessions taking the same person at once included; ``storage.prospects`` says so in words.
PROSPECT_FOLLOWED = and_(ProspectRow.converted_client_id.is_(None), ProspectRow.stopped.is_(None))
_RESIDENT_ID_FOLLOWED = and_(ProspectRow.resident_id.is_not(None), PROSPECT_FOLLOWED)
ONE_PROSPECT_A_PERSON = (
    Index(
        "uq_prospects_followed_mobile", ProspectRow.mobile, unique=True,
        sqlite_where=PROSPECT_FOLLOWED, postgresql_where=PROSPECT_FOLLOWED,
    ),
    Index(
        "uq_prospects_followed_resident_id", ProspectRow.resident_id, unique=True,
        sqlite_where=_RESIDENT_ID_FOLLOWED, postgresql_where=_RESIDENT_ID_FOLLOWED,
    ),
)  # fmt: skip


# The scoreboard's compliance check looks for an earlier blocked attempt of the same client and product; its 回访
# figure joins a sale to the tasks it left.
SCORE_INDEXES = (
    Index("ix_tasks_origin", TaskRow.origin, TaskRow.origin_id),
    Index("ix_suitability_client_product", SuitabilityRow.client_id, SuitabilityRow.product_id, SuitabilityRow.outcome),
)


# Indexes for the queries the screens run: the queue, search, the timeline and the scoreboard.
# What PostgreSQL's indexes carry besides their keys for the queue to read a book and its active holdings from the
# indexes alone (0028; SQLite has no included columns): of a client, the columns ``queue_sources.BOOK_COLUMNS`` reads.
BOOK_CARRIED = (
    "id", "name", "balance_fen", "balance_before_fen", "avg_3m_low_fen", "assets_as_of", "resident_id",
    "lunar_birthday", "id_expiry", "id_long_term",
)  # fmt: skip
HOLDING_CARRIED = ("id", "product_id", "amount_fen")
SCREEN_INDEXES = (
    Index("ix_clients_manager_name", ClientRow.manager_id, ClientRow.name),
    Index("ix_clients_manager_avg", ClientRow.manager_id, ClientRow.avg_3m, postgresql_include=BOOK_CARRIED),
    Index("ix_clients_manager_initials", ClientRow.manager_id, ClientRow.name_initials),
    Index("ix_clients_manager_number", ClientRow.manager_id, ClientRow.number),
    Index("ix_clients_name", ClientRow.name, ClientRow.id),  # a screenful of others' clients, in order (0025)
    Index("ix_clients_initials", ClientRow.name_initials, ClientRow.id),
    Index("ix_clients_mobile", ClientRow.mobile),
    Index("ix_balance_spans_client_day", BalanceSpanRow.client_id, BalanceSpanRow.first_day),
    Index(
        "ix_holdings_client_maturity",
        HoldingRow.client_id,
        HoldingRow.status,
        HoldingRow.maturity_date,  # 0026
        postgresql_include=HOLDING_CARRIED,
    ),
    Index("ix_holdings_maturity", HoldingRow.maturity_date, HoldingRow.status),
    Index("ix_contacts_client_started", ContactRow.client_id, ContactRow.started_at),
    Index("ix_contacts_staff_started", ContactRow.staff_id, ContactRow.started_at),
    Index("ix_tasks_staff_status_due", TaskRow.staff_id, TaskRow.status, TaskRow.due_on),
    Index("ix_tasks_staff_closed", TaskRow.staff_id, TaskRow.closed_at),  # the open ones and those closed today
    Index("ix_tasks_client", TaskRow.client_id),
    Index("ix_appointments_staff_starts", AppointmentRow.staff_id, AppointmentRow.starts_at),
    Index("ix_appointments_client", AppointmentRow.client_id),
    Index("ix_assessments_client_taken", AssessmentRow.client_id, AssessmentRow.taken_at),
    Index("ix_suitability_client", SuitabilityRow.client_id),
    Index("ix_sales_staff_sold", SaleRow.staff_id, SaleRow.sold_at),
    Index("ix_sales_client", SaleRow.client_id),
    Index("ix_referrals_to_status", ReferralRow.to_staff_id, ReferralRow.status),
    Index("ix_referrals_client", ReferralRow.client_id),
    Index("ix_audit_at", AuditRow.at),
)


def column_defaults(table: Table) -> dict[str, Any]:
    """What a row inserted in bulk may leave out: the column's scalar default, else None where it is nullable."""
    defaults: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key:
            continue
        if isinstance(column.default, ScalarElementColumnDefault):
            defaults[column.name] = column.default.arg
        elif column.nullable:
            defaults[column.name] = None
    return defaults
