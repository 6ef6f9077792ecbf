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
from csm_tui.domain.models import Event, Invitation, NewContactRecord, NewEvent, NewInvitation, NewTask, Task
from csm_tui.domain.roles import PLANNERS
from csm_tui.policy import Policy
from csm_tui.rules import events as rules
from csm_tui.rules.cadence import Cadence, ContactState
from csm_tui.services.leave import cover_owner
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, screen
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.rows import ClientListRow
from csm_tui.services.uncallable import close_uncallable
from csm_tui.services.workstation import Workstation

RULE_LIMIT = 500  # invitees one rule picks at most (an event's hall, not the whole book)
PICK_LIMIT = 200  # clients one search of the invitation picker lists, as the app's search
# An invitation's answer, as the call's outcome in the client's contact history.
ANSWERS = {
    InviteStatus.ACCEPTED: Disposition.INTERESTED,
    InviteStatus.DECLINED: Disposition.POLITE_DECLINE,
    InviteStatus.NO_ANSWER: Disposition.NO_ANSWER,
}
INVITATION_CALLS = rules.INVITATION_CALLS
# Outcomes of an invitation's call that change the client's number or consent, as on any call.
NUMBER_OUTCOMES = rules.UNCALLABLE


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
            if not rules.may_be_called(client.mobile, client.phone_opt_out, client.mobile_invalid):
                raise DomainError("event_uncallable", number=client.number)
            if client_id in already:
                continue
            _invite(ws, tx, event, client_id, client.manager_id)
            count += 1
        tx.commit()
    return count


def invitable(ws: Workstation, text: str) -> list[ClientListRow]:
    """The clients found by ``text`` (name, pinyin initials, client number, as the app's search) whom the inviter
    may pick, as ``invite_clients`` decides: a CSM's own only; a supervisor's team's CSMs' clients only; the
    admin's as found. Never a colleague's client seen while covering their leave."""
    if not text.strip():
        return []
    with ws.uow() as tx:  # the app's search read model, as F3 reads it
        if ws.staff.role is Role.SUPERVISOR:
            return tx.views.team_clients(ws.staff.id, text, PICK_LIMIT)
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
    ws: Workstation, invitation_id: int, status: InviteStatus, *, started_at: dt.datetime, note: str = "",
    was: InviteStatus | None = None,
) -> None:  # fmt: skip
    """The invitation's answer entered on the event's list, recorded as a call: accepted (a reminder the working day
    before), declined, or no answer (called again by the cadence of calls, while the event is ahead). ``was``: the
    status the screen showed; refused when another session has answered since (``event_answer_changed``)."""
    if status not in ANSWERS:
        raise DomainError("event_answer_unknown")
    with ws.uow(write=True) as tx:
        invitation = _held(tx, invitation_id)
        if was is not None and invitation.status is not was:
            raise DomainError("event_answer_changed")
        calls = _open_calls(tx, invitation.id)
        call_id = calls[0].id if calls else None
        _answer(ws, tx, invitation, ANSWERS[status], started_at, note=note, call_id=call_id)
        tx.commit()


def answer_call(
    ws: Workstation, task_id: int, outcome: Disposition, *, started_at: dt.datetime, at: dt.datetime | None = None,
    note: str = "", confirmed: PhrasesConfirmed | None = None,
) -> int:  # fmt: skip
    """The outcome keyed on an invitation's or reminder's call (the call session's card), as the invitation's answer
    (``rules.events.CALL_ANSWERS``): accepted; declined, firmly, do not call or a wrong number (the invitation ends;
    the client's number or consent flagged as for any call); no answer (the cadence of calls); busy, with the time
    the client asked to be called at (the invitation's call moves there). The invitation is the task's, read in the
    same write transaction, and the call must still be open (not answered meanwhile by another session or an earlier
    save). Answered by the client's manager, or the colleague covering their leave. Returns the invitation's id."""
    if outcome not in rules.CALL_ANSWERS:
        raise DomainError("event_answer_unknown")
    hits = screen(ws, {"note": note}, confirmed, entity="tasks", entity_id=str(task_id))
    with ws.uow(write=True) as tx:
        task = tx.tasks.get(task_id)
        if task is None or task.kind not in INVITATION_CALLS or task.origin is not TaskOrigin.EVENT:
            raise DomainError("event_answer_no_invitation")
        invitation = None if task.origin_id is None else tx.events.invitation(task.origin_id)
        if invitation is None or invitation.client_id != task.client_id:
            raise DomainError("event_answer_no_invitation")
        invitation = _held(tx, invitation.id)  # then whether the call is still open, as the database now holds it
        if task_id not in {t.id for t in _open_calls(tx, invitation.id)}:
            raise DomainError("event_answer_settled")
        _answer(ws, tx, invitation, outcome, started_at, note=note, at=at, call_id=task_id)
        record_confirmed(tx, hits, confirmed, entity="tasks", entity_id=str(task_id))
        tx.commit()
    return invitation.id


def _held(tx: UnitOfWork, invitation_id: int) -> Invitation:
    """The invitation as it stands once its client is held until the transaction ends (two sessions answering at
    once: the second reads what the first saved)."""
    found = tx.events.invitation(invitation_id)  # the manager's, their supervisor's, the admin's, a cover's
    if found is None:
        raise DomainError("event_unknown")
    tx.clients.lock(found.client_id)
    invitation = tx.events.invitation(invitation_id)
    assert invitation is not None
    return invitation


def _open_calls(tx: UnitOfWork, invitation_id: int) -> list[Task]:
    return [t for t in tx.tasks.open_for_origin(TaskOrigin.EVENT, invitation_id) if t.kind in INVITATION_CALLS]


def _answer(
    ws: Workstation, tx: UnitOfWork, invitation: Invitation, outcome: Disposition, started_at: dt.datetime, *,
    note: str = "", at: dt.datetime | None = None, call_id: int | None,
) -> None:  # fmt: skip
    now = ws.time.now().datetime
    today = ws.time.today()
    client = tx.clients.get(invitation.client_id)
    owner = client.manager_id
    if owner is None or (owner != ws.staff.id and cover_owner(tx, ws, owner) is None):
        raise AccessDenied("invitation")  # each CSM calls only own clients (and, covering leave, the colleague's)
    event = tx.events.get(invitation.event_id)
    assert event is not None
    event_day = rules.local(ws.policy, event.starts_at).date()
    if event_day < today:
        raise DomainError("event_over")
    if invitation.status is InviteStatus.WALK_IN:
        raise DomainError("event_walk_in_not_invited")  # came uninvited: no invitation to answer
    if invitation.attended_at is not None:
        raise DomainError("event_already_in")  # came: no later answer says they declined or did not pick up
    status = rules.after_answer(invitation.status, outcome)
    kind = TaskKind.EVENT_REMINDER if status is InviteStatus.ACCEPTED else TaskKind.EVENT_INVITE
    follow: tuple[TaskKind, dt.date, dt.datetime | None] | None = None
    if outcome is Disposition.BUSY:  # called back at the time the client asked for, before the event's day
        if at is None:
            raise DomainError("time_required")
        later = Cadence(ws.policy).callback_at(at, now)
        if not rules.call_in_time(ws.policy, event.starts_at, later.due_on):
            raise DomainError("event_call_too_late", day=event_day.isoformat())
        follow = (kind, later.due_on, later.due_at)
    elif outcome is Disposition.NO_ANSWER:
        start, end = ws.time.day_bounds(today)
        retry = Cadence(ws.policy).retry(now, tx.contacts.count(client.id, Disposition.NO_ANSWER, start, end))
        if rules.call_in_time(ws.policy, event.starts_at, retry.due_on):
            follow = (kind, retry.due_on, retry.due_at)
    elif status is InviteStatus.ACCEPTED:
        day = rules.reminder_day(ws.policy, event_day, today)
        if day is not None:
            follow = (TaskKind.EVENT_REMINDER, day, None)
    calls = _open_calls(tx, invitation.id)
    if call_id is None:  # answered with no call open (on the list, the event near): the call recorded as made
        call_id = _add_call(ws, tx, invitation, owner, kind, today, note=card_note(ws, tx, event))
        calls = _open_calls(tx, invitation.id)
    contact = tx.contacts.add(
        NewContactRecord(
            client_id=client.id, staff_id=ws.staff.id, channel=Channel.PHONE, started_at=started_at,
            disposition=outcome, note=(note or event.title)[:2000], task_id=call_id,
        )
    )  # fmt: skip
    for task in calls:
        tx.tasks.close(task.id, TaskStatus.DONE, now)
    if follow is not None:
        kind, due_on, due_at = follow
        _add_call(ws, tx, invitation, owner, kind, due_on, due_at=due_at, note=card_note(ws, tx, event))
    _flag_number(ws, tx, client.id, owner, outcome, contact.id)
    tx.events.answer(invitation.id, status, now)
    tx.audit.record(
        "event.answer", "event_invitations", str(invitation.id), status=status, was=invitation.status,
        outcome=outcome, contact=contact.id,
    )  # fmt: skip


def _add_call(
    ws: Workstation, tx: UnitOfWork, invitation: Invitation, owner: int, kind: TaskKind, due_on: dt.date, *,
    due_at: dt.datetime | None = None, note: str,
) -> int:  # fmt: skip
    task = tx.tasks.add(
        NewTask(
            client_id=invitation.client_id, staff_id=owner, kind=kind, due_on=due_on, due_at=due_at,
            origin=TaskOrigin.EVENT, origin_id=invitation.id, note=note, created_at=ws.time.now().datetime,
        )
    )  # fmt: skip
    return task.id


def _flag_number(
    ws: Workstation, tx: UnitOfWork, client_id: int, owner: int, outcome: Disposition, contact_id: int
) -> None:
    """A wrong number or a request not to be called, on an invitation's call, as on any call (the cadence's flags
    and the number's verification), so the client is not called on it again."""
    if outcome not in NUMBER_OUTCOMES:
        return
    now = ws.time.now().datetime
    follow = Cadence(ws.policy).after_contact(outcome, now, ContactState())
    for step in follow.tasks:
        tx.tasks.add(
            NewTask(
                client_id=client_id, staff_id=owner, kind=step.kind, due_on=step.due_on, due_at=step.due_at,
                origin=TaskOrigin.CONTACT, origin_id=contact_id, created_at=now,
            )
        )  # fmt: skip
    flags = {"mobile_invalid": follow.mobile_invalid, "phone_opt_out": follow.phone_opt_out}
    tx.clients.set_flags(client_id, **{name: True for name, wanted in flags.items() if wanted})
    close_uncallable(ws, tx, client_id, outcome)  # the client's invitations to other events are not called either


def undo_answer(ws: Workstation, invitation_id: int) -> Invitation:
    """Take back the invitation's last answer on the day it was given, by whoever gave it or their supervisor: its
    call reopened, the calls it booked (a reminder, a retry, a call back) dropped, its contact removed, the status
    as the answers before it left it (the event's results count it so at once); audited. Refused once a call it
    booked has been made, and for a wrong number or a request not to be called (the client's flags are corrected
    on the client's page, not guessed back here)."""
    today = ws.time.today()
    with ws.uow(write=True) as tx:
        invitation = _held(tx, invitation_id)
        answers = tx.events.answers(invitation.id)
        if not answers or invitation.answered_at is None:
            raise DomainError("event_nothing_to_undo")
        last = answers[-1]
        answered = invitation.answered_at
        if ws.time.local(answered).date() != today:
            raise DomainError("event_undo_too_late", day=ws.time.local(answered).format("YYYY-MM-DD"))
        if invitation.attended_at is not None:
            raise DomainError("event_already_in")  # came: the answer they came on stays
        if last.staff_id != ws.staff.id:
            answerer = tx.staff.get(last.staff_id)
            if ws.staff.role is not Role.SUPERVISOR or answerer is None or answerer.supervisor_id != ws.staff.id:
                raise AccessDenied("invitation")
        if last.disposition in NUMBER_OUTCOMES:
            raise DomainError("event_undo_flagged")
        every = tx.events.calls(invitation.id)
        calls = [c for c in every if c.kind in INVITATION_CALLS]
        booked = [c for c in calls if c.created_at == answered and c.id != last.task_id]  # by the answer
        if any(c.status is not TaskStatus.OPEN for c in booked):
            raise DomainError("event_undo_called_since")
        for task in booked:
            tx.tasks.delete(task.id)
        tx.contacts.delete(last.id)
        for task in calls:
            if task.status is TaskStatus.DONE and task.closed_at == answered:
                if task.created_at == answered:  # the call recorded as made with the answer itself
                    tx.tasks.delete(task.id)
                else:
                    tx.tasks.reopen(task.id)
        earlier = answers[:-1]
        status = rules.replayed(InviteStatus.INVITED, [a.disposition for a in earlier])
        # When the answer before was given: the instant its call was closed (the same write's clock).
        before = next((c.closed_at for c in every if earlier and c.id == earlier[-1].task_id), None)
        back = tx.events.answer(invitation.id, status, before)
        tx.audit.record(
            "event.unanswer", "event_invitations", str(invitation.id), was=invitation.status, now=status,
            contact=last.id,
        )  # fmt: skip
        tx.commit()
    return back
