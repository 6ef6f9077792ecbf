"""Prospects (潜在客户) in the database: added at an event's door or from a client's introduction, listed per manager,
converted when the bank's client file brings a client with the same mobile or resident ID, purged when never converted.

A prospect is personal data kept for one purpose: the manager's follow-up until they become a client. The purge
deletes the rows in one statement and leaves a single audit entry with the count (no name or number in the log).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from csm_tui.domain.enums import ProspectCallKind, ProspectOutcome, Role, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.masking import mask_text
from csm_tui.domain.models import NewProspect, Prospect
from csm_tui.domain.roles import INTRODUCTION_TAKERS
from csm_tui.domain.values import mask_mobile, mask_resident_id
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import Introduced, ProspectCallDue, ProspectContactLine, ProspectLine
from storage import audit
from storage.access import Access
from storage.orm import (
    PROSPECT_FOLLOWED,
    ClientRow,
    EventRow,
    ProspectContactRow,
    ProspectRow,
    ProspectTaskRow,
    StaffRow,
)

# Who takes prospects: the planners of events and the lobby who meets people at the door.
TAKERS = (Role.CSM, Role.SUPERVISOR, Role.ADMIN, Role.LOBBY)


def _model(row: ProspectRow) -> Prospect:
    return Prospect.model_validate(row, from_attributes=True)


def convert_matching(session: Session, at: dt.datetime) -> list[tuple[int, int, int | None]]:
    """Mark every prospect not yet converted whose mobile or resident ID is now a client's as that client (the row
    stays, with its history; the resident ID's client first when both match, two people may share a phone):
    (prospect id, client id, introducing client id) of each. Called by the client import."""
    same_id = and_(ProspectRow.resident_id.is_not(None), ClientRow.resident_id == ProspectRow.resident_id)
    query = (
        select(ProspectRow, ClientRow.id)
        .join(ClientRow, or_(ClientRow.mobile == ProspectRow.mobile, same_id))
        .where(ProspectRow.converted_client_id.is_(None))
        .order_by(ProspectRow.id, (ClientRow.resident_id == ProspectRow.resident_id).desc(), ClientRow.id)
    )
    converted: list[tuple[int, int, int | None]] = []
    seen: set[int] = set()
    for row, client_id in session.execute(query).all():
        if row.id in seen:
            continue
        seen.add(row.id)
        row.converted_client_id = client_id
        row.converted_at = at
        converted.append((row.id, client_id, row.introduced_by))
    session.flush()  # audited, like every write
    if converted:  # a client now: called as one, by the client's manager; the prospect's calls stay as history
        ids = [prospect_id for prospect_id, _, _ in converted]
        session.execute(
            update(ProspectTaskRow)
            .where(ProspectTaskRow.prospect_id.in_(ids), ProspectTaskRow.status == TaskStatus.OPEN)
            .values(status=TaskStatus.CANCELLED, closed_at=at)
        )
    return converted


def _same_person(table: type[ClientRow] | type[ProspectRow], prospect: NewProspect) -> ColumnElement[bool]:
    """The rows of ``table`` with the prospect's mobile, or their resident ID when they gave it."""
    same_mobile = table.mobile == prospect.mobile
    return or_(same_mobile, table.resident_id == prospect.resident_id) if prospect.resident_id else same_mobile


def callable_prospect() -> ColumnElement[bool]:
    """A prospect who may be called: consented, not a client yet, calls not stopped (the queue reads it too)."""
    return and_(ProspectRow.consent.is_(True), PROSPECT_FOLLOWED)


def _line(
    row: ProspectRow, own: bool, event: str | None, by: str | None, number: str | None,
    contacted: dt.datetime | None, next_on: dt.date | None, client_number: str | None,
) -> ProspectLine:  # fmt: skip
    return ProspectLine(
        id=row.id, name=row.name, mobile=row.mobile if own else mask_mobile(row.mobile), manager_id=row.manager_id,
        event_name=event, introducer=by, introducer_number=number, created_at=row.created_at, stopped=row.stopped,
        converted_client_id=row.converted_client_id, last_contact_at=contacted,
        next_call_on=next_on if row.stopped is None else None, note=row.note if own else mask_text(row.note),
        converted_number=client_number,
    )  # fmt: skip


class SqlProspects:
    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def _introduction_taker(self, prospect: NewProspect) -> bool:
        """A 沃德 client manager takes a prospect a client introduced (never one met at an event's door)."""
        introduced = prospect.introduced_by is not None and prospect.event_id is None
        return introduced and self.access.has_role(*INTRODUCTION_TAKERS)

    def _introduction_refused(self, prospect: NewProspect) -> bool:
        """An introduction is recorded by whoever has the introducing client in their own book (``book_of``: their
        manager, or the 沃德 client manager who accepted them), as a prospect of their own; the system records any
        (the client import)."""
        if prospect.introduced_by is None or self.access.admin:
            return False
        return not (self.access.is_self(prospect.manager_id) and self.access.in_book(prospect.introduced_by))

    def add(self, prospect: NewProspect) -> Prospect:
        if not (self.access.admin or self.access.has_role(*TAKERS) or self._introduction_taker(prospect)):
            raise AccessDenied("prospect")
        if self._introduction_refused(prospect):
            raise AccessDenied("prospect")
        if self.session.scalar(select(ClientRow.id).where(_same_person(ClientRow, prospect)).limit(1)) is not None:
            # a client already (their mobile or ID is the bank's): checked in as a walk-in, never a prospect whom
            # the next import would count as a new client of the event or credit to an introducer
            raise DomainError("prospect_is_client")
        self._refuse_followed(prospect)
        row = ProspectRow(**prospect.model_dump())
        try:
            with self.session.begin_nested():  # in a savepoint: the refusal below reads on after it
                self.session.add(row)
        except IntegrityError:
            # taken in another session between the check and this insert: the database's index (migration 0020)
            # refused them; said as the check says it
            self._refuse_followed(prospect)
            raise
        return _model(row)

    def _refuse_followed(self, prospect: NewProspect) -> None:
        """One person, one CSM: never called by two, a "do not call" said to one leaving the other calling.
        Refused, naming the CSM, when a prospect someone follows has their mobile or resident ID."""
        followed_by = self.session.scalar(
            select(StaffRow.name)
            .join(ProspectRow, ProspectRow.manager_id == StaffRow.id)
            .where(_same_person(ProspectRow, prospect), PROSPECT_FOLLOWED)
            .limit(1)
        )
        if followed_by is not None:
            raise DomainError("prospect_taken", manager=followed_by)

    def of(self, manager_id: int) -> list[Prospect]:
        """The manager's prospects, newest first (the manager, their supervisor, the admin)."""
        self.access.require_act_for(manager_id, "prospect")
        rows = self.session.execute(
            select(ProspectRow, ClientRow.manager_id)
            .outerjoin(ClientRow, ClientRow.id == ProspectRow.converted_client_id)
            .where(ProspectRow.manager_id == manager_id)
            .order_by(ProspectRow.created_at.desc(), ProspectRow.id.desc())
        )
        return [self._as_seen(row, client_manager) for row, client_manager in rows]

    def _as_seen(self, row: ProspectRow, client_manager: int | None) -> Prospect:
        """A prospect who became a client the reader may not see in full (a colleague's) is that client: their
        mobile and ID masked, as for any colleague's client; the history (name, that they converted) stays."""
        prospect = _model(row)
        if self._sees_in_full(row, client_manager):
            return prospect
        masked = {
            "mobile": mask_mobile(row.mobile),
            "resident_id": row.resident_id and mask_resident_id(row.resident_id),
        }
        return prospect.model_copy(update=masked)

    def listing(self, manager_id: int) -> list[ProspectLine]:
        """The manager's prospects for their list, newest first: the mobile in full to the manager alone (their
        supervisor and the admin see it masked), the event or the introducing client, the last call made and the
        next one due."""
        self.access.require_act_for(manager_id, "prospect")
        return self._lines(manager_id, ProspectRow.manager_id == manager_id)

    def line(self, prospect_id: int) -> ProspectLine:
        """One prospect as their list shows them (whoever may read their manager's list)."""
        manager_id = self._manager_of(prospect_id)
        return self._lines(manager_id, ProspectRow.id == prospect_id)[0]

    def _manager_of(self, prospect_id: int) -> int:
        manager_id = self.session.scalar(select(ProspectRow.manager_id).where(ProspectRow.id == prospect_id))
        if manager_id is None:
            raise DomainError("prospect_unknown")
        self.access.require_act_for(manager_id, "prospect")
        return manager_id

    def _lines(self, manager_id: int, which: ColumnElement[bool]) -> list[ProspectLine]:
        introducer = ClientRow.__table__.alias("introducer")
        last = (
            select(func.max(ProspectContactRow.started_at))
            .where(ProspectContactRow.prospect_id == ProspectRow.id)
            .scalar_subquery()
        )
        due = (
            select(func.min(ProspectTaskRow.due_on))
            .where(ProspectTaskRow.prospect_id == ProspectRow.id, ProspectTaskRow.status == TaskStatus.OPEN)
            .scalar_subquery()
        )
        became = ClientRow.__table__.alias("became")
        rows = self.session.execute(
            select(
                ProspectRow,
                became.c.manager_id,
                EventRow.title,
                introducer.c.name,
                introducer.c.number,
                last,
                due,
                became.c.number,
            )
            .outerjoin(EventRow, EventRow.id == ProspectRow.event_id)
            .outerjoin(introducer, introducer.c.id == ProspectRow.introduced_by)
            .outerjoin(became, became.c.id == ProspectRow.converted_client_id)
            .where(which)
            .order_by(ProspectRow.created_at.desc(), ProspectRow.id.desc())
        )
        own = self.access.is_self(manager_id)
        return [_line(row, own and self._sees_in_full(row, became_of), *more) for row, became_of, *more in rows]

    def _sees_in_full(self, row: ProspectRow, client_manager: int | None) -> bool:
        """Not a client, or a client the reader sees in full (a colleague's client reads masked, as ``_as_seen``)."""
        client_id = row.converted_client_id
        return client_id is None or self.access.may_see_client(client_id, client_manager, known=True)

    def history(self, prospect_id: int) -> list[ProspectContactLine]:
        """The calls made to the prospect, newest first (whoever may read the manager's list)."""
        self._manager_of(prospect_id)
        return [line for _, line in self._contacts(ProspectContactRow.prospect_id == prospect_id)]

    def histories(self, manager_id: int) -> dict[int, list[ProspectContactLine]]:
        """The calls made to each of the manager's prospects, newest first, in one read (for their list)."""
        self.access.require_act_for(manager_id, "prospect")
        found: dict[int, list[ProspectContactLine]] = {}
        for prospect_id, line in self._contacts(ProspectRow.manager_id == manager_id):
            found.setdefault(prospect_id, []).append(line)
        return found

    def history_of_client(self, client_id: int) -> list[ProspectContactLine]:
        """The calls made to the prospect the client was before the bank's file brought them (the history that
        stays with the conversion): whoever may see the client in full."""
        self.access.require_client(client_id)
        return [line for _, line in self._contacts(ProspectRow.converted_client_id == client_id)]

    def introductions(self, client_id: int) -> list[Introduced]:
        """Whom the client introduced, first first: the credit on their page, read by whoever sees the client in full
        (as their contacts). Each is named only to whom may read the prospect's CSM's list (the prospect's own CSM,
        their supervisor, the admin; a colleague covering a leave counts them unnamed), with the client number of
        the client they became; never a mobile or an ID."""
        self.access.require_client(client_id)
        became = ClientRow.__table__.alias("became")
        rows = self.session.execute(
            select(ProspectRow.name, ProspectRow.manager_id, ProspectRow.converted_client_id, became.c.number)
            .outerjoin(became, became.c.id == ProspectRow.converted_client_id)
            .where(ProspectRow.introduced_by == client_id)
            .order_by(ProspectRow.created_at, ProspectRow.id)
        )
        found = []
        for name, manager_id, converted_id, number in rows:
            converted = converted_id is not None
            named = self.access.may_act_for(manager_id)
            found.append(Introduced(name, converted, number) if named else Introduced(None, converted, None))
        return found

    def _contacts(self, which: ColumnElement[bool]) -> list[tuple[int, ProspectContactLine]]:
        """The calls made to the prospects ``which`` picks, newest first: (prospect id, the call) each."""
        rows = self.session.execute(
            select(ProspectContactRow, StaffRow.name)
            .join(ProspectRow, ProspectRow.id == ProspectContactRow.prospect_id)
            .join(StaffRow, StaffRow.id == ProspectContactRow.staff_id)
            .where(which)
            .order_by(ProspectContactRow.started_at.desc(), ProspectContactRow.id.desc())
        )
        return [(c.prospect_id, ProspectContactLine(c.started_at, name, c.outcome, c.note)) for c, name in rows]

    def to_call(self, prospect_id: int) -> Prospect:
        """The prospect, held until this transaction ends, for a call by their own CSM only: refused when they may
        not be called (no consent, a client now, their calls stopped — the consent withdrawn in another session)."""
        query = select(ProspectRow).where(ProspectRow.id == prospect_id).with_for_update()
        row = self.session.scalar(query)
        if row is None:
            raise DomainError("prospect_unknown")
        if not self.access.is_self(row.manager_id):
            raise AccessDenied("prospect")
        if row.stopped is not None or not row.consent:
            raise DomainError("prospect_calls_stopped")
        if row.converted_client_id is not None:
            raise DomainError("prospect_converted")
        return _model(row)

    def due_calls(self, staff_id: int, today: dt.date) -> list[ProspectCallDue]:
        """The staff member's prospect calls due by ``today`` (the queue's statement reads the same rows)."""
        self.access.require_act_for(staff_id, "prospect")
        rows = self.session.execute(
            select(ProspectTaskRow, ProspectRow.name)
            .join(ProspectRow, ProspectRow.id == ProspectTaskRow.prospect_id)
            .where(*due_prospect_calls(ProspectTaskRow.staff_id == staff_id, today))
            .order_by(ProspectTaskRow.due_on, ProspectTaskRow.id)
        )
        return [ProspectCallDue(t.id, t.prospect_id, name, t.kind, t.due_on, t.due_at) for t, name in rows]

    def open_task(self, task_id: int, prospect_id: int) -> int | None:
        """``task_id`` if it is an open call of the prospect's, else None."""
        return self.session.scalar(
            select(ProspectTaskRow.id).where(
                ProspectTaskRow.id == task_id,
                ProspectTaskRow.prospect_id == prospect_id,
                ProspectTaskRow.status == TaskStatus.OPEN,
            )
        )

    def add_call(
        self, prospect_id: int, staff_id: int, kind: ProspectCallKind, due_on: dt.date, due_at: dt.datetime | None,
        at: dt.datetime,
    ) -> int:  # fmt: skip
        return self._inserted(
            ProspectTaskRow(
                prospect_id=prospect_id, staff_id=staff_id, kind=kind, due_on=due_on, due_at=due_at, created_at=at
            )
        )

    def close_calls(self, prospect_id: int, at: dt.datetime) -> int:
        """Every open call of the prospect done (a call made settles what was due)."""
        result: Any = self.session.execute(
            update(ProspectTaskRow)
            .where(ProspectTaskRow.prospect_id == prospect_id, ProspectTaskRow.status == TaskStatus.OPEN)
            .values(status=TaskStatus.DONE, closed_at=at)
        )
        return int(result.rowcount or 0)

    def add_contact(
        self, prospect_id: int, staff_id: int, outcome: ProspectOutcome, note: str, at: dt.datetime,
        task_id: int | None,
    ) -> int:  # fmt: skip
        return self._inserted(
            ProspectContactRow(
                prospect_id=prospect_id, staff_id=staff_id, started_at=at, outcome=outcome, note=note, task_id=task_id
            )
        )

    def _inserted(self, row: ProspectTaskRow | ProspectContactRow) -> int:
        """``row`` written (audited, as every write of the ORM); its id."""
        self.session.add(row)
        self.session.flush()
        return row.id

    def no_answers(self, prospect_id: int, start: dt.datetime, end: dt.datetime) -> int:
        query = select(func.count()).where(
            ProspectContactRow.prospect_id == prospect_id,
            ProspectContactRow.outcome == ProspectOutcome.NO_ANSWER,
            ProspectContactRow.started_at >= start,
            ProspectContactRow.started_at < end,
        )
        return int(self.session.scalar(query) or 0)

    def stop(self, prospect_id: int, outcome: ProspectOutcome, at: dt.datetime) -> None:
        row = self.session.get(ProspectRow, prospect_id)
        assert row is not None
        row.stopped = outcome
        row.stopped_at = at
        self.session.flush()

    def converted_from_event(self, event_id: int) -> int:
        """The clients the event's prospects became: each person once, though taken twice at the door."""
        query = select(func.count(ProspectRow.converted_client_id.distinct())).where(
            ProspectRow.event_id == event_id, ProspectRow.converted_client_id.is_not(None)
        )
        return int(self.session.scalar(query) or 0)

    def convert(self) -> list[tuple[int, int, int | None]]:
        """``convert_matching`` for the system and the admin (the bulk of the bank's file)."""
        self.access.require_admin("prospect")
        return convert_matching(self.session, self.session.info["clock"].now().datetime)

    def purge(self, before: dt.datetime) -> int:
        """Delete the prospects never converted and taken before ``before``, and those who withdrew their consent
        whenever taken, with their calls made and due; one audit entry with the counts (no name, no number)."""
        self.access.require_admin("prospect")
        withdrawn = and_(ProspectRow.stopped == ProspectOutcome.DO_NOT_CALL, ProspectRow.converted_client_id.is_(None))
        stale = select(ProspectRow.id).where(
            or_(and_(ProspectRow.converted_client_id.is_(None), ProspectRow.created_at < before), withdrawn)
        )
        ids = list(self.session.scalars(stale))
        counts = {"count": 0, "contacts": 0, "tasks": 0}
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            for name, column in (
                ("contacts", ProspectContactRow.prospect_id), ("tasks", ProspectTaskRow.prospect_id),
                ("count", ProspectRow.id),
            ):  # fmt: skip
                result: Any = self.session.execute(delete(column.class_).where(column.in_(chunk)))
                counts[name] += int(result.rowcount or 0)
        at = self.session.info["clock"].now().datetime
        entry = ("prospects.purge", "prospects", "", {**counts, "before": before.isoformat()})
        audit.append(self.session.connection(), at, self.access.actor_id, [entry])
        return counts["count"]


def due_prospect_calls(staff: ColumnElement[bool], today: Any) -> list[ColumnElement[bool]]:
    """The open prospect calls of ``staff`` due by ``today`` whose prospects (joined) may be called."""
    return [
        staff,
        ProspectTaskRow.status == TaskStatus.OPEN,
        ProspectTaskRow.due_on <= today,
        ProspectRow.manager_id == ProspectTaskRow.staff_id,
        callable_prospect(),
    ]
