"""Repositories: one per aggregate, returning domain objects, never ORM rows."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from csm_tui.domain.enums import (
    AppointmentStatus,
    Disposition,
    HoldingStatus,
    ReferralKind,
    ReferralStatus,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import (
    Appointment,
    Client,
    ClientSummary,
    ContactRecord,
    DailyBalance,
    Holding,
    NewAppointment,
    NewClient,
    NewContactRecord,
    NewHolding,
    NewOutlet,
    NewProduct,
    NewReferral,
    NewRiskAssessment,
    NewSale,
    NewStaff,
    NewSuitabilityRecord,
    NewTask,
    Outlet,
    Product,
    Referral,
    RiskAssessment,
    Sale,
    Staff,
    SuitabilityRecord,
    Task,
)
from csm_tui.domain.values import mask_mobile, mask_resident_id, to_fen
from csm_tui.rules import kyc
from csm_tui.rules.cadence import NOT_REACHED, RETRIES_FOLLOWED
from csm_tui.rules.tiers import daily_average
from csm_tui.services.ports import AccessDenied, ConcurrentEdit, TaskNotOpen
from csm_tui.services.rows import ClosedTask
from storage.access import Access
from storage.orm import (
    WODE_ACCEPTED,
    AccountRow,
    AppointmentRow,
    AssessmentRow,
    AuditRow,
    BalanceSpanRow,
    Base,
    ClientRow,
    ContactRow,
    ContactTaskRow,
    HoldingRow,
    MetaRow,
    OutletRow,
    ProductRow,
    QualificationRow,
    ReferralRow,
    SaleRow,
    StaffRow,
    SuitabilityRow,
    TaskRow,
)

# Surnames read otherwise than the character's everyday reading (曾国藩 is Zeng, not Ceng).
SURNAME_INITIALS = {
    "曾": "z", "单": "s", "查": "z", "仇": "q", "解": "x", "朴": "p", "区": "o", "盖": "g", "覃": "q",
    "翟": "z", "秘": "b", "尉": "y", "乐": "y", "缪": "m", "种": "c", "句": "g", "召": "s", "员": "y",
    "隗": "w", "繁": "p", "长": "c", "万俟": "mq", "尉迟": "yc",
}  # fmt: skip


@functools.lru_cache(maxsize=65_536)  # common names recur: an import of a branch's clients asks for most many times
def name_initials(name: str) -> str:
    """Pinyin initials of a Chinese name, for search: 张三丰 → zsf, 曾国藩 → zgf (surnames read as surnames)."""
    from pypinyin import Style, lazy_pinyin  # imported when first needed: it costs a quarter second at start-up

    surname = next((s for s in sorted(SURNAME_INITIALS, key=len, reverse=True) if name.startswith(s)), "")
    rest = "".join(lazy_pinyin(name[len(surname) :], style=Style.FIRST_LETTER)).replace(" ", "").lower()
    return SURNAME_INITIALS.get(surname, "") + rest


# A task's closing write reaches the audit log within this of its ``closed_at`` (the same clock, read when the write
# is flushed, moments later in the same transaction).
CLOSE_AUDITED_WITHIN = dt.timedelta(minutes=5)

N = TypeVar("N", bound=BaseModel)  # what ``add`` takes: an entity not stored yet
M = TypeVar("M", bound=BaseModel)  # what the repository returns: as stored, with its id
R = TypeVar("R", bound=Base)


class _Repo(Generic[N, M, R]):
    """A repository acting for ``actor``: rows tied to a client (``client_scoped``) are read and written only by
    those who may see the client in full; reference data (``admin_writes``) is written by admins only."""

    model: ClassVar[type[Any]]
    row: ClassVar[type[Any]]
    nested: ClassVar[frozenset[str]] = frozenset()
    client_scoped: ClassVar[bool] = False
    # Written only by those who may change the client's record (not a colleague covering the manager's leave).
    record_writes: ClassVar[bool] = False
    admin_writes: ClassVar[bool] = False

    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def _require_admin(self) -> None:
        self.access.require_admin(self.row.__tablename__)

    def _require_client(self, client_id: int) -> None:
        """Refuse unless the actor may work with the client's full record (asked once per unit of work)."""
        self.access.require_client(client_id)

    def _allowed_write(self, item: N) -> None:
        if self.admin_writes:
            self._require_admin()
        if self.client_scoped:
            self._require_client(item.client_id)  # type: ignore[attr-defined]
        if self.record_writes:
            self.access.require_client_record(item.client_id)  # type: ignore[attr-defined]

    def _scoped_row(self, item_id: int) -> R | None:
        row = self.session.get(self.row, item_id)
        if row is not None and self.client_scoped:
            self._require_client(row.client_id)
        return row

    def _model(self, row: R) -> M:
        return self.model.model_validate(row, from_attributes=True)  # type: ignore[no-any-return]

    def _row(self, item: N) -> R:
        data = item.model_dump(exclude={"id", *self.nested})
        return self.row(**data)  # type: ignore[no-any-return]

    def add(self, item: N) -> M:
        self._allowed_write(item)
        row = self._row(item)
        self.session.add(row)
        self.session.flush()
        return self._model(row)

    def get(self, item_id: int) -> M | None:
        row = self._scoped_row(item_id)
        return None if row is None else self._model(row)


class _Deletable(_Repo[N, M, R]):
    """A repository whose rows may be deleted. Records (risk assessments, suitability records, sales) are not:
    their repositories have no ``delete``, and the database refuses it too."""

    def delete(self, item_id: int) -> None:
        if self.admin_writes:
            self._require_admin()
        row = self._scoped_row(item_id)
        if row is None:
            raise LookupError(item_id)
        self.session.delete(row)
        self.session.flush()


class MetaRepository:
    """Facts about the database (a demo, the data's as-of date, the policy recorded): read by anyone, set by the
    admin (an import) and the system (start-up) only."""

    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def get(self, key: str) -> str | None:
        row = self.session.get(MetaRow, key)
        return None if row is None else row.value

    def set(self, key: str, value: str) -> None:
        self.access.require_admin("branch_meta")
        self.session.merge(MetaRow(key=key, value=value))


class OutletRepository(_Deletable[NewOutlet, Outlet, OutletRow]):
    model, row = Outlet, OutletRow
    admin_writes = True

    def list(self) -> list[Outlet]:
        return [self._model(r) for r in self.session.scalars(select(OutletRow).order_by(OutletRow.code))]


class StaffRepository(_Deletable[NewStaff, Staff, StaffRow]):
    model, row = Staff, StaffRow
    nested = frozenset({"qualifications"})
    admin_writes = True

    def _row(self, item: NewStaff) -> StaffRow:
        row = super()._row(item)
        row.qualifications = [QualificationRow(**q.model_dump()) for q in item.qualifications]
        return row

    def by_login(self, login: str) -> Staff | None:
        row = self.session.scalar(select(StaffRow).where(StaffRow.login == login))
        return None if row is None else self._model(row)

    def with_role(self, role: Role) -> list[Staff]:
        rows = self.session.scalars(
            select(StaffRow).where(StaffRow.role == role, StaffRow.active).order_by(StaffRow.login)
        )
        return [self._model(r) for r in rows]

    def lock(self, staff_id: int) -> None:
        """Hold the staff member's row until this transaction ends, so that a limit on what one person may do (look-ups
        by whole number an hour) is counted and used with none of their other sessions in between (PostgreSQL; on
        SQLite, writers are serialised already)."""
        self.session.execute(select(StaffRow.id).where(StaffRow.id == staff_id).with_for_update(key_share=True))

    def team(self, supervisor_id: int) -> list[Staff]:
        rows = self.session.scalars(
            select(StaffRow).where(StaffRow.supervisor_id == supervisor_id).order_by(StaffRow.login)
        )
        return [self._model(r) for r in rows]


CONTACT_FLAGS = frozenset({"mobile_invalid", "phone_opt_out", "sms_opt_out"})
EDITABLE = frozenset(
    {"mobile", "mobile_invalid", "address", "occupation", "phone_opt_out", "sms_opt_out", "note", *kyc.FIELDS}
)


class ClientRepository(_Deletable[NewClient, Client, ClientRow]):
    """Clients, scoped by the acting staff member (the OCRM rule): full details of own clients only."""

    model, row = Client, ClientRow
    nested = frozenset({"accounts"})

    def _allowed_write(self, item: NewClient) -> None:
        """Clients come from the bank's data (an admin's import); a manager may add one of their own only."""
        if not (self.access.admin or self.access.is_self(item.manager_id)):
            raise AccessDenied("client")

    def _row(self, item: NewClient) -> ClientRow:
        # The ID's expiry (KYC) is written only when known: left out, the server's default stands (as on a database
        # of a revision before it, which the upgrade tests write to).
        unset = {f for f in kyc.FIELDS if getattr(item, f) == NewClient.model_fields[f].default}
        row = ClientRow(**item.model_dump(exclude={"id", *self.nested, *unset}))
        row.name_initials = name_initials(item.name)
        row.accounts = [AccountRow(**a.model_dump()) for a in item.accounts]
        return row

    def delete(self, item_id: int) -> None:
        self._require_admin()
        super().delete(item_id)

    def _full_row(self, client_id: int) -> ClientRow:
        row = self.session.get(ClientRow, client_id)
        if row is None:
            raise LookupError(client_id)
        self.access.require_client(row.id, row.manager_id, known=True)
        return row

    def get(self, item_id: int) -> Client:
        return self._model(self._full_row(item_id))

    def in_book(self, client_id: int) -> bool:
        return self.access.in_book(client_id)

    def only_referred(self, client_id: int) -> bool:
        return self.access.only_referred(client_id)

    def only_covering(self, client_id: int) -> bool:
        return self.access.only_covering(client_id)

    def get_to_change(self, client_id: int) -> Client:
        """The client in full, for a change of their record or a sale: refused to a colleague who sees them only
        while covering their manager's leave."""
        row = self._full_row(client_id)
        self.access.require_client_record(row.id, row.manager_id, known=True)
        return self._model(row)

    def update(self, client_id: int, version: int, **changes: Any) -> Client:
        """Change editable details of a client last read at ``version``; refused if someone saved since."""
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ValueError(sorted(unknown))
        row = self._full_row(client_id)
        self.access.require_client_record(row.id, row.manager_id, known=True)  # a cover makes calls, edits nothing
        if row.version != version:
            raise ConcurrentEdit(client_id)
        for name, value in changes.items():
            setattr(row, name, value)
        try:
            self.session.flush()  # UPDATE ... WHERE version = :read (the mapper's version counter)
        except StaleDataError:
            raise ConcurrentEdit(client_id) from None
        return self._model(row)

    def assign(self, client_id: int, manager_id: int) -> None:
        """Make ``manager_id`` the client's manager. An admin may give any client to anyone; a supervisor moves
        clients within the team; a client without a manager (a walk-in) goes to an active CSM when the lobby, a
        teller or a supervisor refers them (services.referrals.refer_walk_in). Nobody else assigns, and no
        lobby manager or teller becomes a manager (they would read the client in full).

        The client's 沃德 relationship (their accepted 沃德 referral) is apart from who manages them and stays as it
        is: given to another CSM, the client stays in the 沃德 client manager's book too; given to that 沃德 client
        manager themself, the client is in their book once (managed and accepted), nothing to undo; never given to
        another 沃德 client manager (``wode_client_assign``: in one 沃德 client manager's book at a time)."""
        # a 沃德 referral accepted at once on another desk: one after the other (``ReferralRepository.close``)
        row = self.session.get(ClientRow, client_id, with_for_update={"key_share": True})
        if row is None:
            raise LookupError(client_id)
        access = self.access
        if not access.admin:
            target = self.session.get(StaffRow, manager_id)
            if target is None or target.role != Role.CSM or not target.active:
                raise AccessDenied("client")
            if access.has_role(Role.SUPERVISOR):
                in_team = all(access.may_act_for(m) for m in (manager_id, row.manager_id) if m is not None)
                allowed = row.manager_id is None or in_team
            else:
                allowed = row.manager_id is None and access.has_role(Role.LOBBY, Role.TELLER)
            if not allowed:
                raise AccessDenied("client")
        if (held_by := wode_accepted_by_other(self.session, client_id, manager_id)) is not None and (
            self.session.scalar(select(StaffRow.role).where(StaffRow.id == manager_id)) is Role.WEALTH_MANAGER
        ):
            raise DomainError("wode_client_assign", name=held_by)  # in one 沃德 client manager's book at a time
        row.manager_id = manager_id
        self.session.flush()
        access.forget_client(client_id)

    def set_civil_capacity(self, client_id: int, capable: bool) -> Client:
        """Whether the client has full civil capacity: set by a supervisor of the client's team or an admin."""
        if not (self.access.admin or self.access.has_role(Role.SUPERVISOR)):
            raise AccessDenied("client")
        row = self._full_row(client_id)
        row.civil_capacity = capable
        self.session.flush()
        return self._model(row)

    def set_flags(self, client_id: int, **flags: bool) -> dict[str, bool]:
        """Set contact flags (``mobile_invalid``, ``phone_opt_out``, ``sms_opt_out``); returns the old values. Not by
        a 沃德 client manager whose referral of the client is still open (``Access.require_client_calls``)."""
        row = self._full_row(client_id)
        self.access.require_client_calls(row.id, row.manager_id, known=True)
        before = {name: bool(getattr(row, name)) for name in flags}
        for name, value in flags.items():
            if name not in CONTACT_FLAGS:
                raise ValueError(name)
            setattr(row, name, value)
        self.session.flush()
        return before

    def id_of(self, number: str) -> int | None:
        return self.session.scalar(select(ClientRow.id).where(ClientRow.number == number))

    def lock(self, client_id: int) -> None:
        """Hold the client until this transaction ends, so that a rule counting the client's rows ("at most one open
        沃德 referral", assessments a day, purchases in proportion) is checked and acted on with no other session in
        between. PostgreSQL: a row lock that other
        lockers wait for (NO KEY UPDATE: rows that merely reference the client are not held up); SQLite: writers
        are serialised already by BEGIN IMMEDIATE."""
        self.session.execute(select(ClientRow.id).where(ClientRow.id == client_id).with_for_update(key_share=True))

    def by_number(self, number: str) -> Client:
        row_id = self.session.scalar(select(ClientRow.id).where(ClientRow.number == number))
        if row_id is None:
            raise LookupError(number)
        return self.get(row_id)

    def summary(self, client_id: int) -> ClientSummary | None:
        row = self.session.get(ClientRow, client_id)
        if row is None:
            return None
        return ClientSummary(
            id=row.id,
            number=row.number,
            name=row.name,
            masked_id=mask_resident_id(row.resident_id),
            masked_mobile=mask_mobile(row.mobile),
            manager_id=row.manager_id,
            own=self.access.is_self(row.manager_id),
        )


class ProductRepository(_Deletable[NewProduct, Product, ProductRow]):
    model, row = Product, ProductRow
    admin_writes = True

    def by_code(self, code: str) -> Product | None:
        row = self.session.scalar(select(ProductRow).where(ProductRow.code == code))
        return None if row is None else self._model(row)

    def on_sale(self, day: dt.date) -> list[Product]:
        rows = self.session.scalars(
            select(ProductRow)
            .where(
                (ProductRow.sale_start.is_(None)) | (ProductRow.sale_start <= day),
                (ProductRow.sale_end.is_(None)) | (ProductRow.sale_end >= day),
            )
            .order_by(ProductRow.category, ProductRow.code)
        )
        return [self._model(r) for r in rows]


class HoldingRepository(_Deletable[NewHolding, Holding, HoldingRow]):
    model, row = Holding, HoldingRow
    client_scoped = True
    record_writes = True  # what the client holds is their record (a sale's, or the bank's by an import)

    def for_client(self, client_id: int) -> list[Holding]:
        self._require_client(client_id)
        rows = self.session.scalars(
            select(HoldingRow).where(HoldingRow.client_id == client_id).order_by(HoldingRow.start_date, HoldingRow.id)
        )
        return [self._model(r) for r in rows]


class BalanceRepository(_Deletable[DailyBalance, DailyBalance, BalanceSpanRow]):
    """Daily balances, stored as spans of days with the same balance. They come from the bank (imports)."""

    row = BalanceSpanRow

    def record(self, balances: list[DailyBalance]) -> None:
        """Record consecutive days' balances of clients; equal neighbours extend one span."""
        self._require_admin()
        for item in sorted(balances, key=lambda b: (b.client_id, b.day)):
            last = self.session.scalar(
                select(BalanceSpanRow)
                .where(BalanceSpanRow.client_id == item.client_id, BalanceSpanRow.first_day <= item.day)
                .order_by(BalanceSpanRow.first_day.desc())
                .limit(1)
            )
            if last is not None and last.last_day >= item.day:
                raise ValueError(f"balance for {item.day} already recorded")
            if last is not None and last.balance == item.balance and last.last_day == item.day - dt.timedelta(1):
                last.last_day = item.day
            else:
                self.session.add(
                    BalanceSpanRow(
                        client_id=item.client_id, first_day=item.day, last_day=item.day, balance=item.balance
                    )
                )
            self.session.flush()

    def daily(self, client_id: int, first: dt.date, last: dt.date) -> list[DailyBalance]:
        self._require_client(client_id)
        spans = self.session.scalars(
            select(BalanceSpanRow)
            .where(
                BalanceSpanRow.client_id == client_id,
                BalanceSpanRow.last_day >= first,
                BalanceSpanRow.first_day <= last,
            )
            .order_by(BalanceSpanRow.first_day)
        )
        days: list[DailyBalance] = []
        for span in spans:
            day = max(span.first_day, first)
            while day <= min(span.last_day, last):
                days.append(DailyBalance(client_id=client_id, day=day, balance=span.balance))
                day += dt.timedelta(days=1)
        return days

    def average(self, client_id: int, first: dt.date, last: dt.date) -> Decimal:
        """The daily average over ``first``..``last``; days with no record count as zero (rounded down to the fen)."""
        total = sum((b.balance for b in self.daily(client_id, first, last)), Decimal(0))
        return daily_average(to_fen(total), (last - first).days + 1)


def follows_service_callback(session: Session, task: TaskRow) -> bool:
    """``task`` is a 回访, or a callback the cadence booked when one went unanswered (or the client was busy), a
    retry's retry too: what a 回访 done answers."""
    row: TaskRow | None = task
    for _ in range(RETRIES_FOLLOWED):
        if row is None:
            return False
        if row.kind == TaskKind.SERVICE_CALLBACK:
            return True
        if row.kind != TaskKind.CALLBACK or row.origin != TaskOrigin.CONTACT or row.origin_id is None:
            return False
        contact = session.get(ContactRow, row.origin_id)
        if contact is None or contact.task_id is None or contact.disposition not in NOT_REACHED:
            return False
        row = session.get(TaskRow, contact.task_id)
    return False


class ContactRepository(_Deletable[NewContactRecord, ContactRecord, ContactRow]):
    model, row = ContactRecord, ContactRow
    client_scoped = True

    def _allowed_write(self, item: NewContactRecord) -> None:
        """The contact's task is one of its client's (else ``AccessDenied``); a 回访 done answers a 回访 or a retry of
        one (``follows_service_callback``), and is refused in words on any other task or on none (the database
        takes one without a task: a copy of the branch brings those written before the rule)."""
        super()._allowed_write(item)
        if item.task_id is None:
            if item.disposition is Disposition.SERVICE_DONE:
                raise DomainError("service_done_without_task")
            return
        task = self.session.get(TaskRow, item.task_id)
        if task is None or task.client_id != item.client_id:
            raise AccessDenied("task")
        if item.disposition is Disposition.SERVICE_DONE and not follows_service_callback(self.session, task):
            raise DomainError("service_done_task_not_a_callback")

    def count(self, client_id: int, disposition: Disposition, start: dt.datetime, end: dt.datetime) -> int:
        """Contacts with the client ending in ``disposition`` between ``start`` and ``end``."""
        self._require_client(client_id)
        return (
            self.session.scalar(
                select(func.count()).where(
                    ContactRow.client_id == client_id,
                    ContactRow.disposition == disposition,
                    ContactRow.started_at >= start,
                    ContactRow.started_at < end,
                )
            )
            or 0
        )

    def also_answers(self, contact_id: int, task_ids: Iterable[int]) -> None:
        """Record that the 回访 done ``contact_id`` answered ``task_ids`` too, besides its own ``task_id``: each an
        open 回访 (or a retry of one) of the contact's client, its maker's or the client's manager's. Anything else
        is refused (``AccessDenied``) before a row is written."""
        contact = self._scoped_row(contact_id)
        if contact is None:
            raise LookupError(contact_id)
        ids = list(dict.fromkeys(task_ids))
        client = self.session.get(ClientRow, contact.client_id)
        staff = {contact.staff_id, None if client is None else client.manager_id}
        found = self.session.scalars(select(TaskRow).where(TaskRow.id.in_(ids))).all()
        if (
            contact.disposition != Disposition.SERVICE_DONE
            or len(found) != len(ids)
            or contact.task_id in ids
            or any(
                t.client_id != contact.client_id or t.staff_id not in staff or t.status != TaskStatus.OPEN
                or not follows_service_callback(self.session, t)
                for t in found
            )
        ):  # fmt: skip
            raise AccessDenied("task")
        self.session.add_all(ContactTaskRow(contact_id=contact_id, task_id=task_id) for task_id in ids)
        self.session.flush()

    def delete(self, item_id: int) -> None:
        """The contact and the further 回访 it answered (each row's deletion audited, as every write)."""
        for row in self.session.scalars(select(ContactTaskRow).where(ContactTaskRow.contact_id == item_id)):
            self.session.delete(row)
        super().delete(item_id)

    def for_client(self, client_id: int, limit: int = 50) -> list[ContactRecord]:
        self._require_client(client_id)
        rows = self.session.scalars(
            select(ContactRow)
            .where(ContactRow.client_id == client_id)
            .order_by(ContactRow.started_at.desc())
            .limit(limit)
        )
        return [self._model(r) for r in rows]


class TaskRepository(_Deletable[NewTask, Task, TaskRow]):
    model, row = Task, TaskRow
    client_scoped = True

    def _allowed_write(self, item: NewTask) -> None:
        """A referral's call goes into the receiving manager's queue, written by whoever made the referral (a walk-in
        sent by the lobby or a teller, a CSM's 沃德 referral: of a client not the receiver's yet): only on an open
        referral (``origin_id``) they made of that client to that manager. Any other task: the client's to write."""
        if item.kind is not TaskKind.REFERRAL:
            super()._allowed_write(item)
            return
        if self.access.admin:
            return
        referral = (
            self.session.get(ReferralRow, item.origin_id)
            if item.origin is TaskOrigin.REFERRAL and item.origin_id is not None
            else None
        )
        if (
            referral is None
            or referral.status != ReferralStatus.OPEN
            or (referral.client_id, referral.to_staff_id) != (item.client_id, item.staff_id)
            or not self.access.is_self(referral.from_staff_id)
        ):
            raise AccessDenied("task")

    def _open_row(self, task_id: int) -> TaskRow:
        row = self._scoped_row(task_id)
        if row is None or row.status != TaskStatus.OPEN:
            raise TaskNotOpen(task_id)
        return row

    def close(self, task_id: int, status: TaskStatus, at: dt.datetime, note: str = "") -> None:
        """Close an open task (through the ORM, so the change is audited like every write)."""
        row = self._open_row(task_id)
        row.status = status
        row.closed_at = at
        if note:
            row.note = f"{row.note}\n{note}".strip()
        self.session.flush()

    def reopen(self, task_id: int) -> None:
        row = self._scoped_row(task_id)
        if row is None:
            raise LookupError(task_id)
        row.status = TaskStatus.OPEN
        row.closed_at = None
        self.session.flush()

    def reschedule(self, task_id: int, due_on: dt.date, due_at: dt.datetime | None, note: str = "") -> None:
        row = self._open_row(task_id)
        row.due_on, row.due_at = due_on, due_at
        if note:
            row.note = f"{row.note}\n{note}".strip()
        self.session.flush()

    def open_for_origin(self, origin: TaskOrigin, origin_id: int) -> list[Task]:
        rows = self.session.scalars(
            select(TaskRow).where(
                TaskRow.origin == origin, TaskRow.origin_id == origin_id, TaskRow.status == TaskStatus.OPEN
            )
        ).all()
        for client_id in {r.client_id for r in rows}:
            self._require_client(client_id)
        return [self._model(r) for r in rows]

    def open_for_client(self, client_id: int) -> list[Task]:
        self._require_client(client_id)
        rows = self.session.scalars(
            select(TaskRow)
            .where(TaskRow.client_id == client_id, TaskRow.status == TaskStatus.OPEN)
            .order_by(TaskRow.due_on, TaskRow.id)
        )
        return [self._model(r) for r in rows]

    def closed_for_client(self, client_id: int, limit: int) -> list[ClosedTask]:
        """The client's ``limit`` most recently closed tasks (done, skipped, cancelled), newest first, each with who
        closed it and how: the contact recorded on it (a call closes the task it calls: its manager and outcome),
        else the actor of the audit log's entry for the write that set its status and ``closed_at`` (every close
        goes through ``close``, audited by the ORM, at the same clock's time a moment later) — a skip, a task a
        call settled by the way. Read by the log's index on the time, a few minutes after each close: never a scan
        of the whole log."""
        self._require_client(client_id)
        rows = self.session.scalars(
            select(TaskRow)
            .where(TaskRow.client_id == client_id, TaskRow.status != TaskStatus.OPEN)
            .order_by(TaskRow.closed_at.desc(), TaskRow.id.desc())
            .limit(limit)
        ).all()
        closers: dict[int, int | None] = {}
        calls: dict[int | None, tuple[int, Disposition]] = {}
        if rows:
            ids = [r.id for r in rows]
            answered = (ContactRow.id, ContactRow.staff_id, ContactRow.disposition)
            # the client's contacts (a contact's task is its client's, held by the database): read through their
            # index by client, where the tasks' ids alone would read every contact of the branch
            own = select(*answered, ContactRow.task_id).where(
                ContactRow.client_id == client_id, ContactRow.task_id.in_(ids)
            )
            further = (  # the tasks a contact answered besides its own (a 回访 done answers every purchase's)
                select(*answered, ContactTaskRow.task_id)
                .join(ContactTaskRow, ContactTaskRow.contact_id == ContactRow.id)
                .where(ContactTaskRow.task_id.in_(ids))
            )
            contacts = sorted([*self.session.execute(own), *self.session.execute(further)])
            for _, staff_id, disposition, task_id in contacts:  # the last contact on the task is the one that closed it
                calls[task_id] = (staff_id, disposition)
        timed = [r for r in rows if r.closed_at is not None and r.id not in calls]
        if timed:
            windows = [
                and_(
                    AuditRow.at >= r.closed_at,
                    AuditRow.at <= r.closed_at + CLOSE_AUDITED_WITHIN,  # type: ignore[operator]
                    AuditRow.entity_id == str(r.id),
                )
                for r in timed
            ]
            entries = self.session.execute(
                select(AuditRow.entity_id, AuditRow.staff_id, AuditRow.detail)
                .where(AuditRow.action == "update", AuditRow.entity == TaskRow.__tablename__, or_(*windows))
                .order_by(AuditRow.id)
            )
            for entity_id, staff_id, detail in entries:
                if "status" in detail and "closed_at" in detail:  # the closing write, not a later change of the note
                    closers[int(entity_id)] = staff_id
        return [
            ClosedTask(self._model(r), calls[r.id][0], calls[r.id][1])
            if r.id in calls
            else ClosedTask(self._model(r), closers.get(r.id))
            for r in rows
        ]

    def open_calls(self, client_id: int, staff_id: int, day: dt.date | None, kinds: Iterable[TaskKind]) -> list[Task]:
        """The client's open tasks of ``kinds`` for ``staff_id`` due by ``day`` (None: whenever due)."""
        self._require_client(client_id)
        due = [] if day is None else [TaskRow.due_on <= day]
        rows = self.session.scalars(
            select(TaskRow).where(
                TaskRow.client_id == client_id,
                TaskRow.staff_id == staff_id,
                TaskRow.status == TaskStatus.OPEN,
                *due,
                TaskRow.kind.in_(list(kinds)),
            )
        )
        return [self._model(r) for r in rows]

    def follows_service_callback(self, task_id: int) -> bool:
        """The task is a 回访, or a callback that retries one the client did not answer (or was busy for)."""
        row = self._scoped_row(task_id)
        return row is not None and follows_service_callback(self.session, row)


class AppointmentRepository(_Deletable[NewAppointment, Appointment, AppointmentRow]):
    model, row = Appointment, AppointmentRow
    client_scoped = True

    def for_client(self, client_id: int, since: dt.datetime) -> list[Appointment]:
        self._require_client(client_id)
        rows = self.session.scalars(
            select(AppointmentRow)
            .where(AppointmentRow.client_id == client_id, AppointmentRow.starts_at >= since)
            .order_by(AppointmentRow.starts_at)
        )
        return [self._model(r) for r in rows]

    def change(
        self, appointment_id: int, *, starts_at: dt.datetime | None = None, status: AppointmentStatus | None = None,
        marked_at: dt.datetime | None = None, confirmed_at: dt.datetime | None = None, unmark: bool = False,
    ) -> Appointment:  # fmt: skip
        """Move a booked meeting, or set its status (confirmed, cancelled, done, no-show) and when it was marked and
        confirmed; ``unmark`` clears both instants first (a mark undone)."""
        row = self._scoped_row(appointment_id)
        if row is None:
            raise LookupError(appointment_id)
        if starts_at is not None:
            row.starts_at = starts_at
            row.status = AppointmentStatus.BOOKED
            row.confirmed_at = row.marked_at = None
        if unmark:
            row.confirmed_at = row.marked_at = None
        if status is not None:
            row.status = status
        if marked_at is not None:
            row.marked_at = marked_at
        if confirmed_at is not None:
            row.confirmed_at = confirmed_at
        self.session.flush()
        return self._model(row)

    def between(self, staff_id: int, start: dt.datetime, end: dt.datetime) -> list[Appointment]:
        """``staff_id``'s meetings starting in ``[start, end)``: their own, a supervisor's team's, or the colleague's
        whose leave the actor covers (booking a meeting for their return looks at their agenda)."""
        self.access.require_calls_of(staff_id, "appointment")
        rows = self.session.scalars(
            select(AppointmentRow)
            .where(
                AppointmentRow.staff_id == staff_id,
                AppointmentRow.starts_at >= start,
                AppointmentRow.starts_at < end,
            )
            .order_by(AppointmentRow.starts_at)
        )
        return [self._model(r) for r in rows]


class AssessmentRepository(_Repo[NewRiskAssessment, RiskAssessment, AssessmentRow]):
    model, row = RiskAssessment, AssessmentRow
    client_scoped = True
    record_writes = True

    def latest(self, client_id: int) -> RiskAssessment | None:
        self._require_client(client_id)
        row = self.session.scalar(
            select(AssessmentRow)
            .where(AssessmentRow.client_id == client_id)
            .order_by(AssessmentRow.taken_at.desc(), AssessmentRow.id.desc())
            .limit(1)
        )
        return None if row is None else self._model(row)

    def history(self, client_id: int) -> list[RiskAssessment]:
        """All of the client's assessments, oldest first (they are never edited)."""
        self._require_client(client_id)
        rows = self.session.scalars(
            select(AssessmentRow)
            .where(AssessmentRow.client_id == client_id)
            .order_by(AssessmentRow.taken_at, AssessmentRow.id)
        )
        return [self._model(r) for r in rows]


class SuitabilityRepository(_Repo[NewSuitabilityRecord, SuitabilityRecord, SuitabilityRow]):
    model, row = SuitabilityRecord, SuitabilityRow
    client_scoped = True
    record_writes = True

    def for_client(self, client_id: int) -> list[SuitabilityRecord]:
        self._require_client(client_id)
        rows = self.session.scalars(
            select(SuitabilityRow).where(SuitabilityRow.client_id == client_id).order_by(SuitabilityRow.id)
        )
        return [self._model(r) for r in rows]


class SaleRepository(_Repo[NewSale, Sale, SaleRow]):
    model, row = Sale, SaleRow
    client_scoped = True
    record_writes = True

    def for_client(self, client_id: int) -> list[Sale]:
        self._require_client(client_id)
        rows = self.session.scalars(select(SaleRow).where(SaleRow.client_id == client_id).order_by(SaleRow.id))
        return [self._model(r) for r in rows]

    def cancel(self, sale_id: int, at: dt.datetime) -> Sale:
        """Cancel a sale in full (in its cooling-off period); its holding is cancelled with it."""
        row = self._scoped_row(sale_id)
        if row is None or row.cancelled_at is not None:
            raise LookupError(sale_id)
        self.access.require_client_record(row.client_id)
        row.cancelled_at = at
        for holding in self.session.scalars(select(HoldingRow).where(HoldingRow.sale_id == sale_id)):
            holding.status = HoldingStatus.CANCELLED
        self.session.flush()
        return self._model(row)


class ReferralRepository(_Deletable[NewReferral, Referral, ReferralRow]):
    """Anyone records referrals in their own name; each sees those made by or to them (a supervisor, the
    team's; an admin, all); only the receiving manager closes one."""

    model, row = Referral, ReferralRow

    def _allowed_write(self, item: NewReferral) -> None:
        """In one's own name, to someone else (a referral to oneself would open the client to a 沃德 manager)."""
        if item.to_staff_id == item.from_staff_id:
            raise AccessDenied("referral")
        if not (self.access.admin or self.access.is_self(item.from_staff_id)):
            raise AccessDenied("referral")
        if self.access.only_covering(item.client_id):
            raise AccessDenied("client_cover")  # the client is the CSM's: a cover refers nobody of theirs

    def _require_involved(self, staff_id: int) -> None:
        self.access.require_act_for(staff_id, "referral")

    def open_to(self, staff_id: int) -> list[Referral]:
        self._require_involved(staff_id)
        rows = self.session.scalars(
            select(ReferralRow)
            .where(ReferralRow.to_staff_id == staff_id, ReferralRow.status == ReferralStatus.OPEN)
            .order_by(ReferralRow.created_at)
        )
        return [self._model(r) for r in rows]

    def involving(self, staff_id: int, limit: int = 200) -> list[Referral]:
        """Referrals made by or to ``staff_id``, open ones first, newest first."""
        self._require_involved(staff_id)
        rows = self.session.scalars(
            select(ReferralRow)
            .where((ReferralRow.to_staff_id == staff_id) | (ReferralRow.from_staff_id == staff_id))
            .order_by((ReferralRow.status != ReferralStatus.OPEN), ReferralRow.created_at.desc())
            .limit(limit)
        )
        return [self._model(r) for r in rows]

    def for_client(self, client_id: int) -> list[Referral]:
        self._require_client(client_id)
        rows = self.session.scalars(
            select(ReferralRow).where(ReferralRow.client_id == client_id).order_by(ReferralRow.created_at.desc())
        )
        return [self._model(r) for r in rows]

    def close(self, referral_id: int, status: ReferralStatus, note: str, at: dt.datetime) -> None:
        """Accept or return an open referral with the receiving manager's ``note``, kept beside the client's need
        (``reason``), which is never rewritten. A 沃德 client is in one 沃德 client manager's book at a time: a 沃德
        referral is not accepted while another of the client's is (``wode_client_held``, naming its manager)."""
        row = self._to_decide(referral_id, status)
        taking = status is ReferralStatus.ACCEPTED and row.kind is ReferralKind.WODE
        if taking:  # two of the client's referrals accepted at once on two desks: one after the other
            self.session.execute(
                select(ClientRow.id).where(ClientRow.id == row.client_id).with_for_update(key_share=True)
            )
            self._refuse_held(row)
        try:
            with self.session.begin_nested():  # in a savepoint: the refusal below reads on after it
                row.status, row.decision_note, row.closed_at = status, note, at
        except IntegrityError:
            # accepted in another session past the check: the database's index (migration 0023) refused it; said
            # as the check says it
            self._refuse_held(row)
            raise
        self.access.forget_client(row.client_id)

    def release(self, referral_id: int, note: str) -> Referral:
        """End an accepted 沃德 referral (``RELEASED``): the client leaves the 沃德 client manager's book, the release
        ``note`` beside the client's need (``reason``, never rewritten; the acceptance's note kept in the audit log).
        ``closed_at`` stays the moment it was accepted, by which the referring CSM's scoreboard counts it (a release
        later takes nothing from a quarter scored); the release's moment is the audit log's (``referral.release``).
        By the manager who holds the client, their supervisor or the admin, who then work with the client's calls
        and meetings for the rest of the unit of work (``Access.releasing``); refused in words for a referral not
        accepted (``referral_not_held``) or released already (``referral_released``), and for a client the manager
        also manages (``wode_release_managed``: in their book as their manager, whom the admin changes)."""
        row = self.session.get(ReferralRow, referral_id, with_for_update=True)
        if row is None:
            raise LookupError(referral_id)
        if (refusal := self._release_refusal(row)) is not None:
            raise refusal
        row.status, row.decision_note = ReferralStatus.RELEASED, note
        self.session.flush()
        self.access.releasing(row.client_id)
        return self._model(row)

    def releasable(self, referral_ids: Iterable[int] = (), *, client_id: int | None = None) -> list[Referral]:
        """Of ``referral_ids`` (or the client's accepted 沃德 referral), those the actor may release (``release``):
        what the app offers ``u`` on. By the referrals' ids or the client's accepted one (an index each), whoever
        manages the client (their supervisor releases another team's CSM's client for the 沃德 client manager)."""
        where = ReferralRow.id.in_(list(referral_ids)) if client_id is None else ReferralRow.client_id == client_id
        rows = self.session.scalars(
            select(ReferralRow).where(
                where, ReferralRow.kind == ReferralKind.WODE, ReferralRow.status == ReferralStatus.ACCEPTED
            )
        )
        return [self._model(r) for r in rows if self._release_refusal(r) is None]

    def to_decide(self, referral_id: int, status: ReferralStatus) -> Referral:
        """The referral as stored, held for this unit of work, if the actor may give it ``status`` (``close``):
        still open; accepted by its receiver, returned by them or (a 沃德 referral) on their behalf by their
        supervisor, who then ends the manager's calls and meetings on the client (``Access.releasing``)."""
        return self._model(self._to_decide(referral_id, status))

    def _to_decide(self, referral_id: int, status: ReferralStatus) -> ReferralRow:
        row = self.session.get(
            ReferralRow, referral_id, with_for_update=True
        )  # two desks deciding: one after the other
        if row is None:
            raise LookupError(referral_id)
        if row.status != ReferralStatus.OPEN:
            raise DomainError("referral_decided")
        if not (self.access.admin or self.access.is_self(row.to_staff_id)):
            if not self._returned_for(row, status):
                raise AccessDenied("referral")
            self.access.releasing(row.client_id)
        return row

    def _returned_for(self, row: ReferralRow, status: ReferralStatus) -> bool:
        """A 沃德 referral returned on its manager's behalf by their supervisor (a manager who left with it open)."""
        returning = status is ReferralStatus.RETURNED and row.kind == ReferralKind.WODE
        return returning and self.access.in_team(row.to_staff_id)

    def held_by_team(self, limit: int = 200) -> list[Referral]:
        """The 沃德 referrals open to or accepted by the 沃德 client managers in the acting supervisor's team (none
        for anyone else): those the supervisor returns or releases for them, when a manager leaves."""
        if not self.access.has_role(Role.SUPERVISOR):
            return []
        team = select(StaffRow.id).where(StaffRow.supervisor_id == self.access.actor_id)
        rows = self.session.scalars(
            select(ReferralRow)
            .where(
                ReferralRow.to_staff_id.in_(team),
                ReferralRow.kind == ReferralKind.WODE,
                ReferralRow.status.in_((ReferralStatus.OPEN, ReferralStatus.ACCEPTED)),
            )
            .order_by(ReferralRow.created_at.desc())
            .limit(limit)
        )
        return [self._model(r) for r in rows]

    def _release_refusal(self, row: ReferralRow) -> Exception | None:
        """Why the actor may not release the referral (``release``), or None: by the 沃德 client manager holding the
        client, their supervisor or the admin; an accepted 沃德 referral, of a client the manager does not also
        manage."""
        if not self.access.may_act_for(row.to_staff_id):
            return AccessDenied("referral_release")
        if row.status == ReferralStatus.RELEASED:
            return DomainError("referral_released")
        if row.kind is not ReferralKind.WODE or row.status != ReferralStatus.ACCEPTED:
            return DomainError("referral_not_held")
        if self.session.scalar(select(ClientRow.manager_id).where(ClientRow.id == row.client_id)) == row.to_staff_id:
            held_by = self.session.get(StaffRow, row.to_staff_id)
            return DomainError("wode_release_managed", name=held_by.name if held_by is not None else "")
        return None

    def held_elsewhere(self, referral_ids: Iterable[int]) -> dict[int, str]:
        """Of ``referral_ids``, the open 沃德 referrals the actor decides whose client another 沃德 client manager
        holds or manages (``_holder``), with that manager's name: not to be accepted (``close``), only returned —
        the app offers no ``a`` on them and says whose the client is."""
        rows = self.session.scalars(
            select(ReferralRow).where(
                ReferralRow.id.in_(list(referral_ids)),
                ReferralRow.kind == ReferralKind.WODE,
                ReferralRow.status == ReferralStatus.OPEN,
            )
        )
        deciding = (r for r in rows if self.access.admin or self.access.is_self(r.to_staff_id))  # as ``close``
        return {r.id: holder for r in deciding if (holder := self._holder(r)) is not None}

    def _refuse_held(self, row: ReferralRow) -> None:
        """Refused, naming the 沃德 client manager, when the client is another's already (``_holder``)."""
        if (held_by := self._holder(row)) is not None:
            raise DomainError("wode_client_held", name=held_by)

    def _holder(self, row: ReferralRow) -> str | None:
        """The name of the 沃德 client manager other than the referral's who holds its client (another 沃德 referral
        of the client accepted) or manages them: the client in their book already, or None."""
        held_by = wode_accepted_by_other(self.session, row.client_id, row.to_staff_id)
        if held_by is None:
            held_by = self.session.scalar(
                select(StaffRow.name)
                .join(ClientRow, ClientRow.manager_id == StaffRow.id)
                .where(
                    ClientRow.id == row.client_id, StaffRow.role == Role.WEALTH_MANAGER, StaffRow.id != row.to_staff_id
                )
            )
        return held_by


def wode_accepted_by_other(session: Session, client_id: int, staff_id: int) -> str | None:
    """The name of the 沃德 client manager other than ``staff_id`` who accepted a 沃德 referral of the client."""
    return session.scalar(
        select(StaffRow.name)
        .join(ReferralRow, ReferralRow.to_staff_id == StaffRow.id)
        .where(ReferralRow.client_id == client_id, ReferralRow.to_staff_id != staff_id, WODE_ACCEPTED)
        .limit(1)
    )
