"""Prospects (潜在客户): people who are not clients yet, met at an event's door or introduced by a client, followed by
a CSM until they open an account. A name and a mobile (read by phonenumbers), taken only with their consent to be
contacted, never financial data (a resident ID only if they give it); converted automatically when the bank's client
file brings the same mobile or resident ID (the
history stays, the introducing client is credited); purged after the policy's retention when never converted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import arrow
from pydantic import ValidationError

from csm_tui.clock import BranchTime
from csm_tui.domain.enums import Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import NewProspect, Prospect
from csm_tui.policy import Policy
from csm_tui.rules.cadence import Cadence
from csm_tui.rules.prospect_calls import first_call
from csm_tui.services.events.day import on_its_day
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, screen
from csm_tui.services.ports import AccessDenied, UnitOfWork, UnitOfWorkFactory
from csm_tui.services.rows import ProspectContactLine, ProspectLine
from csm_tui.services.workstation import Workstation

NOTE_MAX = 200  # the prospect's note (what the introducing client said of them)


def _new(
    ws: Workstation, name: str, mobile: str, consent: bool, manager_id: int, resident_id: str = "", **more: object
) -> NewProspect:
    if not consent:
        raise DomainError("prospect_consent")  # no consent to be contacted: nothing of them is kept
    try:
        return NewProspect(
            name=name.strip(), mobile=mobile, resident_id=resident_id.strip() or None, consent=True,
            manager_id=manager_id, met_by=ws.staff.id,
            created_at=ws.time.now().datetime, **more,
        )  # fmt: skip
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "name"
        raise DomainError("prospect_invalid", field=field) from None


def _manager_at_event(tx: UnitOfWork, ws: Workstation, created_by: int | None) -> int:
    """Who follows a prospect met at the door: the CSM who met them, else the CSM who planned the event."""
    if ws.staff.role is Role.CSM:
        return ws.staff.id
    planner = tx.staff.get(created_by) if created_by is not None else None
    if planner is None or planner.role is not Role.CSM or not planner.active:
        raise DomainError("prospect_no_manager")
    return planner.id


def meet_at_event(
    ws: Workstation, event_id: int, name: str, mobile: str, consent: bool, resident_id: str = ""
) -> Prospect:
    """Someone at the door who is not a client: a prospect of the event, followed by the CSM who met them (or, met
    by the lobby, the event's planner); ``resident_id`` if they gave it (the import converts on it too)."""
    with ws.uow(write=True) as tx:
        event = tx.events.get(event_id)
        if event is None:
            raise DomainError("event_unknown")
        if not on_its_day(ws, event):
            raise DomainError("event_not_today")  # met at its door: never added to an event before or after it
        manager = _manager_at_event(tx, ws, event.created_by)
        prospect = _taken(tx, ws, _new(ws, name, mobile, consent, manager, resident_id, event_id=event.id))
        tx.commit()
    return prospect


def introduced(
    ws: Workstation, client_id: int, name: str, mobile: str, consent: bool, resident_id: str = "", note: str = "",
    confirmed: PhrasesConfirmed | None = None,
) -> Prospect:  # fmt: skip
    """Someone a client introduced (通过老客户的介绍): a prospect of whoever has the client in their own book (their
    manager, or the 沃德 client manager who accepted them), who records it; the note (what the client said of them)
    is phrase-checked like every note."""
    if len(note) > NOTE_MAX:
        raise DomainError("prospect_invalid", field="note")
    hits = screen(ws, {"note": note}, confirmed, entity="prospects", entity_id=f"introduced_by:{client_id}")
    with ws.uow(write=True) as tx:
        client = tx.clients.get_to_change(client_id)  # one's own client (not another's, not while covering)
        if not tx.clients.in_book(client.id):
            raise AccessDenied("prospect")
        more = {"introduced_by": client.id, "note": note.strip()}
        try:
            prospect = _taken(tx, ws, _new(ws, name, mobile, consent, ws.staff.id, resident_id, **more))
        except DomainError as exc:
            if exc.code != "prospect_is_client":
                raise
            raise DomainError("prospect_introduced_is_client") from None  # no door here to check them in at
        record_confirmed(tx, hits, confirmed, entity="prospects", entity_id=str(prospect.id))
        tx.commit()
    return prospect


def _taken(tx: UnitOfWork, ws: Workstation, new: NewProspect) -> Prospect:
    """The prospect stored with their first call in their CSM's queue (they consented to be contacted)."""
    prospect = tx.prospects.add(new)
    call = first_call(Cadence(ws.policy), prospect.created_at)
    tx.prospects.add_call(prospect.id, prospect.manager_id, call.kind, call.due_on, call.due_at, prospect.created_at)
    return prospect


def listing(ws: Workstation, manager_id: int | None = None) -> list[ProspectLine]:
    """The prospects list of a CSM (one's own; a supervisor their team's, mobiles masked)."""
    with ws.uow() as tx:
        return tx.prospects.listing(manager_id if manager_id is not None else ws.staff.id)


@dataclass(frozen=True)
class ProspectsView:
    """The prospects list a screen shows: each prospect, the calls made to each, and whose they are."""

    lines: list[ProspectLine]
    histories: dict[int, list[ProspectContactLine]]
    managers: dict[int, str]  # staff id → name


def view(ws: Workstation) -> ProspectsView:
    """A CSM's own prospects; a supervisor's team's (mobiles masked: only the prospect's own CSM calls them)."""
    with ws.uow() as tx:
        staff = tx.staff.team(ws.staff.id) if ws.staff.role is Role.SUPERVISOR else [ws.staff]
        lines: list[ProspectLine] = []
        histories: dict[int, list[ProspectContactLine]] = {}
        for member in staff:
            lines += tx.prospects.listing(member.id)
            histories |= tx.prospects.histories(member.id)
    lines.sort(key=lambda line: (line.created_at, line.id), reverse=True)
    return ProspectsView(lines, histories, {member.id: member.name for member in staff})


def purge_on(created_at: dt.datetime, policy: Policy) -> dt.date:
    """The day a prospect taken at ``created_at`` and never converted is purged (``retention_cutoff``'s inverse)."""
    months = policy.events.prospect_retention_months
    return arrow.get(created_at).to(policy.calendar.tz).shift(months=months).date()


def mine(ws: Workstation, manager_id: int | None = None) -> list[Prospect]:
    with ws.uow() as tx:
        return tx.prospects.of(manager_id if manager_id is not None else ws.staff.id)


def retention_cutoff(time: BranchTime, policy: Policy) -> dt.datetime:
    """Prospects taken before this instant and never converted are past the policy's retention."""
    months = policy.events.prospect_retention_months
    return arrow.get(time.today(), tzinfo=policy.calendar.tz).shift(months=-months).to("UTC").datetime


def purge(uow: UnitOfWorkFactory, time: BranchTime, policy: Policy) -> int:
    """Delete the never-converted prospects past the retention (the admin or the system: ``csm admin prospects
    purge``, nightly from the service account's crontab); one audit entry with the count, no personal data."""
    with uow(write=True) as tx:
        count = tx.prospects.purge(retention_cutoff(time, policy))
        tx.commit()
    return count
