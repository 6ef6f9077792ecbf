"""Recording what came of a contact: one transaction writes the contact, closes the task that caused it and creates
the next tasks by the cadence rules; it can be undone within the session. A skip says why; a snooze says when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from csm_tui.domain.enums import (
    Channel,
    Disposition,
    InviteStatus,
    QueueReason,
    SkipReason,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import CONTACT_TEXT_MAX, Event, NewAppointment, NewContactRecord, NewTask, Task
from csm_tui.domain.task_notes import skip_note
from csm_tui.rules import events as event_rules
from csm_tui.rules.cadence import CALL_KINDS, SPOKEN, Cadence, ContactState, reached
from csm_tui.services.calls.appointments import confirmation_tasks, take_slot
from csm_tui.services.calls.queue import QueueItem
from csm_tui.services.calls.service_callbacks import follows_service_callback
from csm_tui.services.leave import meeting_host, works_for
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, screen
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.uncallable import close_uncallable, reopen_uncallable
from csm_tui.services.workstation import Workstation

# A queue reason without a task is recorded against a task of this kind when skipped or snoozed.
REASON_TASK = {
    QueueReason.MATURITY: TaskKind.MATURITY,
    QueueReason.ASSESSMENT: TaskKind.ASSESSMENT_RENEWAL,
    QueueReason.ID_EXPIRY: TaskKind.ID_UPDATE,
    QueueReason.APPOINTMENT_CONFIRM: TaskKind.APPOINTMENT_CONFIRM,
}


@dataclass(frozen=True)
class Outcome:
    """What the manager entered for one contact."""

    disposition: Disposition
    channel: Channel = Channel.PHONE
    note: str = ""
    feedback: str = ""
    satisfaction: int | None = None  # 1..5, for a 回访
    at: dt.datetime | None = None  # the agreed time (meeting or callback), aware
    confirmed: PhrasesConfirmed | None = None  # forbidden phrases in the note or feedback, kept with a reason


@dataclass(frozen=True)
class Receipt:
    """What one save wrote, so that it can be undone."""

    client_id: int
    contact_id: int
    closed_tasks: tuple[int, ...] = ()
    created_tasks: tuple[int, ...] = ()
    appointment_id: int | None = None
    flags_before: dict[str, bool] = field(default_factory=dict)
    invitations_before: dict[int, InviteStatus] = field(default_factory=dict)  # declined as the client is uncallable
    booked_for: str = ""  # the meeting is the CSM's away (booked by the colleague covering, for after the leave)


def record(
    ws: Workstation, client_id: int, outcome: Outcome, *, task_id: int | None = None, started_at: dt.datetime,
    duration_s: int = 0,
) -> Receipt:  # fmt: skip
    """Write the contact, close what it settles and schedule what comes next, all in one transaction."""
    checked(outcome)
    staff_id = _staff_id(ws)
    texts = {"note": outcome.note, "feedback": outcome.feedback}
    hits = screen(ws, texts, outcome.confirmed, entity="clients", entity_id=str(client_id))
    cadence = Cadence(ws.policy)
    now = ws.time.now().datetime
    today = ws.time.today()
    with ws.uow(write=True) as tx:
        tx.clients.lock(client_id)  # "no answer: at most twice the same day" counts what other sessions saved
        client = tx.clients.get(client_id)  # refuses another CSM's client (unless covering their leave now)
        owner = works_for(tx, ws, client.manager_id)  # whose tasks the client's calls are
        start, end = ws.time.day_bounds(today)
        state = ContactState(
            no_answers_today=tx.contacts.count(client_id, Disposition.NO_ANSWER, start, end),
            sms_opt_out=client.sms_opt_out,
        )
        follow = cadence.after_contact(outcome.disposition, now, state, outcome.at)
        called = None if task_id is None else tx.tasks.get(task_id)
        if task_id is not None and (
            called is None or called.client_id != client_id or called.staff_id not in (staff_id, owner)
        ):
            raise AccessDenied("task")
        if called is not None and _invitation_event(tx, called) is not None:  # its outcome is the invitation's answer
            raise DomainError("event_call_is_invitation")
        service_done = outcome.disposition is Disposition.SERVICE_DONE
        answered = _answered(tx, ws, client_id, owner, called) if service_done else []
        contact = tx.contacts.add(
            NewContactRecord(
                client_id=client_id, staff_id=staff_id, channel=outcome.channel, started_at=started_at,
                duration_s=duration_s, disposition=outcome.disposition, note=outcome.note,
                feedback=outcome.feedback, satisfaction=outcome.satisfaction,
                task_id=answered[0].id if answered else task_id,  # what it answers
            )
        )  # fmt: skip
        further = [t.id for t in answered[1:]]  # another purchase's 回访, done in this contact
        if further:
            tx.contacts.also_answers(contact.id, further)
        closed = _close_settled(tx, ws, client_id, task_id, outcome, now, owner, answered)
        created = []
        for step in follow.tasks:
            if step.kind is TaskKind.APPOINTMENT_CONFIRM:
                continue  # the meeting's own confirmation call, below
            task = tx.tasks.add(
                NewTask(
                    client_id=client_id, staff_id=owner, kind=step.kind, due_on=step.due_on, due_at=step.due_at,
                    origin=TaskOrigin.CONTACT, origin_id=contact.id, note=outcome.note, created_at=now,
                )
            )  # fmt: skip
            created.append(task.id)
        appointment_id, booked_for = None, ""
        if outcome.disposition in (Disposition.APPOINTMENT, Disposition.AGREED_TO_BUY) and outcome.at is not None:
            minutes = ws.policy.calendar.meeting_minutes  # the outlet's days, hours and both agendas, as a booking
            host = meeting_host(tx, ws, client.manager_id, outcome.at)
            take_slot(tx, ws, client_id, host, outcome.at, minutes, override=False, overridable=False)
            appointment = tx.appointments.add(
                NewAppointment(
                    client_id=client_id, staff_id=host, starts_at=outcome.at, minutes=minutes,
                    purpose=outcome.note,
                )
            )  # fmt: skip
            appointment_id = appointment.id
            if host != ws.staff.id and (absent := tx.staff.get(host)) is not None:
                booked_for = absent.name
            created += confirmation_tasks(tx, ws, appointment, now)
        flags = {
            name: True
            for name, wanted in (("mobile_invalid", follow.mobile_invalid), ("phone_opt_out", follow.phone_opt_out))
            if wanted
        }
        before = tx.clients.set_flags(client_id, **flags) if flags else {}
        invitations: dict[int, InviteStatus] = {}
        if flags:  # not called any more: nor for an event (its pending invitation calls closed, in this write)
            cancelled, invitations = close_uncallable(ws, tx, client_id, outcome.disposition)
            closed = (*closed, *cancelled)
        record_confirmed(tx, hits, outcome.confirmed, entity="clients", entity_id=str(client_id))
        tx.commit()
    return Receipt(client_id, contact.id, closed, tuple(created), appointment_id, before, invitations, booked_for)


def checked(outcome: Outcome) -> None:
    """Refuse, in plain words and before anything is written, what cannot be recorded as entered: no channel or no
    outcome chosen, a satisfaction score other than 1–5 (a 回访 done on the phone or in person needs one), a note
    or feedback over the length kept."""
    if not isinstance(outcome.channel, Channel):
        raise DomainError("choose_channel")
    if not isinstance(outcome.disposition, Disposition):
        raise DomainError("choose_outcome")
    score = outcome.satisfaction
    if score is not None and (type(score) is not int or not 1 <= score <= 5):
        raise DomainError("satisfaction_range")
    if outcome.disposition is Disposition.SERVICE_DONE and outcome.channel in SPOKEN and score is None:
        raise DomainError("satisfaction_required")
    if max(len(outcome.note), len(outcome.feedback)) > CONTACT_TEXT_MAX:
        raise DomainError("text_too_long", max=CONTACT_TEXT_MAX)


def _close_settled(
    tx: UnitOfWork,
    ws: Workstation,
    client_id: int,
    task_id: int | None,
    outcome: Outcome,
    now: dt.datetime,
    owner: int,
    answered: list[Task],
) -> tuple[int, ...]:
    """The task that caused the contact, the 回访 a 回访 done ``answered`` (on whatever channel it was done), and,
    once the client is reached in person or on the phone, the other calls it settles."""
    disposition, channel = outcome.disposition, outcome.channel
    closing = [task_id] if task_id is not None else []
    closing += [t.id for t in answered]
    if reached(disposition, channel):
        for staff_id in dict.fromkeys((ws.staff.id, owner)):  # and, covering a colleague's leave, theirs
            closing += [t.id for t in tx.tasks.open_calls(client_id, staff_id, ws.time.today(), CALL_KINDS)]
    closed = tuple(dict.fromkeys(closing))
    for tid in closed:
        tx.tasks.close(tid, TaskStatus.DONE, now)
    return closed


def undo(ws: Workstation, receipt: Receipt) -> None:
    """Take back one save, whole: its contact, the tasks it created and closed, the meeting, the flags."""
    with ws.uow(write=True) as tx:
        for tid in receipt.created_tasks:
            tx.tasks.delete(tid)
        if receipt.appointment_id is not None:
            tx.appointments.delete(receipt.appointment_id)
        for tid in receipt.closed_tasks:
            tx.tasks.reopen(tid)
        tx.contacts.delete(receipt.contact_id)
        if receipt.flags_before:
            tx.clients.set_flags(receipt.client_id, **receipt.flags_before)
        reopen_uncallable(tx, receipt.invitations_before)
        tx.commit()


def skip(
    ws: Workstation, item: QueueItem, reason: SkipReason, note: str = "", confirmed: PhrasesConfirmed | None = None
) -> None:
    """Leave the client for today, saying why: the task is closed as skipped; the note is phrase-checked."""
    text = skip_note(reason, note)  # the reason as its code: each reader says it in their language
    hits = screen(ws, {"note": note}, confirmed, entity="clients", entity_id=str(item.client_id))
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        task_id = item.main.task_id or _task_for(tx, ws, item, now)  # a covered colleague's, for them
        task = tx.tasks.get(task_id)
        tx.tasks.close(task_id, TaskStatus.SKIPPED, now, text)
        event = None if task is None else _invitation_event(tx, task)
        if task is not None and event is not None:  # the invitation stays as it is: called the next working day
            due_on = Cadence(ws.policy).next_working_day_after(ws.time.today())
            if event_rules.call_in_time(ws.policy, event.starts_at, due_on):
                fields = task.model_dump(include={"client_id", "staff_id", "kind", "origin", "origin_id", "note"})
                tx.tasks.add(NewTask(**fields, due_on=due_on, created_at=now))
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(item.client_id))
        tx.commit()


def snooze_choices(ws: Workstation) -> dict[str, dt.datetime]:
    """The quick times a snooze offers now (``Cadence.snooze_choices``): in an hour, this afternoon, the next
    working morning, each only while the rules accept it."""
    return Cadence(ws.policy).snooze_choices(ws.time.now().datetime)


def snooze(
    ws: Workstation, item: QueueItem, at: dt.datetime, note: str = "", confirmed: PhrasesConfirmed | None = None
) -> None:
    """Call the client again at ``at`` (aware), which must be ahead, on a working day and within the calling hours
    (checked in the transaction against the clock, ``Cadence.snooze_until``); the note is phrase-checked."""
    hits = screen(ws, {"note": note}, confirmed, entity="clients", entity_id=str(item.client_id))
    with ws.uow(write=True) as tx:
        later = Cadence(ws.policy).snooze_until(at, ws.time.now().datetime)
        task = None if item.main.task_id is None else tx.tasks.get(item.main.task_id)
        event = None if task is None else _invitation_event(tx, task)
        if event is not None and not event_rules.call_in_time(ws.policy, event.starts_at, later.due_on):
            raise DomainError(
                "event_call_too_late", day=event_rules.local(ws.policy, event.starts_at).date().isoformat()
            )
        if item.main.task_id is not None:
            tx.tasks.reschedule(item.main.task_id, later.due_on, later.due_at, note)
        else:
            kind = REASON_TASK.get(item.reason, TaskKind.FOLLOW_UP)  # the same reason, later
            tx.tasks.add(
                NewTask(
                    client_id=item.client_id, staff_id=_owner(tx, ws, item.client_id), kind=kind, due_on=later.due_on,
                    due_at=later.due_at, origin=TaskOrigin.SYSTEM, note=note, created_at=ws.time.now().datetime,
                )
            )  # fmt: skip
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(item.client_id))
        tx.commit()


def mark_sms_sent(
    ws: Workstation, client_id: int, task_id: int, note: str = "", confirmed: PhrasesConfirmed | None = None
) -> Receipt:
    """An SMS task done by hand (the app sends nothing itself): recorded as an SMS contact, ``note`` the text as
    sent (phrase-checked like every note)."""
    outcome = Outcome(Disposition.INFORMED, Channel.SMS, note=note, confirmed=confirmed)
    return record(ws, client_id, outcome, task_id=task_id, started_at=ws.time.now().datetime)


def service_callback_open(ws: Workstation, client_id: int) -> bool:
    """The client has a 回访 due (or the retry of one) that a 回访 done would answer: the hand-logged contact offers
    回访完成 only then (``record`` refuses it otherwise)."""
    with ws.uow() as tx:
        owner = works_for(tx, ws, tx.clients.get(client_id).manager_id)
        return any(t.due_on <= ws.time.today() for t in _open_service_callbacks(tx, ws, client_id, owner))


def _answered(tx: UnitOfWork, ws: Workstation, client_id: int, owner: int, called: Task | None) -> list[Task]:
    """What a 回访 done answers, the call's own 回访 first: taken on a 回访 called or with one due by today (else
    refused, nothing written), it answers every open 回访 of the client's purchases, due or not — the client has
    just been asked about them all. A callback called for something else is settled by reaching the client."""
    open_ = _open_service_callbacks(tx, ws, client_id, owner)
    own = [called] if called is not None and follows_service_callback(tx, called) else []
    if not own and not any(t.due_on <= ws.time.today() for t in open_):
        raise DomainError("service_done_not_a_callback")
    return own + [t for t in open_ if t.id not in {c.id for c in own}]


def _open_service_callbacks(tx: UnitOfWork, ws: Workstation, client_id: int, owner: int) -> list[Task]:
    """The client's open 回访, whenever due, and the callbacks retrying one (``follows_service_callback``), the
    signed-in CSM's or, covering their leave, the colleague's."""
    kinds = (TaskKind.SERVICE_CALLBACK, TaskKind.CALLBACK)
    return [
        task
        for staff_id in dict.fromkeys((ws.staff.id, owner))
        for task in tx.tasks.open_calls(client_id, staff_id, None, kinds)
        if follows_service_callback(tx, task)
    ]


def _invitation_event(tx: UnitOfWork, task: Task) -> Event | None:
    """The event whose invitation ``task`` calls (an invitation's or reminder's call), else None."""
    if task.origin is not TaskOrigin.EVENT or task.kind not in event_rules.INVITATION_CALLS or task.origin_id is None:
        return None
    invitation = tx.events.invitation(task.origin_id)
    return None if invitation is None else tx.events.get(invitation.event_id)


def _task_for(tx: UnitOfWork, ws: Workstation, item: QueueItem, now: dt.datetime) -> int:
    """A task to carry the record of a skip for a reason that came from the data, not from a task."""
    kind = REASON_TASK.get(item.reason, TaskKind.FOLLOW_UP)
    task = tx.tasks.add(
        NewTask(
            client_id=item.client_id, staff_id=_owner(tx, ws, item.client_id), kind=kind, due_on=ws.time.today(),
            origin=TaskOrigin.SYSTEM, created_at=now,
        )
    )  # fmt: skip
    return task.id


def _owner(tx: UnitOfWork, ws: Workstation, client_id: int) -> int:
    """Whose task a call to the client is: the signed-in CSM's, or the colleague's whose leave they cover now (from
    the database, not from what the screen passed)."""
    return works_for(tx, ws, tx.clients.get(client_id).manager_id)


def _staff_id(ws: Workstation) -> int:
    return ws.staff.id
