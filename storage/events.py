"""Marketing events in the database: the events, their featured products, the invitations, and the read models of
the check-in list and the event's results.

Who may create or invite what is decided by ``csm_tui.services.events`` inside the write transaction; this module
refuses on its own what nobody may do: an invitation of a client the actor may not see in full, a read of another
manager's invitations. The check-in list shows others' invitees masked (the OCRM rule); a row's own client in full.
The database refuses an attendance beyond the event's capacity (migration 0018), said as ``event_full``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ColumnElement, Exists, and_, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from csm_tui.domain.enums import EventKind, InviteRule, InviteStatus, Role, TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import ContactRecord, Event, Invitation, NewEvent, NewInvitation, Task
from csm_tui.domain.roles import DOORKEEPERS, PLANNERS
from csm_tui.domain.values import mask_mobile
from csm_tui.rules.events import INVITATION_CALLS
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import EventSale, Invitee
from storage.access import Access
from storage.orm import ClientRow, ContactRow, EventProductRow, EventRow, InvitationRow, SaleRow, StaffRow, TaskRow
from storage.queue_sources import precision_prospects

# The first words of the database's refusal of an attendance beyond the event's capacity (migration 0018).
CAPACITY_REFUSED = "event capacity reached"


def _followed_up(until: dt.datetime | None) -> Exists:
    """The invitation's follow-up call was made (its task done: the client reached after the event), before
    ``until`` when given (the end of the policy's follow-up days: a call made later is no follow-up within them)."""
    made = [TaskRow.closed_at < until] if until is not None else []
    return (
        select(TaskRow.id)
        .where(
            TaskRow.origin == TaskOrigin.EVENT,
            TaskRow.origin_id == InvitationRow.id,
            TaskRow.client_id == InvitationRow.client_id,  # the invitee's own call, never one hung on their invitation
            TaskRow.kind == TaskKind.EVENT_FOLLOW_UP,
            TaskRow.status == TaskStatus.DONE,
            *made,
        )
        .exists()
    )


def _invitation(row: InvitationRow) -> Invitation:
    return Invitation.model_validate(row, from_attributes=True)


class SqlEvents:
    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    # --- events ---------------------------------------------------------------------------------------------------

    def _require_role(self, roles: frozenset[Role], what: str) -> None:
        if not (self.access.admin or self.access.has_role(*roles)):
            raise AccessDenied(what)

    def add(self, event: NewEvent) -> Event:
        self._require_role(PLANNERS, "event")
        row = EventRow(**event.model_dump(exclude={"product_ids"}))
        self.session.add(row)
        self.session.flush()
        for product_id in dict.fromkeys(event.product_ids):
            self.session.add(EventProductRow(event_id=row.id, product_id=product_id))
        self.session.flush()  # audited, like every write
        return self._event(row)

    def _event(self, row: EventRow) -> Event:
        products = self.session.scalars(
            select(EventProductRow.product_id)
            .where(EventProductRow.event_id == row.id)
            .order_by(EventProductRow.product_id)
        )
        return Event(
            id=row.id, kind=EventKind(row.kind), title=row.title, starts_at=row.starts_at, minutes=row.minutes,
            place=row.place, capacity=row.capacity, company=row.company, product_ids=tuple(products),
            outlet_id=row.outlet_id, created_by=row.created_by, created_at=row.created_at,
        )  # fmt: skip

    def get(self, event_id: int) -> Event | None:
        """Any staff member may read an event (it holds no client's data)."""
        row = self.session.get(EventRow, event_id)
        return None if row is None else self._event(row)

    def lock(self, event_id: int) -> None:
        """Hold the event until this transaction ends, so that two doors checking people in at once never pass its
        capacity (PostgreSQL; SQLite serialises writers already)."""
        self.session.execute(select(EventRow.id).where(EventRow.id == event_id).with_for_update())

    def between(self, start: dt.datetime, end: dt.datetime) -> list[Event]:
        rows = self.session.scalars(
            select(EventRow)
            .where(EventRow.starts_at >= start, EventRow.starts_at < end)
            .order_by(EventRow.starts_at, EventRow.id)
        )
        return [self._event(r) for r in rows]

    # --- invitations ----------------------------------------------------------------------------------------------

    def invite(self, invitation: NewInvitation) -> Invitation:
        """Invite a client the actor may see in full (own, a supervisor's team's, the admin's any)."""
        self.access.require_client(invitation.client_id)
        row = InvitationRow(**invitation.model_dump())
        self.session.add(row)
        self.session.flush()
        return _invitation(row)

    def invitation(self, invitation_id: int) -> Invitation | None:
        """The invitation as the database holds it now (read again, not as this session first saw it): for the
        client's manager, their supervisor, the admin, and a colleague covering the manager's leave."""
        row = self.session.get(InvitationRow, invitation_id, populate_existing=True)
        if row is None:
            return None
        self.access.require_calls_of(row.staff_id, "invitation")
        return _invitation(row)

    def answers(self, invitation_id: int) -> list[ContactRecord]:
        """The calls that answered the invitation (each contact tied to one of its invitation or reminder calls, not
        to the attendee's follow-up), oldest first."""
        self._require_calls(invitation_id)
        query = (
            select(ContactRow)
            # by the task's client too (a contact's task is its client's, held by the database): each task's
            # contacts read through their index by client, not every contact of the branch matched by task
            .join(TaskRow, and_(TaskRow.id == ContactRow.task_id, TaskRow.client_id == ContactRow.client_id))
            .where(
                TaskRow.origin == TaskOrigin.EVENT,
                TaskRow.origin_id == invitation_id,
                TaskRow.kind.in_(INVITATION_CALLS),
            )
            .order_by(ContactRow.id)
        )
        return [ContactRecord.model_validate(r, from_attributes=True) for r in self.session.scalars(query)]

    def calls(self, invitation_id: int) -> list[Task]:
        """Every call of the invitation (its invitation calls, reminders and follow-up), open or closed."""
        self._require_calls(invitation_id)
        query = select(TaskRow).where(TaskRow.origin == TaskOrigin.EVENT, TaskRow.origin_id == invitation_id)
        rows = self.session.scalars(query.order_by(TaskRow.id).execution_options(populate_existing=True))
        return [Task.model_validate(r, from_attributes=True) for r in rows]

    def _require_calls(self, invitation_id: int) -> None:
        staff_id = self.session.scalar(select(InvitationRow.staff_id).where(InvitationRow.id == invitation_id))
        if staff_id is None:
            raise LookupError(invitation_id)
        self.access.require_calls_of(staff_id, "invitation")

    def invitation_of(self, event_id: int, client_id: int) -> Invitation | None:
        """The client's invitation to the event, if any (read to check a client in: the invitation's existence)."""
        row = self.session.scalar(
            select(InvitationRow).where(InvitationRow.event_id == event_id, InvitationRow.client_id == client_id)
        )
        return None if row is None else _invitation(row)

    def invited(self, event_id: int, client_ids: list[int]) -> set[int]:
        """Of ``client_ids``: those invited to the event already."""
        if not client_ids:
            return set()
        query = select(InvitationRow.client_id).where(
            InvitationRow.event_id == event_id, InvitationRow.client_id.in_(client_ids)
        )
        return set(self.session.scalars(query))

    def answer(self, invitation_id: int, status: InviteStatus, at: dt.datetime | None) -> Invitation:
        """Set the invitation's status, answered at ``at`` (None: never answered, after an undo)."""
        row = self.session.get(InvitationRow, invitation_id)
        if row is None:
            raise LookupError(invitation_id)
        self.access.require_calls_of(row.staff_id, "invitation")
        row.status = status
        row.answered_at = at
        self.session.flush()
        return _invitation(row)

    def check_in(self, invitation_id: int, at: dt.datetime, follow_up_on: dt.date, note: str) -> Invitation:
        """Mark the invitee present and put the follow-up call in their manager's queue, due ``follow_up_on``
        (whoever is at the door: no client data is read or shown to them)."""
        self._require_role(DOORKEEPERS, "check_in")
        row = self.session.get(InvitationRow, invitation_id)
        if row is None:
            raise LookupError(invitation_id)
        capacity = self.session.scalar(select(EventRow.capacity).where(EventRow.id == row.event_id))
        row.attended_at = at
        row.checked_in_by = self.access.actor_id
        self.session.add(
            TaskRow(
                client_id=row.client_id, staff_id=row.staff_id, kind=TaskKind.EVENT_FOLLOW_UP, due_on=follow_up_on,
                origin=TaskOrigin.EVENT, origin_id=row.id, note=note, created_at=at,
            )
        )  # fmt: skip
        try:
            self.session.flush()
        except DBAPIError as exc:  # the database's own count (migration 0018), should the service's ever miss
            if CAPACITY_REFUSED not in str(exc.orig):
                raise
            raise DomainError("event_full", capacity=capacity) from None
        return _invitation(row)

    def walk_in(self, event_id: int, client_id: int, at: dt.datetime) -> Invitation:
        """A client who came without an invitation, listed at the door for their manager (no client data read or
        shown to whoever checks them in); None as manager is refused with ``LookupError``."""
        self._require_role(DOORKEEPERS, "check_in")
        manager = self.session.scalar(select(ClientRow.manager_id).where(ClientRow.id == client_id))
        if manager is None:
            raise LookupError(client_id)
        row = InvitationRow(
            event_id=event_id, client_id=client_id, staff_id=manager, status=InviteStatus.WALK_IN,
            invited_by=self.access.actor_id, created_at=at,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return _invitation(row)

    def by_mobile(self, event_id: int, mobile: str) -> set[int]:
        """The invitations of the event whose client has exactly this mobile (never a part of one)."""
        query = (
            select(InvitationRow.id)
            .join(ClientRow, ClientRow.id == InvitationRow.client_id)
            .where(InvitationRow.event_id == event_id, ClientRow.mobile == mobile)
        )
        return set(self.session.scalars(query))

    def attended(self, event_id: int) -> int:
        query = select(func.count()).where(InvitationRow.event_id == event_id, InvitationRow.attended_at.is_not(None))
        return int(self.session.scalar(query) or 0)

    # --- whom a rule picks ----------------------------------------------------------------------------------------

    def managers_for_rule(self) -> ColumnElement[bool]:
        """The clients an invitation by rule may pick: own (a CSM), the team's (a supervisor), everyone's (admin)."""
        if self.access.admin:
            return ClientRow.manager_id.is_not(None)
        actor = self.access.actor_id
        if self.access.has_role(Role.SUPERVISOR):
            team = select(StaffRow.id).where(StaffRow.supervisor_id == actor)
            return ClientRow.manager_id.in_(team)
        return ClientRow.manager_id == actor

    def picked(
        self, rule: InviteRule, company: str, today: dt.date, idle_min: Decimal,
        near: tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]], limit: int,
    ) -> list[tuple[int, int]]:  # fmt: skip
        """(client id, manager id) of the clients ``rule`` picks among those the actor may invite."""
        self._require_role(PLANNERS, "event")
        # an invitation is a call: whatever the rule, never to a client who asked not to be called, whose number is
        # known wrong, or who has none
        callable_ = and_(
            ClientRow.phone_opt_out.is_(False), ClientRow.mobile_invalid.is_(False), ClientRow.mobile.is_not(None)
        )
        scope = and_(self.managers_for_rule(), callable_)
        columns = select(ClientRow.id, ClientRow.manager_id)
        match rule:
            case InviteRule.EMPLOYER:
                if not company.strip():
                    return []
                query = columns.where(scope, ClientRow.employer == company.strip())
            case InviteRule.SECURITIES:
                query = columns.where(scope, ClientRow.securities_custody.is_(True))
            case InviteRule.PROSPECTS:
                ids = {c.client_id for c in precision_prospects(self.session, scope, today, idle_min, near, limit)}
                query = columns.where(ClientRow.id.in_(ids))
        rows = self.session.execute(query.order_by(ClientRow.id).limit(limit))
        return [(r.id, r.manager_id) for r in rows]

    # --- read models ----------------------------------------------------------------------------------------------

    def invitees(self, event_id: int, followed_up_until: dt.datetime | None = None) -> list[Invitee]:
        """The event's list at the door: everyone invited or walked in. The actor's own clients (and, for a
        supervisor, the team's; the admin, all) with their whole mobile; others' masked. ``followed_up``: the
        follow-up call made (before ``followed_up_until`` when given)."""
        query = (
            select(
                InvitationRow.id,
                InvitationRow.client_id,
                InvitationRow.staff_id,
                InvitationRow.status,
                InvitationRow.attended_at,
                _followed_up(followed_up_until).label("followed_up"),
                ClientRow.number,
                ClientRow.name,
                ClientRow.name_initials,
                ClientRow.mobile,
                ClientRow.manager_id,
                StaffRow.name.label("staff_name"),
            )
            .join(ClientRow, ClientRow.id == InvitationRow.client_id)
            .join(StaffRow, StaffRow.id == InvitationRow.staff_id)
            .where(InvitationRow.event_id == event_id)
            .order_by(ClientRow.name, InvitationRow.id)
        )
        rows = []
        for r in self.session.execute(query):
            own = r.manager_id is not None and self.access.may_see_client(r.client_id, r.manager_id, known=True)
            rows.append(
                Invitee(
                    invitation_id=r.id,
                    client_id=r.client_id,
                    staff_id=r.staff_id,
                    staff_name=r.staff_name,
                    number=r.number,
                    name=r.name,
                    initials=r.name_initials or "",
                    mobile=(r.mobile or "") if own else "",
                    masked_mobile=mask_mobile(r.mobile),
                    status=InviteStatus(r.status),
                    attended=r.attended_at is not None,
                    followed_up=bool(r.followed_up),
                    own=own,
                )
            )
        return rows

    def featured_sales(self, event_id: int, start: dt.datetime, end: dt.datetime) -> list[EventSale]:
        """Sales of the event's featured products to its attendees from ``start`` to ``end`` (not cancelled)."""
        query = (
            select(SaleRow.client_id, SaleRow.product_id, SaleRow.amount, SaleRow.sold_at)
            .join(
                InvitationRow,
                and_(InvitationRow.client_id == SaleRow.client_id, InvitationRow.event_id == event_id),
            )
            .join(
                EventProductRow,
                and_(EventProductRow.product_id == SaleRow.product_id, EventProductRow.event_id == event_id),
            )
            .where(
                InvitationRow.attended_at.is_not(None),
                SaleRow.sold_at >= start,
                SaleRow.sold_at < end,
                SaleRow.cancelled_at.is_(None),
            )
            .order_by(SaleRow.sold_at)
        )
        return [
            EventSale(client_id=r.client_id, product_id=r.product_id, amount=r.amount, sold_at=r.sold_at)
            for r in self.session.execute(query)
        ]
