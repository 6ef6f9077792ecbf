"""Referrals: a CSM refers a client who reaches the 沃德 standard to a 沃德 client manager, who accepts or returns
it with a reason; tellers and the lobby manager refer walk-ins to a CSM, which lands in that CSM's queue."""

from __future__ import annotations

from dataclasses import dataclass

from csm_tui.domain.enums import ReferralKind, ReferralStatus, Role, TaskKind, TaskOrigin, Tier
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import ClientSummary, NewReferral, NewTask, Referral, Staff
from csm_tui.domain.typed import client_number
from csm_tui.rules.tiers import tier_of
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, screen
from csm_tui.services.ports import AccessDenied
from csm_tui.services.workstation import Workstation


def wealth_managers(ws: Workstation) -> list[Staff]:
    with ws.uow() as tx:
        return tx.staff.with_role(Role.WEALTH_MANAGER)


def csms(ws: Workstation) -> list[Staff]:
    with ws.uow() as tx:
        return tx.staff.with_role(Role.CSM)


def refer_to_wode(
    ws: Workstation, client_id: int, to_staff_id: int, note: str = "", confirmed: PhrasesConfirmed | None = None
) -> Referral:
    """One key on a client at the 沃德 standard: the referral goes to the chosen 沃德 client manager; the note is
    phrase-checked."""
    hits = screen(ws, {"note": note}, confirmed, entity="clients", entity_id=str(client_id))
    with ws.uow(write=True) as tx:
        tx.clients.lock(client_id)  # at most one open 沃德 referral, whatever other sessions do meanwhile
        client = tx.clients.get_to_change(client_id)  # not by a colleague covering the manager's leave
        if tier_of(client.avg_3m, ws.policy.tiers) is not Tier.WODE:
            raise DomainError("below_wode")
        target = tx.staff.get(to_staff_id)
        if target is None or target.role is not Role.WEALTH_MANAGER:
            raise DomainError("not_a_wealth_manager")
        if any(
            r.kind is ReferralKind.WODE and r.status is ReferralStatus.OPEN for r in tx.referrals.for_client(client_id)
        ):
            raise DomainError("referral_open")
        referral = tx.referrals.add(
            NewReferral(
                client_id=client_id, kind=ReferralKind.WODE, from_staff_id=ws.staff.id, to_staff_id=to_staff_id,
                created_at=ws.time.now().datetime, reason=note,
            )
        )  # fmt: skip
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(client_id))
        tx.commit()
    return referral


def refer_walk_in(
    ws: Workstation, client_id: int, to_staff_id: int, note: str, confirmed: PhrasesConfirmed | None = None
) -> Referral:
    """A teller or the lobby manager sends a walk-in with a product interest to a CSM: a task in that CSM's queue;
    the note is phrase-checked."""
    now = ws.time.now().datetime
    hits = screen(ws, {"note": note}, confirmed, entity="clients", entity_id=str(client_id))
    with ws.uow(write=True) as tx:
        if tx.actor is None or tx.actor.role not in (Role.TELLER, Role.LOBBY, Role.ADMIN, Role.SUPERVISOR):
            raise AccessDenied("referral")  # the role as it stands now, not as it was at sign-in
        tx.clients.lock(client_id)  # two desks sending one walk-in at once: one assigns, the other is told
        target = tx.staff.get(to_staff_id)
        if target is None or target.role is not Role.CSM:
            raise DomainError("not_a_csm")
        summary = tx.clients.summary(client_id)
        if summary is None:
            raise LookupError(client_id)
        if summary.manager_id is None:
            tx.clients.assign(client_id, to_staff_id)  # a walk-in with no manager yet becomes this CSM's client
        elif summary.manager_id != to_staff_id:
            raise DomainError("managed_by_other")
        referral = tx.referrals.add(
            NewReferral(
                client_id=client_id, kind=ReferralKind.WALK_IN, from_staff_id=ws.staff.id, to_staff_id=to_staff_id,
                created_at=now, reason=note,
            )
        )  # fmt: skip
        tx.tasks.add(
            NewTask(
                client_id=client_id, staff_id=to_staff_id, kind=TaskKind.REFERRAL, due_on=ws.time.today(),
                origin=TaskOrigin.REFERRAL, origin_id=referral.id, note=note, created_at=now,
            )
        )  # fmt: skip
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(client_id))
        tx.commit()
    return referral


@dataclass(frozen=True)
class Names:
    """Who is who in a list of referrals: staff names, and clients' names (part of the OCRM summary)."""

    staff: dict[int, str]
    clients: dict[int, str]


def mine(ws: Workstation) -> tuple[list[Referral], Names]:
    """Referrals made by or to the signed-in staff member, open ones first, with the names they mention."""
    with ws.uow() as tx:
        found = tx.referrals.involving(ws.staff.id)
        staff_ids = {r.from_staff_id for r in found} | {r.to_staff_id for r in found}
        staff = {sid: s.name for sid in staff_ids if (s := tx.staff.get(sid)) is not None}
        clients = {r.client_id: c.name for r in found if (c := tx.clients.summary(r.client_id)) is not None}
    return found, Names(staff, clients)


def client_by_number(ws: Workstation, number: str) -> ClientSummary:
    """A client as anyone at the branch may see them (masked), found by client number."""
    with ws.uow() as tx:
        client_id = tx.clients.id_of(client_number(number))
        summary = tx.clients.summary(client_id) if client_id is not None else None
    if summary is None:
        raise DomainError("no_such_client", number=number)
    return summary


def decide(
    ws: Workstation, referral: Referral, accept: bool, reason: str = "", confirmed: PhrasesConfirmed | None = None
) -> None:
    """The receiving manager accepts a referral, or returns it with a reason (phrase-checked like a note)."""
    if referral.to_staff_id != ws.staff.id:
        raise AccessDenied("referral")
    if not accept and not reason.strip():
        raise DomainError("reason_required")
    status = ReferralStatus.ACCEPTED if accept else ReferralStatus.RETURNED
    client = str(referral.client_id)
    hits = screen(ws, {"note": reason.strip()}, confirmed, entity="clients", entity_id=client)
    with ws.uow(write=True) as tx:
        tx.referrals.close(referral.id, status, reason.strip(), ws.time.now().datetime)
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=client)
        tx.commit()
