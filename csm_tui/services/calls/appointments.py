"""Service records beyond the phone: meetings booked, moved and cancelled, follow-up tasks added by hand.

Each is one transaction; confirmations of booked meetings follow the cadence rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import arrow

from csm_tui.domain.enums import AppointmentStatus, TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Appointment, NewAppointment, NewTask, Task
from csm_tui.rules import meetings as meetings_rule
from csm_tui.rules import working_days
from csm_tui.rules.cadence import Cadence
from csm_tui.services.days import day_window, next_working_morning
from csm_tui.services.leave import meeting_host, works_for
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, screen
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.rows import AgendaRow
from csm_tui.services.workstation import Workstation

_KEPT = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED, AppointmentStatus.DONE)  # what a slot is taken by
_OVER = (AppointmentStatus.DONE, AppointmentStatus.NO_SHOW)  # marks of a meeting whose time has come
_CLOSED = (*_OVER, AppointmentStatus.CANCELLED)


def _future(ws: Workstation, at: dt.datetime) -> None:
    if at <= ws.time.now().datetime:
        raise DomainError("time_in_past")


def _busy(meetings: Iterable[Appointment], day_end: dt.datetime, exclude: int | None) -> list[meetings_rule.Busy]:
    return [
        meetings_rule.Busy(m.starts_at, m.minutes, m.id)
        for m in meetings
        if m.status in _KEPT and m.id != exclude and m.starts_at < day_end
    ]


def take_slot(
    tx: UnitOfWork, ws: Workstation, client_id: int, staff_id: int, starts_at: dt.datetime, minutes: int,
    *, override: bool, exclude: int | None = None, overridable: bool = True,
) -> list[int]:  # fmt: skip
    """Refuse a meeting outside the outlet's days and hours, or over another meeting of the staff member or of the
    client unless ``override`` (the overlapped meetings' ids are returned, to be audited; a caller that offers no
    override says ``overridable=False``, and the refusal asks for another time). Called inside the write
    transaction with the client and the staff member locked, so two sessions cannot both take one slot."""
    refused = meetings_rule.refusal(ws.policy.calendar, starts_at, minutes)
    if refused is not None:
        raise DomainError(refused.code, **refused.params)
    tx.staff.lock(staff_id)
    # Any meeting that may share an instant: one lasts less than a day (within one day's opening hours), so look
    # from a day before its start to its end, whatever zone the hours and the desk's day are read in.
    start, end = starts_at - dt.timedelta(days=1), starts_at + dt.timedelta(minutes=minutes)
    own = _busy(tx.appointments.between(staff_id, start, end), end, exclude)
    theirs = _busy(tx.appointments.for_client(client_id, start), end, exclude)
    clashes = []
    for busy, code in ((own, "meeting_overlap_staff"), (theirs, "meeting_overlap_client")):
        clash = meetings_rule.first_overlap(starts_at, minutes, busy)
        if clash is not None and not override:
            at = ws.time.local(clash.starts_at).format("YYYY-MM-DD HH:mm")
            raise DomainError(code if overridable else f"{code}_fixed", at=at)
        clashes += [b.id for b in busy if meetings_rule.overlaps(starts_at, minutes, b)]
    return sorted(set(clashes))


def _audit_override(tx: UnitOfWork, meeting: Appointment, clashes: list[int]) -> None:
    if clashes:
        tx.audit.record("appointment.overlap", "appointments", str(meeting.id), overlaps=clashes)


def book(
    ws: Workstation, client_id: int, starts_at: dt.datetime, purpose: str = "", place: str = "",
    confirmed: PhrasesConfirmed | None = None, *, override: bool = False,
) -> Appointment:  # fmt: skip
    """A meeting, with its confirmation call the working day before; its purpose is phrase-checked. Refused outside
    the outlet's working days and opening hours, and over another meeting of the CSM's or the client's unless
    ``override`` (audited)."""
    _future(ws, starts_at)
    now = ws.time.now().datetime
    minutes = ws.policy.calendar.meeting_minutes
    hits = screen(ws, {"note": purpose}, confirmed, entity="clients", entity_id=str(client_id))
    with ws.uow(write=True) as tx:
        tx.clients.lock(client_id)
        client = tx.clients.get(client_id)  # own clients only (or a colleague's, covering their leave now)
        host = meeting_host(tx, ws, client.manager_id, starts_at)
        clashes = take_slot(tx, ws, client_id, host, starts_at, minutes, override=override)
        meeting = tx.appointments.add(
            NewAppointment(
                client_id=client_id, staff_id=host, starts_at=starts_at, minutes=minutes, purpose=purpose, place=place,
            )
        )  # fmt: skip
        _audit_override(tx, meeting, clashes)
        confirmation_tasks(tx, ws, meeting, now)
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(client_id))
        tx.commit()
    return meeting


def confirmation_tasks(tx: UnitOfWork, ws: Workstation, meeting: Appointment, now: dt.datetime) -> list[int]:
    """The confirmation call of a meeting, by the cadence rules, tied to the meeting; returns the tasks' ids."""
    created = []
    for step in Cadence(ws.policy).appointment_confirmation(meeting.starts_at, now):
        task = tx.tasks.add(
            NewTask(
                client_id=meeting.client_id, staff_id=meeting.staff_id, kind=step.kind, due_on=step.due_on,
                origin=TaskOrigin.APPOINTMENT, origin_id=meeting.id, created_at=now,
            )
        )  # fmt: skip
        created.append(task.id)
    return created


def _drop_confirmations(tx: UnitOfWork, meeting_id: int, now: dt.datetime) -> None:
    for task in tx.tasks.open_for_origin(TaskOrigin.APPOINTMENT, meeting_id):
        if task.kind is TaskKind.APPOINTMENT_CONFIRM and task.id is not None:
            tx.tasks.close(task.id, TaskStatus.CANCELLED, now)


def _locked(tx: UnitOfWork, ws: Workstation, appointment_id: int) -> Appointment:
    """The meeting as it stands, its client held until the transaction ends (two desks marking it at once: the
    second sees the first's mark). Only the meeting's own staff member marks, moves or undoes it, or the colleague
    covering while they are away: a supervisor or the admin who sees the client does not rewrite their agenda."""
    found = tx.appointments.get(appointment_id)
    if found is None:
        raise LookupError(appointment_id)
    if found.staff_id != ws.staff.id:
        away = tx.leave.away_on(found.staff_id, ws.time.today())
        if away is None or away[1] != ws.staff.id:
            raise AccessDenied("appointment")
    tx.clients.lock(found.client_id)
    tx.clients.get(found.client_id)
    found = tx.appointments.get(appointment_id)
    assert found is not None
    return found


def move(ws: Workstation, appointment_id: int, starts_at: dt.datetime, *, override: bool = False) -> Appointment:
    """A new time for a meeting: booked again, its confirmation call moved to the working day before; the new time
    is held to the same days, hours and overlaps as a booking."""
    _future(ws, starts_at)
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        meeting = _locked(tx, ws, appointment_id)
        if meeting.status in _CLOSED:
            raise DomainError("meeting_closed")
        clashes = take_slot(
            tx, ws, meeting.client_id, meeting.staff_id, starts_at, meeting.minutes, override=override,
            exclude=appointment_id,
        )  # fmt: skip
        moved = tx.appointments.change(appointment_id, starts_at=starts_at)
        _audit_override(tx, moved, clashes)
        tx.audit.record("appointment.move", "appointments", str(appointment_id), was=meeting.starts_at.isoformat())
        _drop_confirmations(tx, appointment_id, now)
        confirmation_tasks(tx, ws, moved, now)
        tx.commit()
    return moved


def set_status(ws: Workstation, appointment_id: int, status: AppointmentStatus) -> Appointment:
    """Confirm or cancel a booked meeting, or record that it took place or the client did not come — the last two
    only once its time has come. A meeting already held, missed or cancelled is marked again only after ``undo``."""
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        meeting = _locked(tx, ws, appointment_id)
        if status is AppointmentStatus.BOOKED:
            raise DomainError("meeting_undo_instead")
        if meeting.status in _CLOSED or meeting.status is status:
            raise DomainError("meeting_closed")
        if status in _OVER and meeting.starts_at > now:
            raise DomainError("meeting_not_begun", at=ws.time.local(meeting.starts_at).format("YYYY-MM-DD HH:mm"))
        confirmed_at = now if status is AppointmentStatus.CONFIRMED else None
        changed = tx.appointments.change(appointment_id, status=status, marked_at=now, confirmed_at=confirmed_at)
        tx.audit.record(
            "appointment.mark", "appointments", str(appointment_id), was=meeting.status.value, now=status.value
        )
        _drop_confirmations(tx, appointment_id, now)  # confirmed, cancelled or over: nothing left to confirm
        tx.commit()
    return changed


def undo(ws: Workstation, appointment_id: int) -> Appointment:
    """Take back the last mark of a meeting (held, no-show, cancelled or confirmed) on the day it was made: a held
    or missed meeting is confirmed or booked again as it was before; a booked one gets its confirmation call back. A
    cancelled or missed meeting takes its slot again only as a booking would: refused if the outlet is closed then or
    the CSM or the client has been booked over it since."""
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        meeting = _locked(tx, ws, appointment_id)
        if meeting.status is AppointmentStatus.BOOKED or meeting.marked_at is None:
            raise DomainError("meeting_nothing_to_undo")
        if ws.time.local(meeting.marked_at).date() != ws.time.today():
            raise DomainError("meeting_undo_too_late", day=ws.time.local(meeting.marked_at).format("YYYY-MM-DD"))
        if meeting.status not in _KEPT:  # its slot was freed: taken again only if still open and free
            take_slot(
                tx, ws, meeting.client_id, meeting.staff_id, meeting.starts_at, meeting.minutes, override=False,
                exclude=appointment_id, overridable=False,
            )  # fmt: skip
        back = AppointmentStatus.BOOKED
        confirmed_at = meeting.confirmed_at
        if meeting.status is not AppointmentStatus.CONFIRMED and confirmed_at is not None:
            back = AppointmentStatus.CONFIRMED
        changed = tx.appointments.change(appointment_id, status=back, unmark=True)
        if back is AppointmentStatus.CONFIRMED and confirmed_at is not None:  # that confirmation stands, undoable
            changed = tx.appointments.change(appointment_id, marked_at=confirmed_at, confirmed_at=confirmed_at)
        tx.audit.record(
            "appointment.unmark", "appointments", str(appointment_id), was=meeting.status.value, now=back.value
        )
        if back is AppointmentStatus.BOOKED and changed.starts_at > now:  # still ahead: to be confirmed again
            confirmation_tasks(tx, ws, changed, now)
        tx.commit()
    return changed


def suggested_slot(ws: Workstation, client_id: int | None = None) -> arrow.Arrow:
    """The next free slot in the outlet's opening hours, clear of the signed-in staff member's meetings (and the
    client's): what the booking dialog offers first."""
    now = ws.time.now().datetime
    calendar = ws.policy.calendar
    with ws.uow() as tx:
        horizon = now + dt.timedelta(days=_SUGGEST_DAYS)
        busy = _busy(tx.appointments.between(ws.staff.id, now - dt.timedelta(days=1), horizon), horizon, None)
        if client_id is not None:
            busy += _busy(tx.appointments.for_client(client_id, now - dt.timedelta(days=1)), horizon, None)
    slot = meetings_rule.next_free_slot(calendar, now, busy, calendar.meeting_minutes)
    return arrow.get(slot) if slot is not None else next_working_morning(ws)


_SUGGEST_DAYS = 31  # the meetings a suggestion looks past: a month covers any agenda a CSM keeps


@dataclass(frozen=True)
class FollowUpAdded:
    """A follow-up added by hand: its task, and the day asked for when that was no working day (the task is due on
    the next working day, ``task.due_on``), so that the user is told it was moved."""

    task: Task
    moved_from: dt.date | None = None


def add_follow_up(
    ws: Workstation, client_id: int, due_on: dt.date, note: str = "", confirmed: PhrasesConfirmed | None = None
) -> FollowUpAdded:
    """A follow-up call added by hand, on the day asked or, that being no working day, the next working day; its
    note is phrase-checked. A 沃德 client manager adds one on a client still theirs to decide too (calling back is
    part of deciding): their queue holds it (``storage.access.wode_called``)."""
    if due_on < ws.time.today():
        raise DomainError("time_in_past")
    hits = screen(ws, {"note": note}, confirmed, entity="clients", entity_id=str(client_id))
    working_day = working_days.on_or_after(ws.policy.calendar, due_on)
    with ws.uow(write=True) as tx:
        client = tx.clients.get(client_id)
        task = tx.tasks.add(
            NewTask(
                client_id=client_id, staff_id=works_for(tx, ws, client.manager_id), kind=TaskKind.FOLLOW_UP,
                due_on=working_day, origin=TaskOrigin.MANUAL, note=note, created_at=ws.time.now().datetime,
            )
        )  # fmt: skip
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(client_id))
        tx.commit()
    return FollowUpAdded(task, due_on if working_day != due_on else None)


def agenda(ws: Workstation, day: dt.date) -> list[AgendaRow]:
    """The signed-in staff member's meetings on ``day``, by time."""
    with ws.uow() as tx:
        return tx.views.agenda(ws.staff.id, day_window(ws, day))
