"""Service records beyond the phone: meetings booked, moved and cancelled, follow-up tasks added by hand.

Each is one transaction; confirmations of booked meetings follow the cadence rules.
"""

from __future__ import annotations

import datetime as dt

from csm_tui.domain.enums import AppointmentStatus, TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Appointment, NewAppointment, NewTask, Task
from csm_tui.rules import working_days
from csm_tui.rules.cadence import Cadence
from csm_tui.services.days import day_window
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, screen
from csm_tui.services.ports import UnitOfWork
from csm_tui.services.rows import AgendaRow
from csm_tui.services.workstation import Workstation


def _future(ws: Workstation, at: dt.datetime) -> None:
    if at <= ws.time.now().datetime:
        raise DomainError("time_in_past")


def book(
    ws: Workstation, client_id: int, starts_at: dt.datetime, purpose: str = "", place: str = "",
    confirmed: PhrasesConfirmed | None = None,
) -> Appointment:  # fmt: skip
    """A meeting, with its confirmation call the working day before; its purpose is phrase-checked."""
    _future(ws, starts_at)
    now = ws.time.now().datetime
    hits = screen(ws, {"note": purpose}, confirmed, entity="clients", entity_id=str(client_id))
    with ws.uow(write=True) as tx:
        tx.clients.get(client_id)  # own clients only
        meeting = tx.appointments.add(
            NewAppointment(client_id=client_id, staff_id=ws.staff.id, starts_at=starts_at, purpose=purpose, place=place)
        )
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


def move(ws: Workstation, appointment_id: int, starts_at: dt.datetime) -> Appointment:
    """A new time for a meeting: booked again, its confirmation call moved to the working day before."""
    _future(ws, starts_at)
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        moved = tx.appointments.change(appointment_id, starts_at=starts_at)
        tx.clients.get(moved.client_id)
        _drop_confirmations(tx, appointment_id, now)
        confirmation_tasks(tx, ws, moved, now)
        tx.commit()
    return moved


def set_status(ws: Workstation, appointment_id: int, status: AppointmentStatus) -> Appointment:
    """Confirm, cancel, or record that a meeting took place or the client did not come."""
    with ws.uow(write=True) as tx:
        changed = tx.appointments.change(appointment_id, status=status)
        tx.clients.get(changed.client_id)
        if status is not AppointmentStatus.BOOKED:  # confirmed, cancelled or over: nothing left to confirm
            _drop_confirmations(tx, appointment_id, ws.time.now().datetime)
        tx.commit()
    return changed


def add_follow_up(
    ws: Workstation, client_id: int, due_on: dt.date, note: str = "", confirmed: PhrasesConfirmed | None = None
) -> Task:
    """A follow-up call added by hand; its note is phrase-checked."""
    if due_on < ws.time.today():
        raise DomainError("time_in_past")
    hits = screen(ws, {"note": note}, confirmed, entity="clients", entity_id=str(client_id))
    with ws.uow(write=True) as tx:
        tx.clients.get(client_id)
        task = tx.tasks.add(
            NewTask(
                client_id=client_id, staff_id=ws.staff.id, kind=TaskKind.FOLLOW_UP,
                due_on=working_days.on_or_after(ws.policy.calendar, due_on), origin=TaskOrigin.MANUAL, note=note,
                created_at=ws.time.now().datetime,
            )
        )  # fmt: skip
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(client_id))
        tx.commit()
    return task


def agenda(ws: Workstation, day: dt.date) -> list[AgendaRow]:
    """The signed-in staff member's meetings on ``day``, by time."""
    with ws.uow() as tx:
        return tx.views.agenda(ws.staff.id, day_window(ws, day))
