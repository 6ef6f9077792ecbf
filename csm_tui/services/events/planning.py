"""Planning a marketing event and inviting to it: the event held on a working day within the branch's opening
hours; invitees picked by rule or by hand, each invitation a call in the invitee's own manager's queue (a CSM
invites only own clients; a supervisor the team's); the invitation's answer recorded as a call, with the cadence
of calls for no answer and a reminder the working day before for an acceptance. All decided inside the write
transaction, from the database as it stands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from csm_tui.domain.enums import (
    Channel,
    Disposition,
    EventKind,
    InviteRule,
    InviteStatus,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Event, Invitation, NewContactRecord, NewEvent, NewInvitation, NewTask
from csm_tui.policy import Policy
from csm_tui.rules import events as rules
from csm_tui.rules.cadence import Cadence
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.rows import ClientListRow
from csm_tui.services.workstation import Workstation

PLANNERS = frozenset({Role.CSM, Role.SUPERVISOR, Role.ADMIN})
RULE_LIMIT = 500  # invitees one rule picks at most (an event's hall, not the whole book)
PICK_LIMIT = 200  # clients one search of the invitation picker lists, as the app's search
# An invitation's answer, as the call's outcome in the client's contact history.
ANSWERS = {
    InviteStatus.ACCEPTED: Disposition.INTERESTED,
    InviteStatus.DECLINED: Disposition.POLITE_DECLINE,
    InviteStatus.NO_ANSWER: Disposition.NO_ANSWER,
}
INVITATION_CALLS = (TaskKind.EVENT_INVITE, TaskKind.EVENT_REMINDER)


@dataclass(frozen=True)
class EventDraft:
    """What the planner entered."""

    kind: EventKind
    title: str
    starts_at: dt.datetime  # aware
    place: str
    capacity: int
    minutes: int = 90
    company: str = ""  # the payroll company (a payroll event)
    product_ids: tuple[int, ...] = ()
    product_codes: tuple[str, ...] = ()  # as typed on the screen; resolved with the event's save


RULE_OF_KIND = {EventKind.PAYROLL: InviteRule.EMPLOYER, EventKind.SECURITIES: InviteRule.SECURITIES}


def rule_for(kind: EventKind) -> InviteRule:
    """The invitation rule an event of ``kind`` takes by default: a payroll company's employees, the securities
    clients, otherwise the precision-marketing prospects."""
    return RULE_OF_KIND.get(kind, InviteRule.PROSPECTS)


def _require_planner(ws: Workstation, tx: UnitOfWork) -> None:
    actor = tx.actor
    if actor is not None and actor.role not in PLANNERS:
        raise AccessDenied("event")


def create_event(ws: Workstation, draft: EventDraft) -> Event:
    """Record the event; refused outside the branch's working days and opening hours, in the past, beyond the
    policy's capacity, or featuring a product the branch does not have."""
    now = ws.time.now().datetime
    if draft.starts_at <= now:
        raise DomainError("time_in_past")
    problem = rules.slot_problem(ws.policy, draft.starts_at, draft.minutes)
    if problem is not None:
        h = ws.policy.calendar
        raise DomainError(problem, opens=f"{h.opens:%H:%M}", closes=f"{h.closes:%H:%M}")
    if not 0 < draft.capacity <= ws.policy.events.max_capacity:
        raise DomainError("event_capacity", max=ws.policy.events.max_capacity)
    if draft.kind is EventKind.PAYROLL and not draft.company.strip():
        raise DomainError("event_company_required")
    with ws.uow(write=True) as tx:
        _require_planner(ws, tx)
        product_ids = list(draft.product_ids)
        for code in draft.product_codes:
            product = tx.products.by_code(code.strip().upper())
            if product is None:
                raise DomainError("event_product_unknown")
            product_ids.append(product.id)
        for product_id in draft.product_ids:
            if tx.products.get(product_id) is None:
                raise DomainError("event_product_unknown")
        event = tx.events.add(
            NewEvent(
                kind=draft.kind, title=draft.title.strip(), starts_at=draft.starts_at, minutes=draft.minutes,
                place=draft.place.strip(), capacity=draft.capacity, company=draft.company.strip(),
                product_ids=tuple(dict.fromkeys(product_ids)), outlet_id=ws.staff.outlet_id, created_by=ws.staff.id,
                created_at=now,
            )
        )  # fmt: skip
        tx.commit()
    return event


def card_note(ws: Workstation, tx: UnitOfWork, event: Event) -> str:
    """What the call card shows with an event's call: the event, when and where, and its featured products."""
    products = [p.name for p in (tx.products.get(i) for i in event.product_ids) if p is not None]
    return event_note(ws.policy, event, products)


def event_note(policy: Policy, event: NewEvent, products: Sequence[str]) -> str:
    """``card_note`` of the event with its featured products' names (the demo builder writes its calls' notes so)."""
    when = rules.local(policy, event.starts_at).format("MM-DD HH:mm")
    return " · ".join([event.title, when, event.place, *(["、".join(products)] if products else [])])[:2000]


def _open_event(ws: Workstation, tx: UnitOfWork, event_id: int) -> Event:
    event = tx.events.get(event_id)
    if event is None:
        raise DomainError("event_unknown")
    if rules.local(ws.policy, event.starts_at).date() <= ws.time.today():
        raise DomainError("event_invitations_closed")  # invitations are called before the day
    return event


def _invite(ws: Workstation, tx: UnitOfWork, event: Event, client_id: int, manager_id: int) -> Invitation:
    now = ws.time.now().datetime
    invitation = tx.events.invite(
        NewInvitation(
            event_id=event.id, client_id=client_id, staff_id=manager_id, invited_by=ws.staff.id, created_at=now
        )
    )
    tx.tasks.add(
        NewTask(
            client_id=client_id, staff_id=manager_id, kind=TaskKind.EVENT_INVITE,
            due_on=rules.invitation_due(ws.policy, ws.time.today()), origin=TaskOrigin.EVENT,
            origin_id=invitation.id, note=card_note(ws, tx, event), created_at=now,
        )
    )  # fmt: skip
    return invitation


def invite_clients(ws: Workstation, event_id: int, client_ids: list[int]) -> int:
    """Invite clients by hand: each must be the inviter's to market to (own; a supervisor's team's; the admin's
    any), never a colleague's client seen only while covering their leave. Those invited already are left as they
    are. Returns how many were invited now."""
    with ws.uow(write=True) as tx:
        _require_planner(ws, tx)
        event = _open_event(ws, tx, event_id)
        already = tx.events.invited(event.id, client_ids)
        count = 0
        for client_id in dict.fromkeys(client_ids):
            client = tx.clients.get_to_change(client_id)  # refuses another CSM's client, and a cover
            if client.manager_id is None:
                raise DomainError("event_no_manager", number=client.number)
            if client_id in already:
                continue
            _invite(ws, tx, event, client_id, client.manager_id)
            count += 1
        tx.commit()
    return count


def invitable(ws: Workstation, text: str) -> list[ClientListRow]:
    """The clients found by ``text`` (name, pinyin initials, client number, as the app's search) whom the inviter
    may pick: a CSM's own only; a supervisor's and the admin's as found (``invite_clients`` refuses, in its
    transaction, anyone outside the supervisor's team)."""
    if not text.strip():
        return []
    with ws.uow() as tx:  # the app's search read model, as F3 reads it
        rows = tx.views.clients(ws.staff.id, text, PICK_LIMIT)
    return [r for r in rows if r.own] if ws.staff.role is Role.CSM else rows


def invite_by_rule(ws: Workstation, event_id: int, rule: InviteRule) -> int:
    """Invite the clients ``rule`` picks among those the inviter may market to: a payroll company's employees, the
    securities-custody clients, the precision-marketing prospects (as the call queue finds them)."""
    tiers, today = ws.policy.tiers, ws.time.today()
    near = ((tiers.wode * tiers.near_share, tiers.wode), (tiers.jiaoyin * tiers.near_share, tiers.jiaoyin))
    with ws.uow(write=True) as tx:
        _require_planner(ws, tx)
        event = _open_event(ws, tx, event_id)
        if rule is InviteRule.EMPLOYER and not event.company:
            raise DomainError("event_company_required")
        picked = tx.events.picked(rule, event.company, today, ws.policy.calls.idle_deposit_min, near, RULE_LIMIT)
        already = tx.events.invited(event.id, [client_id for client_id, _ in picked])
        count = 0
        for client_id, manager_id in picked:
            if client_id not in already:
                _invite(ws, tx, event, client_id, manager_id)
                count += 1
        tx.commit()
    return count


def answer(
    ws: Workstation, invitation_id: int, status: InviteStatus, *, started_at: dt.datetime, note: str = ""
) -> None:
    """The invitation call's outcome, recorded as a call by the client's own manager: accepted (a reminder the
    working day before), declined, or no answer (called again by the cadence of calls, while the event is ahead)."""
    with ws.uow(write=True) as tx:
        invitation = tx.events.invitation(invitation_id)  # the manager's, their supervisor's, the admin's
        if invitation is None:
            raise DomainError("event_unknown")
        _answer(ws, tx, invitation, status, started_at, note)
        tx.commit()


def answer_call(ws: Workstation, task_id: int, status: InviteStatus, *, started_at: dt.datetime) -> None:
    """The answer given on an invitation's or reminder's call (the call session's card): the invitation is the
    task's, read in the same write transaction, and the call must still be open (not answered meanwhile by another
    session or an earlier save); then as ``answer``."""
    with ws.uow(write=True) as tx:
        task = tx.tasks.get(task_id)
        if task is None or task.kind not in INVITATION_CALLS or task.origin is not TaskOrigin.EVENT:
            raise DomainError("event_answer_no_invitation")
        invitation = None if task.origin_id is None else tx.events.invitation(task.origin_id)
        if invitation is None or invitation.client_id != task.client_id:
            raise DomainError("event_answer_no_invitation")
        tx.clients.lock(task.client_id)  # then whether the call is still open, as the database now holds it
        if task_id not in {t.id for t in tx.tasks.open_for_origin(TaskOrigin.EVENT, invitation.id)}:
            raise DomainError("event_answer_settled")
        _answer(ws, tx, invitation, status, started_at, "")
        tx.commit()


def _answer(
    ws: Workstation, tx: UnitOfWork, invitation: Invitation, status: InviteStatus, started_at: dt.datetime, note: str
) -> None:
    if status not in ANSWERS:
        raise DomainError("event_answer_unknown")
    now = ws.time.now().datetime
    today = ws.time.today()
    tx.clients.lock(invitation.client_id)
    client = tx.clients.get(invitation.client_id)
    if client.manager_id != ws.staff.id:
        raise AccessDenied("invitation")  # each CSM calls only own clients
    event = tx.events.get(invitation.event_id)
    assert event is not None
    event_day = rules.local(ws.policy, event.starts_at).date()
    if event_day < today:
        raise DomainError("event_over")
    start, end = ws.time.day_bounds(today)
    no_answers = tx.contacts.count(client.id, Disposition.NO_ANSWER, start, end)
    contact = tx.contacts.add(
        NewContactRecord(
            client_id=client.id, staff_id=ws.staff.id, channel=Channel.PHONE, started_at=started_at,
            disposition=ANSWERS[status], note=(note or event.title)[:2000],
        )
    )  # fmt: skip
    for task in tx.tasks.open_for_origin(TaskOrigin.EVENT, invitation.id):
        if task.kind in INVITATION_CALLS:
            tx.tasks.close(task.id, TaskStatus.DONE, now)
    follow: tuple[TaskKind, dt.date, dt.datetime | None] | None = None
    if status is InviteStatus.NO_ANSWER:
        retry = Cadence(ws.policy).retry(now, no_answers)
        if retry.due_on < event_day:
            follow = (TaskKind.EVENT_INVITE, retry.due_on, retry.due_at)
    elif status is InviteStatus.ACCEPTED:
        day = rules.reminder_day(ws.policy, event_day, today)
        if day is not None:
            follow = (TaskKind.EVENT_REMINDER, day, None)
    if follow is not None:
        kind, due_on, due_at = follow
        tx.tasks.add(
            NewTask(
                client_id=client.id, staff_id=ws.staff.id, kind=kind, due_on=due_on, due_at=due_at,
                origin=TaskOrigin.EVENT, origin_id=invitation.id, note=card_note(ws, tx, event), created_at=now,
            )
        )  # fmt: skip
    tx.events.answer(invitation.id, status, now)
    tx.audit.record("event.answer", "event_invitations", str(invitation.id), status=status, contact=contact.id)
