"""Calls to prospects (潜在客户): who is not a client yet, called by their own CSM for one purpose, an invitation to
open an account or visit the branch — no financial data, no product's suitability.

``record`` writes the call and its outcome, closes the prospect's calls due and schedules the next by the cadence
(``rules.prospect_calls``), all in one transaction that holds the prospect's row: a prospect whose calls were
stopped in another session (the consent withdrawn), who became a client, or who is not the CSM's own is refused
there, whatever the screen showed. The note is phrase-checked like every note.
"""

from __future__ import annotations

from dataclasses import dataclass

from csm_tui.domain.enums import ProspectOutcome
from csm_tui.domain.errors import DomainError
from csm_tui.rules.cadence import Cadence
from csm_tui.rules.prospect_calls import after_call
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, screen
from csm_tui.services.rows import ProspectCallDue, ProspectContactLine, ProspectLine
from csm_tui.services.workstation import Workstation

NOTE_MAX = 500


@dataclass(frozen=True)
class ProspectCard:
    """What the call session shows of a prospect: who, how to reach them, where they came from, the calls so far."""

    line: ProspectLine
    history: list[ProspectContactLine]


def due(ws: Workstation) -> list[ProspectCallDue]:
    """The signed-in CSM's prospect calls due today (the queue screen has them from the queue's statement)."""
    with ws.uow() as tx:
        return tx.prospects.due_calls(ws.staff.id, ws.time.today())


def card(ws: Workstation, prospect_id: int) -> ProspectCard:
    """The prospect's card (whoever may read their CSM's list: the mobile in full to the CSM alone)."""
    with ws.uow() as tx:
        return ProspectCard(tx.prospects.line(prospect_id), tx.prospects.history(prospect_id))


def record(
    ws: Workstation, prospect_id: int, outcome: ProspectOutcome, note: str = "", *, task_id: int | None = None,
    confirmed: PhrasesConfirmed | None = None,
) -> int:  # fmt: skip
    """Write the call, close the calls due and schedule the next one (none once the calls stop); the contact's id."""
    if len(note) > NOTE_MAX:
        raise DomainError("prospect_invalid", field="note")
    if outcome is ProspectOutcome.TAKEN_TWICE:
        raise DomainError("prospect_invalid", field="outcome")  # the migration's, not a call's
    hits = screen(ws, {"note": note}, confirmed, entity="prospects", entity_id=str(prospect_id))
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        tx.prospects.to_call(prospect_id)  # held; own, consented, not stopped, not a client: else refused
        if task_id is not None and tx.prospects.open_task(task_id, prospect_id) is None:
            raise DomainError("prospect_call_done")  # saved already (in another session): not twice
        start, end = ws.time.day_bounds(ws.time.today())
        no_answers = tx.prospects.no_answers(prospect_id, start, end)
        contact_id = tx.prospects.add_contact(prospect_id, ws.staff.id, outcome, note.strip(), now, task_id)
        tx.prospects.close_calls(prospect_id, now)
        follow = after_call(Cadence(ws.policy), outcome, now, no_answers)
        if follow is None:
            tx.prospects.stop(prospect_id, outcome, now)
        else:
            tx.prospects.add_call(prospect_id, ws.staff.id, follow.kind, follow.due_on, follow.due_at, now)
        record_confirmed(tx, hits, confirmed, entity="prospects", entity_id=str(prospect_id))
        tx.commit()
    return contact_id
