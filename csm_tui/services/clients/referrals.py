"""Referrals: a CSM refers a client who reaches the 沃德 standard to a 沃德 client manager, who accepts or returns
it with a reason; tellers and the lobby manager refer walk-ins to a CSM, which lands in that CSM's queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from csm_tui.domain.enums import (
    AppointmentStatus,
    ReferralKind,
    ReferralStatus,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
    Tier,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.masking import mask_text
from csm_tui.domain.models import REFERRAL_TEXT_MAX, ClientSummary, NewReferral, NewTask, Referral, Staff
from csm_tui.domain.roles import COUNTER_ROLES
from csm_tui.domain.typed import client_number
from csm_tui.rules import working_days
from csm_tui.rules.tiers import tier_of
from csm_tui.services.clients.finding import find_clients, look_up_number, whole_number
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, screen
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.rows import WODE_RELEASED, WODE_RETURNED, WODE_TOLD, ClientListRow, WodeEnding
from csm_tui.services.workstation import Workstation

WODE_TOLD_DAYS = 30  # how far back a CSM away (on leave) is told of their clients' 沃德 returns and releases


def wealth_managers(ws: Workstation) -> list[Staff]:
    with ws.uow() as tx:
        return tx.staff.with_role(Role.WEALTH_MANAGER)


def csms(ws: Workstation) -> list[Staff]:
    with ws.uow() as tx:
        return tx.staff.with_role(Role.CSM)


def wode_referred_to(found: list[Referral], staff_id: int | None) -> bool:
    """Among a client's referrals (``found``), one referring them to ``staff_id`` as a 沃德 client, open or accepted:
    the client is that 沃德 client manager's to decide or theirs already, never to be referred to 沃德 again by or to
    them."""
    live = (ReferralStatus.OPEN, ReferralStatus.ACCEPTED)
    return any(r.kind is ReferralKind.WODE and r.status in live and r.to_staff_id == staff_id for r in found)


def wode_open(found: list[Referral]) -> bool:
    """Among a client's referrals (``found``), a 沃德 referral still open: at most one a client."""
    return any(r.kind is ReferralKind.WODE and r.status is ReferralStatus.OPEN for r in found)


def wode_referable(found: list[Referral], staff_id: int | None, wode_managed: bool) -> bool:
    """What ``refer_to_wode`` allows by the client's referrals (``found``) and whether a 沃德 client manager manages
    the client (``wode_managed``, ``wode_manager``), for ``staff_id``: none referring the client to them, none open,
    none accepted, not managed by one (the client in a 沃德 client manager's book already)."""
    return not (wode_managed or wode_referred_to(found, staff_id) or wode_open(found) or wode_holder(found) is not None)


def wode_manager(tx: UnitOfWork, manager_id: int | None) -> Staff | None:
    """The client's manager (``manager_id``) when a 沃德 client manager: the client in their book already, never
    referred to 沃德 (``refer_to_wode``)."""
    manager = tx.staff.get(manager_id) if manager_id is not None else None
    return manager if manager is not None and manager.role is Role.WEALTH_MANAGER else None


def wode_holder(found: list[Referral]) -> int | None:
    """The 沃德 client manager whose 沃德 referral of the client is accepted, among the client's referrals
    (``found``): the client is in their book, and in nobody else's (``ReferralRepository.close``)."""
    accepted = (r.to_staff_id for r in found if r.kind is ReferralKind.WODE and r.status is ReferralStatus.ACCEPTED)
    return next(accepted, None)


def refer_to_wode(
    ws: Workstation, client_id: int, to_staff_id: int, note: str = "", confirmed: PhrasesConfirmed | None = None
) -> Referral:
    """One key on a client at the 沃德 standard: the referral goes to the chosen 沃德 client manager, a call in their
    queue due today (``_queue``); the note is phrase-checked. Refused for a client referred to the signed-in staff
    member (a 沃德 client manager's own), and for one a 沃德 client manager manages or has accepted already (theirs:
    a client is in one 沃德 client manager's book)."""
    _fits(note)
    hits = screen(ws, {"note": note}, confirmed, entity="clients", entity_id=str(client_id))
    with ws.uow(write=True) as tx:
        tx.clients.lock(client_id)  # at most one open 沃德 referral, whatever other sessions do meanwhile
        found = tx.referrals.for_client(client_id)
        if wode_referred_to(found, ws.staff.id):
            raise DomainError("referred_to_you")
        client = tx.clients.get_to_change(client_id)  # not by a colleague covering the manager's leave
        if tier_of(client.avg_3m, ws.policy.tiers) is not Tier.WODE:
            raise DomainError("below_wode")
        target = tx.staff.get(to_staff_id)
        if target is None or target.role is not Role.WEALTH_MANAGER or not target.active:  # one who left: nobody's
            raise DomainError("not_a_wealth_manager")
        if wode_open(found):
            raise DomainError("referral_open")
        if (manager := wode_manager(tx, client.manager_id)) is not None:  # managed by one: in their book already
            raise DomainError("wode_client_of", name=manager.name)
        if (holder := wode_holder(found)) is not None:  # in one 沃德 client manager's book at a time
            held_by = tx.staff.get(holder)
            raise DomainError("wode_client_of", name=held_by.name if held_by is not None else "")
        referral = tx.referrals.add(
            NewReferral(
                client_id=client_id, kind=ReferralKind.WODE, from_staff_id=ws.staff.id, to_staff_id=to_staff_id,
                created_at=ws.time.now().datetime, reason=note,
            )
        )  # fmt: skip
        _queue(tx, ws, referral)
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(client_id))
        tx.commit()
    return referral


def refer_walk_in(
    ws: Workstation, client_id: int, to_staff_id: int | None, note: str, confirmed: PhrasesConfirmed | None = None
) -> WalkInSent:
    """A teller or the lobby manager sends a walk-in with a product interest (``note``, the client's need) to a CSM:
    to the client's own manager, whoever is chosen (``to_staff_id`` None, or the manager); a client without one to
    the CSM chosen, who becomes their manager; never to a CSM away today (a manager's walk-in goes to the colleague
    covering for them, the client staying the manager's). A task in that CSM's queue, today's first; the note is
    phrase-checked. Returns whom it went to, to be named."""
    now = ws.time.now().datetime
    if not note.strip():
        raise DomainError("walk_in_need_required")
    _fits(note)
    hits = screen(ws, {"note": note}, confirmed, entity="clients", entity_id=str(client_id))
    with ws.uow(write=True) as tx:
        if tx.actor is None or tx.actor.role not in COUNTER_ROLES:
            raise AccessDenied("referral")  # the role as it stands now, not as it was at sign-in
        tx.clients.lock(client_id)  # two desks sending one walk-in at once: one assigns, the other is told
        summary = tx.clients.summary(client_id)
        if summary is None:
            raise LookupError(client_id)
        today = ws.time.today()
        manager = tx.staff.get(summary.manager_id) if summary.manager_id is not None else None
        if manager is not None and manager.active:
            target = _present(tx, manager, today)
            if to_staff_id is not None and to_staff_id not in (manager.id, target.id):
                raise DomainError("managed_by_other", manager=manager.name)
        else:
            if to_staff_id is None:
                raise DomainError("walk_in_choose_csm")
            chosen = tx.staff.get(to_staff_id)
            if chosen is None or chosen.role is not Role.CSM or not chosen.active:
                raise DomainError("not_a_csm")
            if (away := tx.leave.away_on(to_staff_id, today)) is not None:
                raise DomainError("csm_away", name=chosen.name, until=away[0].isoformat())
            tx.clients.assign(client_id, to_staff_id)  # a walk-in with no manager yet becomes this CSM's client
            target = chosen
        referral = tx.referrals.add(
            NewReferral(
                client_id=client_id, kind=ReferralKind.WALK_IN, from_staff_id=ws.staff.id, to_staff_id=target.id,
                created_at=now, reason=note.strip(),
            )
        )  # fmt: skip
        _queue(tx, ws, referral)
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(client_id))
        tx.commit()
    return WalkInSent(referral, target.name, assigned=manager is None or not manager.active)


def _queue(tx: UnitOfWork, ws: Workstation, referral: Referral) -> None:
    """The referral's call in the receiving manager's queue, due today (a referral made on a day off: the next
    working day), the client's need as its note: decided from there (a 沃德 referral returned cancels it,
    ``_release``)."""
    due_on = working_days.on_or_after(ws.policy.calendar, ws.time.today())
    tx.tasks.add(
        NewTask(
            client_id=referral.client_id, staff_id=referral.to_staff_id, kind=TaskKind.REFERRAL, due_on=due_on,
            origin=TaskOrigin.REFERRAL, origin_id=referral.id, note=referral.reason, created_at=referral.created_at,
        )
    )  # fmt: skip


def _present(tx: UnitOfWork, manager: Staff, today: dt.date) -> Staff:
    """Whom a walk-in of ``manager``'s client goes to today: the manager, or while they are away the colleague
    covering for them (the client stays the manager's); refused when nobody covers."""
    away = tx.leave.away_on(manager.id, today) if manager.id is not None else None
    if away is None:
        return manager
    cover = tx.staff.get(away[1]) if away[1] is not None else None
    if cover is None or not cover.active or tx.leave.away_on(away[1] or 0, today) is not None:
        raise DomainError("manager_away", manager=manager.name, until=away[0].isoformat())
    return cover


def _goes_to(tx: UnitOfWork, manager: Staff, today: dt.date) -> str:
    """The name the counter is shown for a walk-in of ``manager``'s client: theirs, or their cover's while away."""
    try:
        return _present(tx, manager, today).name
    except DomainError:
        return manager.name  # away and nobody covers: sending it says so


@dataclass(frozen=True)
class WalkInSent:
    """A walk-in referral made, and the CSM it went to (``assigned``: they became the client's manager)."""

    referral: Referral
    to_name: str
    assigned: bool


@dataclass(frozen=True)
class WalkInClient:
    """A client found at the counter, in the masked summary, with their manager (None: nobody's yet)."""

    row: ClientListRow
    manager_id: int | None
    manager_name: str


def find_walk_in(ws: Workstation, text: str) -> list[WalkInClient]:
    """The lobby's search: a whole mobile, resident ID or card number through the audited, limited look-up; a name,
    initials or client number through the client search. Each with the manager the walk-in would go to (named by
    whom it reaches today: the colleague covering while the manager is away)."""
    text = text.strip()
    if not text:
        return []
    by_number = whole_number(text, ws.time.today()) is not None
    rows = look_up_number(ws, text) if by_number else find_clients(ws, text)
    with ws.uow() as tx:
        found = []
        names: dict[int, str] = {}
        for row in rows:
            summary = tx.clients.summary(row.id)
            manager_id = summary.manager_id if summary is not None else None
            if manager_id is not None and manager_id not in names:
                person = tx.staff.get(manager_id)
                names[manager_id] = (
                    _goes_to(tx, person, ws.time.today()) if person is not None and person.active else ""
                )
            if manager_id is not None and not names[manager_id]:
                manager_id = None  # a manager who has left: the walk-in is given to a CSM chosen now
            found.append(WalkInClient(row, manager_id, names.get(manager_id, "") if manager_id else ""))
    return found


def walk_ins_since(ws: Workstation, since: dt.datetime) -> list[tuple[Referral, str, str]]:
    """Walk-ins sent to the signed-in CSM since ``since`` and still open: (referral, client's name, sender's name),
    oldest first — what the CSM is told at once."""
    with ws.uow() as tx:
        fresh = [
            r for r in tx.referrals.open_to(ws.staff.id) if r.kind is ReferralKind.WALK_IN and r.created_at > since
        ]
        out = []
        for r in fresh:
            client = tx.clients.summary(r.client_id)
            sender = tx.staff.get(r.from_staff_id)
            out.append((r, client.name if client else "", sender.name if sender else ""))
    return out


@dataclass(frozen=True)
class Names:
    """Who is who in a list of referrals: staff names, and clients' names (part of the OCRM summary); which of the
    referrals the reader may release (``release``) or return on their manager's behalf (``returnable``: a
    supervisor's, of their team's 沃德 managers), and which open ones none may accept, their client another 沃德
    client manager's already (``held_elsewhere``: only returned)."""

    staff: dict[int, str]
    clients: dict[int, str]
    releasable: frozenset[int] = frozenset()
    held_elsewhere: dict[int, str] = field(default_factory=dict)  # referral → the 沃德 client manager holding them
    returnable: frozenset[int] = frozenset()


def mine(ws: Workstation) -> tuple[list[Referral], Names]:
    """Referrals made by or to the signed-in staff member, open ones first, then (a supervisor) the 沃德 referrals
    open to or accepted by the 沃德 client managers of their team, which they may return or release for them; with
    the names they mention. A decision's note (an acceptance's, a return's, a release's: written by the receiver,
    their supervisor or the admin) with an ID or mobile typed in it masked, as the audit log keeps it
    (``mask_text``)."""
    with ws.uow() as tx:
        involving = tx.referrals.involving(ws.staff.id)
        seen = {r.id for r in involving}
        team = [r for r in tx.referrals.held_by_team() if r.id not in seen]
        found = [r.model_copy(update={"decision_note": mask_text(r.decision_note)}) for r in [*involving, *team]]
        releasable = frozenset(
            r.id for r in tx.referrals.releasable(r.id for r in found if r.kind is ReferralKind.WODE)
        )
        undecided = (r.id for r in found if r.kind is ReferralKind.WODE and r.status is ReferralStatus.OPEN)
        held_elsewhere = tx.referrals.held_elsewhere(undecided)
        returnable = frozenset(r.id for r in team if r.status is ReferralStatus.OPEN)
        staff_ids = {r.from_staff_id for r in found} | {r.to_staff_id for r in found}
        staff = {sid: s.name for sid in staff_ids if (s := tx.staff.get(sid)) is not None}
        clients = {r.client_id: c.name for r in found if (c := tx.clients.summary(r.client_id)) is not None}
    return found, Names(staff, clients, releasable, held_elsewhere, returnable)


def client_by_number(ws: Workstation, number: str) -> ClientSummary:
    """A client as anyone at the branch may see them (masked), found by client number."""
    with ws.uow() as tx:
        client_id = tx.clients.id_of(client_number(number))
        summary = tx.clients.summary(client_id) if client_id is not None else None
    if summary is None:
        raise DomainError("no_such_client", number=number)
    return summary


def decidable(referral: Referral, staff_id: int | None) -> bool:
    """``referral`` is still open and to ``staff_id``: theirs to accept or return (``decide``; the repository's
    ``close`` refuses one decided already)."""
    return referral.status is ReferralStatus.OPEN and referral.to_staff_id == staff_id


def decide(
    ws: Workstation, referral: Referral, accept: bool, reason: str = "", confirmed: PhrasesConfirmed | None = None
) -> Released:
    """The receiving manager accepts a referral (with a note, if any) or returns it with a reason (phrase-checked like
    a note): written beside the client's need, which stays as referred. A 沃德 referral returned releases the client
    in the same transaction (``_release``): returns what was cancelled (nothing, for any other decision). Their
    supervisor may return a 沃德 referral on their behalf (a manager who left with it open), which the client's CSM
    is told as such; the referral is the one stored, whatever ``referral`` says of it."""
    if accept and referral.to_staff_id != ws.staff.id:
        raise AccessDenied("referral")
    if not accept and not reason.strip():
        raise DomainError("reason_required")
    _fits(reason)
    status = ReferralStatus.ACCEPTED if accept else ReferralStatus.RETURNED
    client = str(referral.client_id)
    hits = screen(ws, {"note": reason.strip()}, confirmed, entity="clients", entity_id=client)
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        if not accept:  # two desks returning at once: one after the other, the second refused before it cancels
            tx.clients.lock(referral.client_id)
        held = tx.referrals.to_decide(referral.id, status)  # refused when decided already or not theirs to decide
        returned = not accept and held.kind is ReferralKind.WODE
        released = _release(tx, held.client_id, held.to_staff_id, now) if returned else Released()
        tx.referrals.close(held.id, status, reason.strip(), now)
        if returned:
            _said(tx, WODE_RETURNED, referral.id, released)
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=client)
        tx.commit()
    return released


def release(ws: Workstation, referral: Referral, note: str, confirmed: PhrasesConfirmed | None = None) -> Released:
    """The 沃德 client manager holding a client hands them back (交还) with a reason, phrase-checked like a return's;
    their supervisor or the admin may do it on their behalf. One transaction, the client held first: the accepted
    referral ends (``ReferralRepository.release``) and the manager's open calls and coming meetings on the client
    are cancelled (``_release``); a second release, or one of a referral not accepted, is refused before anything
    is cancelled. The client may then be referred to 沃德 again — a hand-over to another 沃德 client manager."""
    if not note.strip():
        raise DomainError("release_reason_required")
    _fits(note)
    client = str(referral.client_id)
    hits = screen(ws, {"note": note.strip()}, confirmed, entity="clients", entity_id=client)
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        tx.clients.lock(referral.client_id)  # two desks releasing at once: the second refused, nothing cancelled
        held = tx.referrals.release(referral.id, note.strip())
        released = _release(tx, held.client_id, held.to_staff_id, now)
        _said(tx, WODE_RELEASED, referral.id, released)
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=client)
        tx.commit()
    return released


def releasable(ws: Workstation, client_id: int) -> Referral | None:
    """The client's accepted 沃德 referral, if the signed-in staff member may release it (``release``): what the
    client's page offers ``u`` on, whether they see the client in full or in the summary."""
    with ws.uow() as tx:
        return next(iter(tx.referrals.releasable(client_id=client_id)), None)


def held_referral(found: list[Referral], client_id: int) -> Referral | None:
    """The client's accepted 沃德 referral among ``found``: what releasing them ends."""
    held = (r for r in found if r.client_id == client_id and r.kind is ReferralKind.WODE)
    return next((r for r in held if r.status is ReferralStatus.ACCEPTED), None)


def wode_endings_untold(ws: Workstation) -> list[WodeEnding]:
    """The signed-in CSM's clients returned or released by a 沃德 client manager, and the signed-in 沃德 client
    manager's clients released on their behalf (``held``), in the last ``WODE_TOLD_DAYS`` and not told to them yet
    (``tell_wode_endings``), with what it cancelled (the client is the CSM's alone again, not the manager's any
    more), an ID or mobile in the reason masked."""
    with ws.uow() as tx:
        return _untold(tx, ws)


def tell_wode_endings(ws: Workstation) -> list[WodeEnding]:
    """What the signed-in staff member is to be told now (``wode_endings_untold``), each recorded told (an audited
    fact) in the transaction that claims it, their row held: two desks of theirs checking at once tell it once, in
    this session or the next. A look that finds nothing writes nothing."""
    if not wode_endings_untold(ws):
        return []
    with ws.uow(write=True) as tx:
        tx.staff.lock(ws.staff.id or 0)  # the other desk's claim committed first is read below
        endings = _untold(tx, ws)
        for ended in endings:
            tx.audit.record(WODE_TOLD, "referrals", str(ended.referral_id))
        tx.commit()
    return endings


def _untold(tx: UnitOfWork, ws: Workstation) -> list[WodeEnding]:
    since = ws.time.now().datetime - dt.timedelta(days=WODE_TOLD_DAYS)
    endings = tx.views.wode_endings(ws.staff.id or 0, since)
    return [replace(e, note=mask_text(e.note)) for e in endings]  # an ID or mobile in the reason: as the log keeps it


def _fits(text: str) -> None:
    """Refused in words: a note longer than a referral keeps (``REFERRAL_TEXT_MAX``)."""
    if len(text.strip()) > REFERRAL_TEXT_MAX:
        raise DomainError("text_too_long", max=REFERRAL_TEXT_MAX)


@dataclass(frozen=True)
class Released:
    """What a 沃德 referral returned or released cancelled of its 沃德 client manager's on the client."""

    calls: int = 0
    meetings: int = 0


def _said(tx: UnitOfWork, action: str, referral_id: int, released: Released) -> None:
    """A 沃德 referral returned or released, with what it cancelled, in the audit log: what the client's CSM is told
    (``tell_wode_endings``)."""
    tx.audit.record(action, "referrals", str(referral_id), calls=released.calls, meetings=released.meetings)


def _release(tx: UnitOfWork, client_id: int, staff_id: int, now: dt.datetime) -> Released:
    """The 沃德 client manager returns a client they were deciding on, or a client they held is released: their open
    calls on the client (follow-ups, callbacks, meeting confirmations, whatever their queue held of the client) and
    their meetings with the client still to come are cancelled — the client is not theirs to call or meet any more.
    Each write is audited (tasks and meetings through the ORM, each meeting's mark in words as
    ``appointments.set_status``'s)."""
    calls = [t for t in tx.tasks.open_for_client(client_id) if t.staff_id == staff_id]
    for task in calls:
        tx.tasks.close(task.id, TaskStatus.CANCELLED, now)
    booked = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
    meetings = [
        m for m in tx.appointments.for_client(client_id, now)
        if m.staff_id == staff_id and m.status in booked
    ]  # fmt: skip
    for meeting in meetings:
        tx.appointments.change(meeting.id, status=AppointmentStatus.CANCELLED, marked_at=now)
        tx.audit.record(
            "appointment.mark", "appointments", str(meeting.id), was=meeting.status.value,
            now=AppointmentStatus.CANCELLED.value,
        )  # fmt: skip
    return Released(len(calls), len(meetings))
