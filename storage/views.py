"""Read models for the screens: one aggregate query each, shaped for what the screen shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from pydantic_core import PydanticCustomError
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.elements import SQLCoreOperations

from csm_tui.domain.enums import (
    AccountKind,
    AppointmentStatus,
    Channel,
    Disposition,
    RiskLevel,
    TaskKind,
    TaskStatus,
)
from csm_tui.domain.typed import search_text
from csm_tui.domain.values import mask_mobile, mask_resident_id, validate_resident_id
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import (
    LOOKUP_REFUSED,
    WODE_ENDINGS,
    WODE_RELEASED,
    WODE_TOLD,
    AgendaRow,
    AssessmentDue,
    ChecklistCounts,
    ClientFocus,
    ClientListRow,
    ContactExportRow,
    DayFigures,
    DayWindow,
    LookupRefusal,
    NumberKey,
    NumberMatch,
    QueueSources,
    QueueWindow,
    ShelfRow,
    SmsRow,
    TaskExportRow,
    Validity,
    WodeEnding,
)
from storage import checklist_views
from storage.access import Access
from storage.orm import (
    AccountRow,
    AppointmentRow,
    AssessmentRow,
    AuditRow,
    ClientRow,
    ContactRow,
    ContactTaskRow,
    MetaRow,
    ReferralRow,
    SaleRow,
    StaffRow,
    TaskRow,
)
from storage.queue_sources import calls_made, load_queue_sources
from storage.sql import count_if

# The day's meetings held or still on (not cancelled, not missed).
MEETINGS_KEPT = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED, AppointmentStatus.DONE)


def _prefix(column: SQLCoreOperations[str] | SQLCoreOperations[str | None], text: str) -> ColumnElement[bool]:
    """``column`` starts with ``text``, as a range both backends answer from an index."""
    return and_(column >= text, column < text + "\U0010ffff")


def _own_match(text: str) -> ColumnElement[bool]:
    """What the typed text can be in the manager's own book, judged by its shape: the client number, and by prefix
    the pinyin initials, mobile, ID, card and account numbers; a Chinese name anywhere in it."""
    if not text.isascii():
        return ClientRow.name.contains(text, autoescape=True)
    upper = text.upper()
    terms = [_prefix(ClientRow.number, upper)]
    if text.isdigit():
        # Read per client of the book (its accounts by ``client_id``), never the accounts by the prefix: a card's
        # first digits, the bank's, are every card's. A count, which the planner cannot turn into a hashed read of
        # every matching account as it would an IN or EXISTS.
        has_account = select(func.count()).where(AccountRow.client_id == ClientRow.id, _prefix(AccountRow.number, text))
        by_account = has_account.scalar_subquery() > 0
        terms += [
            _prefix(ClientRow.number, f"C{text}"),
            _prefix(ClientRow.mobile, text),
            _prefix(ClientRow.resident_id, text),
            by_account,
        ]
    elif (resident_id := _resident_id(text)) is not None:
        terms.append(ClientRow.resident_id == resident_id)
    elif text.isalpha():
        terms.append(_prefix(ClientRow.name_initials, text.lower()))
    return or_(*terms)


def _others_reads(text: str) -> list[tuple[ColumnElement[bool], tuple[InstrumentedAttribute[Any], ...]]]:
    """What the typed text can be in others' books, each a read in the order of the index that answers it (a name
    or initials, then the id; a client number, unique, alone), so the first screenful ends the read however big the
    branch: ordered by anything the index does not hold, every client sharing the first value matched is read.

    Never a secret number (mobile, ID, card or account): by prefix the masked digits could be uncovered one keystroke
    at a time, and in full by trying every value of the hidden digits. Others' clients are found by a whole secret
    number only through ``clients_by_number``, which the search service audits and limits. A Chinese name matches
    from its start (surname first); the client number, which is not secret, by prefix.
    """
    if not text.isascii():
        return [(_prefix(ClientRow.name, text), (ClientRow.name, ClientRow.id))]
    upper = text.upper()
    reads: list[tuple[ColumnElement[bool], tuple[InstrumentedAttribute[Any], ...]]] = [
        (_prefix(ClientRow.number, upper), (ClientRow.number,))
    ]
    if text.isdigit():
        reads.append((_prefix(ClientRow.number, f"C{text}"), (ClientRow.number,)))
    elif text.isalpha():
        reads.append((_prefix(ClientRow.name_initials, text.lower()), (ClientRow.name_initials, ClientRow.id)))
    return reads


def _resident_id(text: str) -> str | None:
    """The text as a whole resident ID number (the one validator's reading), or None."""
    try:
        return validate_resident_id(text)
    except PydanticCustomError:
        return None


_LIST_COLUMNS = (
    ClientRow.id,
    ClientRow.number,
    ClientRow.name,
    ClientRow.resident_id,
    ClientRow.mobile,
    ClientRow.avg_3m,
    ClientRow.assets_as_of,
)


def _born(resident_id: str) -> dt.date | None:
    """The birth date an ID number carries (stored IDs were checked when written; None for one that is not)."""
    try:
        return dt.date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))
    except ValueError:
        return None


def _list_row(r: Any, *, own: bool) -> ClientListRow:
    """A row read with its ``team`` (``Book.team``): own, a supervisor's team's (both in full) or another's."""
    team = "" if own else r.team or ""
    return ClientListRow(
        id=r.id,
        number=r.number,
        name=r.name,
        masked_id=mask_resident_id(r.resident_id),
        masked_mobile=mask_mobile(r.mobile),
        avg_3m=r.avg_3m,
        assets_as_of=r.assets_as_of,
        own=own,
        team=team,
        born=_born(r.resident_id) if own or team else None,
    )


class SqlViews:
    """The read models, for ``actor``: a staff member's lists are read by that staff member, their supervisor
    and an admin (the system, with no actor, reads everything)."""

    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def _require(self, staff_id: int) -> None:
        self.access.require_act_for(staff_id, "views")

    def queue_sources(self, staff_id: int, window: QueueWindow) -> QueueSources:
        self._require(staff_id)
        return load_queue_sources(self.session, staff_id, window)

    def covered_queue_sources(self, staff_id: int, window: QueueWindow) -> QueueSources:
        """``staff_id``'s due calls for the actor covering their leave at this instant (else refused)."""
        if not self.access.covers(staff_id):
            raise AccessDenied("views")
        return load_queue_sources(self.session, staff_id, replace(window, prospects=0))

    def sms_due(self, staff_id: int, day: dt.date) -> list[SmsRow]:
        self._require(staff_id)
        by_sms = or_(
            TaskRow.kind == TaskKind.SMS,
            and_(TaskRow.kind == TaskKind.SERVICE_CALLBACK, ClientRow.phone_opt_out),
        )
        query = (
            select(TaskRow, ClientRow.name, ClientRow.mobile)
            .join(ClientRow, ClientRow.id == TaskRow.client_id)
            .where(
                TaskRow.staff_id == staff_id,
                TaskRow.status == TaskStatus.OPEN,
                TaskRow.due_on <= day,
                by_sms,
                ClientRow.sms_opt_out == False,  # noqa: E712
            )
            .order_by(TaskRow.due_on, TaskRow.id)
        )
        return [
            SmsRow(
                task_id=task.id,
                client_id=task.client_id,
                client_name=name,
                masked_mobile=mask_mobile(mobile),
                kind=task.kind,
                due_on=task.due_on,
                note=task.note,
            )
            for task, name, mobile in self.session.execute(query)
        ]

    def clients(self, staff_id: int, text: str, limit: int) -> list[ClientListRow]:
        """Own clients first (in full: ``access.book_of``); with ``text``, others' clients too, masked (the OCRM
        rule), a supervisor's team's named by their CSM.

        Own matches are one limited query over the book; others' are limited reads each in the order of the index
        that answers it (see ``_others_reads``), so a one-letter prefix stays cheap at any size of branch.
        """
        book = self.access.book_read(staff_id)
        columns = select(*_LIST_COLUMNS, book.team.label("team"))
        text = search_text(text)  # full-width, spaced, dashed, after +86: as stored (``csm_tui.domain.typed``)
        if not text:
            mine = columns.where(book.own).order_by(ClientRow.avg_3m.desc(), ClientRow.id).limit(limit)
            return [_list_row(r, own=True) for r in self.session.execute(mine)]
        mine = columns.where(book.own, _own_match(text)).order_by(ClientRow.name, ClientRow.id).limit(limit)
        rows = [_list_row(r, own=True) for r in self.session.execute(mine)]
        found: set[int] = set()
        for match, order in _others_reads(text):
            if len(rows) >= limit:
                break
            query = columns.where(book.others, match, ClientRow.id.not_in(found)).order_by(*order)
            more = [_list_row(r, own=False) for r in self.session.execute(query.limit(limit - len(rows)))]
            found.update(r.id for r in more)
            rows += more
        return rows

    def team_clients(self, supervisor_id: int, text: str, limit: int) -> list[ClientListRow]:
        """The clients of the supervisor's team's CSMs that ``text`` finds, as a CSM's own book is searched (the
        team's clients a supervisor sees in full, the OCRM rule); nobody else's."""
        self._require(supervisor_id)
        text = search_text(text)
        if not text:
            return []
        team = select(StaffRow.id).where(StaffRow.supervisor_id == supervisor_id)
        query = (
            select(*_LIST_COLUMNS)
            .where(ClientRow.manager_id.in_(team), _own_match(text))
            .order_by(ClientRow.name, ClientRow.id)
            .limit(limit)
        )
        return [_list_row(r, own=True) for r in self.session.execute(query)]

    def clients_by_number(self, staff_id: int, number: str, limit: int) -> list[NumberMatch]:
        """Clients whose mobile, resident ID, card or account number is exactly ``number`` (never a part of one),
        own ones in full, others' masked, each with which of its numbers matched. The search service audits and
        limits this read (``services.clients.look_up_number``)."""
        book = self.access.book_read(staff_id)
        columns = (*_LIST_COLUMNS, book.own.label("own"), book.team.label("team"))
        by_person = select(*columns).where(or_(ClientRow.mobile == number, ClientRow.resident_id == number))
        by_account = (
            select(*columns, AccountRow.kind)
            .join(AccountRow, AccountRow.client_id == ClientRow.id)
            .where(AccountRow.number == number)
        )
        matches: dict[int, NumberMatch] = {}
        for r in self.session.execute(by_person.order_by(ClientRow.number).limit(limit)):
            key = NumberKey.RESIDENT_ID if r.resident_id == number else NumberKey.MOBILE
            matches[r.id] = NumberMatch(_list_row(r, own=bool(r.own)), key)
        for a in self.session.execute(by_account.limit(limit)):
            key = NumberKey.ACCOUNT if a.kind == AccountKind.SAVINGS else NumberKey.CARD
            matches.setdefault(a.id, NumberMatch(_list_row(a, own=bool(a.own)), key))
        return sorted(matches.values(), key=lambda m: (not m.row.own, m.row.number))[:limit]

    def lookup_refusals(self, staff_id: int, since: dt.datetime) -> list[LookupRefusal]:
        """Staff refused look-ups by whole number since ``since``: a supervisor's team, or (an admin) everyone, so
        that whoever has no supervisor is seen by the admin."""
        self._require(staff_id)
        query = (
            select(StaffRow.login, StaffRow.name, func.count().label("refusals"), func.max(AuditRow.at).label("last"))
            .join(StaffRow, StaffRow.id == AuditRow.staff_id)
            .where(AuditRow.at >= since, AuditRow.action == LOOKUP_REFUSED)
            .group_by(StaffRow.id, StaffRow.login, StaffRow.name)
            .order_by(func.max(AuditRow.at).desc(), StaffRow.login)
        )
        if not self.access.admin:
            query = query.where(StaffRow.supervisor_id == staff_id)
        return [LookupRefusal(r.login, r.name, int(r.refusals), r.last) for r in self.session.execute(query)]

    def wode_endings(self, staff_id: int, since: dt.datetime) -> list[WodeEnding]:
        """The 沃德 referrals of ``staff_id``'s clients returned or released since ``since``, and those to ``staff_id``
        (a 沃德 client manager) released by someone else (their supervisor or the admin, on their behalf: ``held``),
        not told to them yet (no ``WODE_TOLD`` event of theirs), oldest first, each with what it cancelled of the 沃德
        client manager's calls and meetings on the client, as the audit log's event says
        (``services.clients.referrals``), and who ended it when not the 沃德 client manager: the events read by the
        log's index on the time, their referrals by id."""
        self._require(staff_id)
        recent = and_(AuditRow.at >= since, AuditRow.entity == "referrals")
        told = select(AuditRow.entity_id).where(recent, AuditRow.action == WODE_TOLD, AuditRow.staff_id == staff_id)
        actor = aliased(StaffRow)
        events = self.session.execute(
            select(AuditRow.entity_id, AuditRow.action, AuditRow.detail, AuditRow.staff_id, actor.name)
            .outerjoin(actor, actor.id == AuditRow.staff_id)
            .where(recent, AuditRow.action.in_(WODE_ENDINGS), AuditRow.entity_id.not_in(told))
            .order_by(AuditRow.id)
        ).all()
        if not events:
            return []
        wealth = aliased(StaffRow)
        found = {
            r.id: r
            for r in self.session.execute(
                select(
                    ReferralRow.id,
                    ReferralRow.status,
                    ReferralRow.decision_note,
                    ClientRow.name,
                    wealth.name,
                    ReferralRow.to_staff_id,
                )
                .join(ClientRow, ClientRow.id == ReferralRow.client_id)
                .join(wealth, wealth.id == ReferralRow.to_staff_id)
                .where(
                    ReferralRow.id.in_({int(e.entity_id) for e in events}),
                    or_(ClientRow.manager_id == staff_id, ReferralRow.to_staff_id == staff_id),
                )
            )
        }
        return [
            WodeEnding(r.id, r.status, r[3], r[4], r.decision_note, int(e.detail["calls"]), int(e.detail["meetings"]),
                       by_name=(e[4] or "") if e.staff_id != r.to_staff_id else "", held=r.to_staff_id == staff_id)
            for e in events
            if (r := found.get(int(e.entity_id))) is not None
            and (r.to_staff_id != staff_id or (e.action == WODE_RELEASED and e.staff_id != staff_id))
        ]  # fmt: skip

    def day_figures(self, staff_id: int, day_start: dt.datetime, day_end: dt.datetime) -> DayFigures:
        """The figures a day's summary keeps, in one query."""
        self._require(staff_id)
        contacts = (
            select(
                func.count().label("contacts"),
                count_if(ContactRow.channel == Channel.PHONE).label("calls"),
                count_if(ContactRow.disposition == Disposition.SERVICE_DONE).label("svc_done"),
            )
            .where(ContactRow.staff_id == staff_id, ContactRow.started_at >= day_start, ContactRow.started_at < day_end)
            .subquery()
        )
        meetings = select(func.count()).where(
            AppointmentRow.staff_id == staff_id,
            AppointmentRow.starts_at >= day_start,
            AppointmentRow.starts_at < day_end,
            AppointmentRow.status.in_(MEETINGS_KEPT),
        )
        sales = select(func.count()).where(
            SaleRow.staff_id == staff_id,
            SaleRow.sold_at >= day_start,
            SaleRow.sold_at < day_end,
            SaleRow.cancelled_at.is_(None),
        )
        further = (  # a 回访 done answers its own 回访 and (here) each other purchase's: one call, a 回访 made for each
            select(func.count())
            .select_from(ContactTaskRow)
            .join(ContactRow, ContactRow.id == ContactTaskRow.contact_id)
            .where(
                ContactRow.staff_id == staff_id, ContactRow.started_at >= day_start, ContactRow.started_at < day_end,
                ContactRow.disposition == Disposition.SERVICE_DONE,
            )
        )  # fmt: skip
        query = select(
            contacts.c.calls, contacts.c.contacts, sales.scalar_subquery(),
            contacts.c.svc_done + further.scalar_subquery(), meetings.scalar_subquery(),
        )  # fmt: skip
        calls, contacts_made, sold, svc_done, kept = self.session.execute(query).one()
        return DayFigures(
            calls=int(calls or 0),
            contacts=int(contacts_made or 0),
            sales=int(sold or 0),
            service_callbacks_done=int(svc_done or 0),
            meetings=int(kept or 0),
        )

    def calls_made(self, staff_id: int, day_start: dt.datetime, day_end: dt.datetime) -> int:
        """The staff member's phone calls between ``day_start`` and ``day_end`` (the call card's progress)."""
        self._require(staff_id)
        return calls_made(self.session, staff_id, day_start, day_end)

    def checklist_counts(self, staff_ids: list[int], window: DayWindow) -> dict[int, ChecklistCounts]:
        for staff_id in staff_ids:
            self._require(staff_id)
        return checklist_views.day_counts(self.session, staff_ids, window)

    def shelf(self, staff_id: int, window: DayWindow) -> list[ShelfRow]:
        self._require(staff_id)
        return checklist_views.shelf(self.session, staff_id, window)

    def agenda(self, staff_id: int, window: DayWindow) -> list[AgendaRow]:
        self._require(staff_id)
        return checklist_views.agenda(self.session, staff_id, window)

    def clients_in_focus(self, staff_id: int, focus: ClientFocus, window: DayWindow) -> list[ClientListRow]:
        """Who is left for a checklist item; others' clients (a contact made for a colleague) masked."""
        book = self.access.book_read(staff_id)
        if focus is ClientFocus.MATURING_UNREACHED:
            pairs = checklist_views.maturing_clients([staff_id], window).subquery()
            left = ~checklist_views.reached(pairs.c.client_id, pairs.c.staff_id, window)
        else:
            pairs = checklist_views.contacted_clients([staff_id], window).subquery()
            left = ~checklist_views.next_contact_agreed(pairs.c.client_id, pairs.c.staff_id, window)
        query = (
            select(*_LIST_COLUMNS, book.own.label("own"), book.team.label("team"))
            .where(ClientRow.id.in_(select(pairs.c.client_id).where(left)))
            .order_by(ClientRow.name, ClientRow.id)
        )
        return [_list_row(r, own=bool(r.own)) for r in self.session.execute(query)]

    def assessments_due(self, staff_id: int, horizon: dt.date, validity: Validity) -> list[AssessmentDue]:
        """Clients of the staff member's own book (``access.book_of``: a 沃德 client manager's accepted 沃德
        referrals too) whose latest assessment has expired or expires by ``horizon`` by the policy's ``validity``
        (the stored end or the policy's, the earlier), or who have none. Another's book as the actor may read it
        (``Access.book_read``)."""
        book = self.access.book_read(staff_id)
        ranked = select(
            AssessmentRow.client_id,
            AssessmentRow.level,
            AssessmentRow.valid_until,
            AssessmentRow.taken_at,
            func.row_number()
            .over(
                partition_by=AssessmentRow.client_id,
                order_by=(AssessmentRow.taken_at.desc(), AssessmentRow.id.desc()),
            )
            .label("rank"),
        ).subquery()
        latest = select(ranked).where(ranked.c.rank == 1).subquery()
        query = (
            select(ClientRow.id, ClientRow.name, latest.c.level, latest.c.valid_until, latest.c.taken_at)
            .outerjoin(latest, latest.c.client_id == ClientRow.id)
            .where(book.own)
            .order_by(ClientRow.name, ClientRow.id)
        )
        due = [
            AssessmentDue(
                client_id=r.id,
                client_name=r.name,
                level=None if r.level is None else RiskLevel(r.level),
                valid_until=None if r.valid_until is None else validity.end(r.valid_until, r.taken_at),
            )
            for r in self.session.execute(query)
        ]
        due = [d for d in due if d.valid_until is None or d.valid_until <= horizon]
        return sorted(due, key=lambda d: (d.valid_until is None, d.valid_until or horizon))

    def data_as_of(self) -> dt.date | None:
        value = self.session.scalar(select(MetaRow.value).where(MetaRow.key == "data_as_of"))
        return None if value is None else dt.date.fromisoformat(value)

    def task_export(self, staff_id: int, open_only: bool) -> list[TaskExportRow]:
        """A CSM's tasks for an exported list, open ones first, by due date; identities masked here. A supervisor
        reads those of the clients they see in full (``Access.lists_seen``)."""
        seen = self.access.lists_seen(staff_id)
        query = (
            select(TaskRow, ClientRow.number, ClientRow.name, ClientRow.resident_id, ClientRow.mobile, StaffRow.login)
            .join(ClientRow, ClientRow.id == TaskRow.client_id)
            .join(StaffRow, StaffRow.id == TaskRow.staff_id)
            .where(TaskRow.staff_id == staff_id, seen)
            .order_by(TaskRow.status != TaskStatus.OPEN, TaskRow.due_on, TaskRow.id)
        )
        if open_only:
            query = query.where(TaskRow.status == TaskStatus.OPEN)
        return [
            TaskExportRow(
                client_number=number,
                client_name=name,
                masked_id=mask_resident_id(resident_id),
                masked_mobile=mask_mobile(mobile),
                staff_login=login,
                kind=task.kind,
                due_on=task.due_on,
                due_at=task.due_at,
                status=task.status,
                origin=task.origin,
                origin_id=task.origin_id,
                note=task.note,
                created_at=task.created_at,
                closed_at=task.closed_at,
            )
            for task, number, name, resident_id, mobile, login in self.session.execute(query)
        ]

    def contact_export(self, staff_id: int, since: dt.datetime) -> list[ContactExportRow]:
        """A CSM's contact records since ``since``, newest first; the client's mobile masked here. A supervisor reads
        those with the clients they see in full (``Access.lists_seen``)."""
        seen = self.access.lists_seen(staff_id)
        query = (
            select(ContactRow, ClientRow.number, ClientRow.name, ClientRow.mobile)
            .join(ClientRow, ClientRow.id == ContactRow.client_id)
            .where(ContactRow.staff_id == staff_id, ContactRow.started_at >= since, seen)
            .order_by(ContactRow.started_at.desc(), ContactRow.id.desc())
        )
        return [
            ContactExportRow(
                client_number=number,
                client_name=name,
                masked_mobile=mask_mobile(mobile),
                channel=contact.channel,
                started_at=contact.started_at,
                duration_s=contact.duration_s,
                disposition=contact.disposition,
                satisfaction=contact.satisfaction,
                feedback=contact.feedback,
                note=contact.note,
            )
            for contact, number, name, mobile in self.session.execute(query)
        ]
