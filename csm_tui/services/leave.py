"""Leave and cover (请假与代班): a CSM away for some days, and who makes their due calls meanwhile.

The policy (``[leave] calls``) says whether an absent CSM's due calls go to a named colleague's queue (``cover``, the
default) or wait for the return (``wait``). Every rule is decided here, inside the write transaction, from the
database as it stands (the staff rows locked first, so two sessions recording at once are taken one after the other):

- a CSM records leave for themselves, a supervisor for their team and themselves, an admin for anyone; a CSM or a
  supervisor goes on leave (a supervisor's names no cover: no calls of their own wait; while away they are no
  outlet's AML reviewer, ``storage.access.Access.aml_reviewers``);
- days already gone (a forgotten sick day) are recorded by the supervisor or the admin, never by the CSM: days on
  leave leave the call target, so a CSM backdating leave would take a slow week out of it after the fact;
- a leave holds at least one working day (a weekend or a public holiday alone needs no cover);
- the colleague is an active CSM of the same outlet, still on staff then, neither away nor the one away;
- a leave shares no day with another of the same CSM's, nor with leave of someone the CSM covers for then.

A covering colleague works with the absent CSM's clients only while the leave lasts (``storage.access.covering_now``
answers the access check): the call card with the number to dial (its read audited, naming whom it was for), the
client's page; never the full ID (``client_detail.reveal`` is refused). The client stays the CSM's: follow-up tasks
are the CSM's, the contact is the colleague's (so the scoreboard credits the call to whoever made it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from csm_tui.domain.enums import LeaveKind, Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Leave, NewLeave, Staff
from csm_tui.policy import LeaveCalls
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.workstation import Workstation

NOTE_MAX = 200
LEAVE_ROLES = (Role.CSM, Role.SUPERVISOR)  # who goes on leave (a supervisor: without cover)


@dataclass(frozen=True, slots=True)
class LeaveEntry:
    """A leave as the screens show it: with the names of who is away and who covers."""

    leave: Leave
    staff_name: str
    cover_name: str  # "" when the calls wait
    # The colleague named is no longer there to cover (deactivated, or off staff by the day): nobody covers, the
    # calls wait for the return, and the supervisor's team view says so.
    cover_gone: bool = False
    calls_wait: bool = False  # the branch's policy as it stands in the database lets the calls wait


def _may_record(actor: Staff, target: Staff) -> bool:
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.SUPERVISOR:
        return target.supervisor_id == actor.id or target.id == actor.id
    return actor.id == target.id


def record_leave(
    ws: Workstation, staff_id: int, first_day: dt.date, last_day: dt.date, kind: LeaveKind, cover_id: int | None = None,
    note: str = "",
) -> Leave:  # fmt: skip
    """Record ``staff_id``'s leave from ``first_day`` to ``last_day`` (both included), covered by ``cover_id``."""
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError("leave_note_long", max=NOTE_MAX)
    if last_day < first_day:
        raise DomainError("leave_days")
    if ws.policy.calendar.working_days_between(first_day, last_day) == 0:
        raise DomainError("leave_no_working_day", first=first_day, last=last_day)  # a weekend or a holiday: no cover
    today = ws.time.today()
    rules = ws.policy.leave
    if first_day < today - dt.timedelta(days=rules.past_days) or last_day > today + dt.timedelta(days=rules.ahead_days):
        raise DomainError("leave_out_of_range", past=rules.past_days, ahead=rules.ahead_days)
    if cover_id == staff_id:
        raise DomainError("leave_cover_self")
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        for sid in sorted({staff_id, *([cover_id] if cover_id is not None else [])}):
            tx.staff.lock(sid)  # in one order: two sessions recording at once are taken one after the other
        actor = tx.actor
        target = tx.staff.get(staff_id)
        if actor is None or target is None or not _may_record(actor, target):
            raise AccessDenied("leave")
        if first_day < today and actor.id == target.id:  # one's own days gone: recorded by someone above
            # else a CSM's slow week is taken out of the call target, a supervisor's AML decisions out of their
            # hands, after the fact
            raise DomainError("leave_past_by_supervisor" if actor.role is Role.CSM else "leave_own_past_by_admin")
        if target.role not in LEAVE_ROLES or not target.active:
            raise DomainError("leave_not_csm", name=target.name)
        if target.role is Role.SUPERVISOR and cover_id is not None:
            raise DomainError("leave_supervisor_no_cover", name=target.name)  # no queue of their own to cover
        if target.role is Role.CSM and rules.calls is LeaveCalls.COVER and cover_id is None:
            raise DomainError("leave_cover_required")
        if rules.calls is LeaveCalls.WAIT and cover_id is not None:
            raise DomainError("leave_cover_not_used")
        clash = tx.leave.overlapping(staff_id, first_day, last_day)
        if clash:
            raise DomainError("leave_overlaps", first=clash[0].first_day, last=clash[0].last_day)
        covering = tx.leave.covering_between(staff_id, first_day, last_day)
        if covering:
            raise DomainError("leave_while_covering", first=covering[0].first_day, last=covering[0].last_day)
        if cover_id is not None:
            _check_cover(tx, target, cover_id, first_day, last_day)
        starts_at, _ = ws.time.day_bounds(first_day)
        _, ends_at = ws.time.day_bounds(last_day)
        leave = tx.leave.add(
            NewLeave(
                staff_id=staff_id, kind=kind, first_day=first_day, last_day=last_day, starts_at=starts_at,
                ends_at=ends_at, cover_id=cover_id, note=note, recorded_by=actor.id, recorded_at=now,
            )
        )  # fmt: skip
        tx.audit.record(
            "leave.record", "staff_leave", str(leave.id), staff=staff_id, cover=cover_id,
            first=first_day.isoformat(), last=last_day.isoformat(), kind=kind.value,
        )  # fmt: skip
        tx.commit()
    return leave


def _check_cover(tx: UnitOfWork, target: Staff, cover_id: int, first: dt.date, last: dt.date) -> None:
    colleague = tx.staff.get(cover_id)
    if colleague is None or colleague.role is not Role.CSM or not colleague.active:
        raise DomainError("leave_cover_not_csm")
    if target.outlet_id is None or colleague.outlet_id != target.outlet_id:
        raise DomainError("leave_cover_other_outlet", name=colleague.name)
    if (colleague.left_on is not None and colleague.left_on < last) or (
        colleague.started_on is not None and colleague.started_on > first
    ):
        raise DomainError("leave_cover_off_staff", name=colleague.name)
    away = tx.leave.overlapping(cover_id, first, last)
    if away:
        raise DomainError("leave_cover_away", name=colleague.name, first=away[0].first_day, last=away[0].last_day)


def cancel_leave(ws: Workstation, leave_id: int) -> Leave:
    """Take back a recorded leave, by whoever may record it. Before its second day it is cancelled whole (kept,
    marked cancelled). Once days of it are gone, the CSM is back early: it ends with yesterday (from today's start
    the cover works the clients no more), and the days away stay on record, since the cover's calls were made under
    them and they left the call target. A leave already over is corrected (cancelled) only by the supervisor or the
    admin, as only they record days gone."""
    now = ws.time.now().datetime
    today = ws.time.today()
    with ws.uow(write=True) as tx:
        leave = tx.leave.get(leave_id)
        if leave is None:
            raise LookupError(leave_id)
        tx.staff.lock(leave.staff_id)
        actor, target = tx.actor, tx.staff.get(leave.staff_id)
        if actor is None or target is None or not _may_record(actor, target):
            raise AccessDenied("leave")
        if leave.last_day < today and actor.id == target.id:  # one's own leave over: corrected by someone above
            raise DomainError("leave_over_by_supervisor" if actor.role is Role.CSM else "leave_own_over_by_admin")
        if leave.first_day < today <= leave.last_day:
            yesterday = today - dt.timedelta(days=1)
            changed = tx.leave.end(leave_id, yesterday, ws.time.day_bounds(yesterday)[1])
            tx.audit.record(
                "leave.end_early", "staff_leave", str(leave_id), staff=leave.staff_id, last=yesterday.isoformat()
            )
        else:
            changed = tx.leave.cancel(leave_id, now)
            tx.audit.record("leave.cancel", "staff_leave", str(leave_id), staff=leave.staff_id)
        tx.commit()
    return changed


def change_cover(ws: Workstation, leave_id: int, cover_id: int) -> Leave:
    """Name another colleague to cover a leave under way (the one named was deactivated, say): by the supervisor or
    the admin, the colleague held to the checks of recording leave (an active CSM of the same outlet, on staff and
    not away) for the days left, from today; audited with who covered before."""
    if ws.policy.leave.calls is LeaveCalls.WAIT:
        raise DomainError("leave_cover_not_used")
    today = ws.time.today()
    with ws.uow(write=True) as tx:
        leave = tx.leave.get(leave_id)
        if leave is None:
            raise LookupError(leave_id)
        for sid in sorted({leave.staff_id, cover_id}):
            tx.staff.lock(sid)  # in record_leave's order
        actor, target = tx.actor, tx.staff.get(leave.staff_id)
        if actor is None or target is None or actor.role is Role.CSM or not _may_record(actor, target):
            raise AccessDenied("leave")
        if not leave.first_day <= today <= leave.last_day:
            raise DomainError("leave_cover_not_under_way", first=leave.first_day, last=leave.last_day)
        if cover_id == leave.staff_id:
            raise DomainError("leave_cover_self")
        _check_cover(tx, target, cover_id, today, leave.last_day)
        changed = tx.leave.set_cover(leave_id, cover_id)
        tx.audit.record(
            "leave.cover_change", "staff_leave", str(leave_id), staff=leave.staff_id, cover=cover_id,
            was=leave.cover_id,
        )  # fmt: skip
        tx.commit()
    return changed


def colleagues(ws: Workstation, staff_id: int) -> list[Staff]:
    """Who could cover for ``staff_id``: the outlet's other active CSMs (the service checks the days when saving)."""
    with ws.uow() as tx:
        target = tx.staff.get(staff_id)
        if target is None or target.outlet_id is None:
            return []
        return [s for s in tx.leave.colleagues(target.outlet_id) if s.id != staff_id]


def recordable_staff(ws: Workstation) -> list[Staff]:
    """For whom the signed-in staff member may record leave: themselves (a CSM), the team, or every CSM."""
    with ws.uow() as tx:
        actor = tx.actor
        if actor is None or actor.role is Role.ADMIN:
            staff = tx.staff.with_role(Role.CSM)
        elif actor.role is Role.SUPERVISOR:
            staff = [s for s in tx.staff.team(actor.id) if s.role is Role.CSM]
        elif actor.role is Role.CSM:
            staff = [actor]
        else:
            staff = []
    return [s for s in staff if s.active]


def _named(tx: UnitOfWork, leaves: list[Leave]) -> list[LeaveEntry]:
    """The leaves with the names of who is away and who covers, and whether that colleague can still cover the
    leave (active, on staff until its last day), as the staff rows stand now."""
    staff: dict[int, Staff | None] = {}

    def get(staff_id: int) -> Staff | None:
        if staff_id not in staff:
            staff[staff_id] = tx.staff.get(staff_id)
        return staff[staff_id]

    def gone(cover: Staff | None, last_day: dt.date) -> bool:  # as ``storage.access.cover_on_staff``
        return cover is None or not cover.active or (cover.left_on is not None and cover.left_on < last_day)

    wait = tx.leave.calls_wait() if leaves else False
    entries = []
    for leave in leaves:
        away, cover = get(leave.staff_id), get(leave.cover_id) if leave.cover_id is not None else None
        entries.append(
            LeaveEntry(
                leave, away.name if away else "", cover.name if cover else "",
                cover_gone=leave.cover_id is not None and gone(cover, leave.last_day), calls_wait=wait,
            )
        )  # fmt: skip
    return entries


def upcoming(ws: Workstation, staff_id: int) -> list[LeaveEntry]:
    """``staff_id``'s leave that has not ended yet, earliest first."""
    with ws.uow() as tx:
        today = ws.time.today()
        return _named(tx, tx.leave.for_staff(staff_id, today))


def away_on(tx: UnitOfWork, staff_ids: list[int], day: dt.date) -> dict[int, LeaveEntry]:
    """Of ``staff_ids``, who is on leave on ``day``, and who covers (inside the caller's unit of work)."""
    found = tx.leave.on_day(staff_ids, day)
    return {row.leave.staff_id: row for row in _named(tx, list(found.values()))}


def away_today(ws: Workstation) -> LeaveEntry | None:
    """The signed-in staff member's leave today, with who covers (their empty queue says why it is empty)."""
    if ws.staff.id is None:
        return None
    with ws.uow() as tx:
        return away_on(tx, [ws.staff.id], ws.time.today()).get(ws.staff.id)


def calls_covered(ws: Workstation, entry: LeaveEntry) -> bool:
    """The leave's due calls are in the colleague's queue, not waiting: the policy says so (the workstation's and
    the branch's as it stands), one is named and can still cover."""
    return (
        ws.policy.leave.calls is LeaveCalls.COVER and bool(entry.cover_name) and not entry.cover_gone
        and not entry.calls_wait
    )  # fmt: skip


def covered_today(tx: UnitOfWork, ws: Workstation) -> list[LeaveEntry]:
    """Those the signed-in CSM covers for today (none when the policy lets calls wait)."""
    if ws.policy.leave.calls is not LeaveCalls.COVER or ws.staff.id is None:
        return []
    today = ws.time.today()
    return _named(tx, tx.leave.covered_by(ws.staff.id, today))


def cover_owner(tx: UnitOfWork, ws: Workstation, manager_id: int | None) -> int | None:
    """``manager_id`` when the signed-in CSM covers for them today (their client is worked for them), else None."""
    if manager_id is None or manager_id == ws.staff.id or ws.staff.id is None:
        return None
    covered = {row.leave.staff_id for row in covered_today(tx, ws)}
    return manager_id if manager_id in covered else None


def works_for(tx: UnitOfWork, ws: Workstation, manager_id: int | None) -> int:
    """Whose a call to a client of ``manager_id`` is: the manager's while the signed-in CSM covers their leave (the
    client stays theirs, and so do the calls), else the signed-in staff member's."""
    return cover_owner(tx, ws, manager_id) or ws.staff.id


def meeting_host(tx: UnitOfWork, ws: Workstation, manager_id: int | None, starts_at: dt.datetime) -> int:
    """Who meets a client of ``manager_id`` at ``starts_at``: the signed-in staff member, or — the colleague covering
    the manager's leave booking for a day the manager is back — the manager, whose agenda and confirmation call the
    meeting then is (the colleague no longer sees the client then)."""
    day = ws.time.local(starts_at).date()
    back = (row.leave.staff_id for row in covered_today(tx, ws) if day > row.leave.last_day)
    return manager_id if manager_id is not None and manager_id in back else ws.staff.id


def working_days_away(
    ws: Workstation, tx: UnitOfWork, staff_ids: list[int], first: dt.date, last: dt.date
) -> dict[int, int]:
    """Of ``staff_ids``, how many working days from ``first`` to ``last`` each was on leave (the days the daily call
    target does not count)."""
    away: dict[int, int] = {}
    for staff_id, start, end in tx.leave.spans(staff_ids, first, last):
        away[staff_id] = away.get(staff_id, 0) + ws.policy.calendar.working_days_between(start, end)
    return away
