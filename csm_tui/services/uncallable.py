"""A client who may no longer be called (do not call, a wrong number: recorded on any call, an event's invitation
call or the client's page) is not called for an event either: shared by the calls, clients and events services,
inside the caller's write transaction."""

from __future__ import annotations

from csm_tui.domain.enums import Disposition, InviteStatus, TaskOrigin, TaskStatus
from csm_tui.rules import events as rules
from csm_tui.services.ports import UnitOfWork
from csm_tui.services.workstation import Workstation


def close_uncallable(
    ws: Workstation, tx: UnitOfWork, client_id: int, why: Disposition
) -> tuple[list[int], dict[int, InviteStatus]]:
    """The client may no longer be called (``why``: do not call, or a wrong number, recorded on any call or on the
    client's page): their open invitation and reminder calls are closed (cancelled, never offered again), and each
    invitation of an event not over that was still waiting for an answer ends declined (``rules.when_uncallable``;
    an acceptance stands), in the caller's write transaction, audited. Returns the calls closed and the invitations'
    statuses before (``reopen_uncallable`` puts them back, for an undo)."""
    now, today = ws.time.now().datetime, ws.time.today()
    calls = [
        t for t in tx.tasks.open_for_client(client_id)
        if t.origin is TaskOrigin.EVENT and t.kind in rules.INVITATION_CALLS and t.origin_id is not None
    ]  # fmt: skip
    for task in calls:
        tx.tasks.close(task.id, TaskStatus.CANCELLED, now)
    before: dict[int, InviteStatus] = {}
    for invitation_id in dict.fromkeys(t.origin_id for t in calls if t.origin_id is not None):
        invitation = tx.events.invitation(invitation_id)
        event = None if invitation is None else tx.events.get(invitation.event_id)
        if invitation is None or event is None or invitation.attended_at is not None:
            continue
        if rules.local(ws.policy, event.starts_at).date() < today:
            continue  # over: what it was then stays
        status = rules.when_uncallable(invitation.status, why)
        if status is not invitation.status:
            tx.events.answer(invitation.id, status, invitation.answered_at)
            before[invitation.id] = invitation.status
        tx.audit.record(
            "event.uncallable", "event_invitations", str(invitation.id), was=invitation.status, now=status,
            outcome=why,
        )  # fmt: skip
    return [t.id for t in calls], before


def reopen_uncallable(tx: UnitOfWork, before: dict[int, InviteStatus]) -> None:
    """The invitations ``close_uncallable`` declined, as they were (their calls are reopened by the caller)."""
    for invitation_id, status in before.items():
        invitation = tx.events.invitation(invitation_id)
        if invitation is not None:
            tx.events.answer(invitation_id, status, invitation.answered_at)
