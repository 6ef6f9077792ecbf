"""Anti-money-laundering (反洗钱法): suspicion reports a CSM files on a client, for the outlet's AML reviewer.

- Filed by the client's own CSM (``storage.access.require_aml_filer``): what was seen (one or more ``AmlSign``) and
  a free text, which the phrase check looks through like every text saved (``services.phrase_check``).
- Sent to the outlet's AML reviewer: the policy's ``[aml] reviewer`` names the outlet's supervisors (default) or the
  branch admin; when nobody of that role is active and at work (a reviewer on leave today hands over while away),
  the other reviews (an outlet without a supervisor, or whose supervisors are all on leave: the admins).
  Who reviews is read at each reading and decision, never kept from the filing: a supervisor deactivated since no
  longer sees the report, the admin who takes over (or a new supervisor) does. When nobody at all can review, the
  report is refused before anything is stored, and the CSM is told whom to tell in person (the policy's
  ``[aml] contact``): a report is never filed into a void.
- The reviewer marks it reported (上报) or dismissed (排除), with a reason, once; never their own report, never
  before it was filed.
- Seen by its author and the reviewers only, never by anyone else nor anywhere the client could learn of it (no
  tipping off): nothing of a report is on the client's page or card, in the queue, search, exports or the
  scoreboard; the audit log names the report by its id, never its content.
- Immutable like the suitability records: the database's triggers (migration 0011) refuse every change but the
  reviewer's one decision, and any deletion; and (0016) a decision by anyone but an active supervisor of the outlet
  or admin other than the author, or dated before the filing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from csm_tui.domain.enums import AmlSign, AmlStatus, Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import AmlReport, NewAmlReport
from csm_tui.domain.roles import AML_FILERS
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, screen
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.workstation import Workstation

TEXT_MAX = 2000
REASON_MAX = 500
DECISIONS = (AmlStatus.REPORTED, AmlStatus.DISMISSED)
ENTITY = "aml_reports"


@dataclass(frozen=True, slots=True)
class AmlEntry:
    """A report as its author or reviewer reads it: with the client's name and number and the author's name."""

    report: AmlReport
    client_number: str
    client_name: str
    author: str
    decided_by: str = ""


def reviewer_role(ws: Workstation) -> Role:
    return Role(ws.policy.aml.reviewer.value)


def is_reviewer(ws: Workstation) -> bool:
    """The signed-in staff member's role may review suspicion reports (the screens list the reports they review
    rather than those they filed): a supervisor or an admin, whichever the policy names, since the other reviews
    when nobody of that role is active (``to_review`` lists what they review now, possibly nothing)."""
    return ws.staff.role in (Role.SUPERVISOR, Role.ADMIN)


def file_report(
    ws: Workstation, client_id: int, signs: Iterable[AmlSign], text: str, confirmed: PhrasesConfirmed | None = None
) -> AmlReport:
    """File a suspicion report on ``client_id`` in the signed-in CSM's name, for their outlet's reviewer."""
    chosen = tuple(dict.fromkeys(AmlSign(s) for s in signs))
    text = text.strip()
    if not chosen:
        raise DomainError("aml_signs_required")
    if not text:
        raise DomainError("aml_text_required")
    if len(text) > TEXT_MAX:
        raise DomainError("aml_text_long", max=TEXT_MAX)
    hits = screen(ws, {"text": text}, confirmed, entity=ENTITY)
    now = ws.time.now().datetime
    with ws.uow(write=True) as tx:
        actor = tx.actor
        if actor is None or actor.role not in AML_FILERS:
            raise AccessDenied("aml")
        client = tx.clients.get_to_change(client_id)  # own clients only, not while covering a colleague's leave
        outlet_id = actor.outlet_id if actor.outlet_id is not None else client.outlet_id
        if outlet_id is None:
            raise DomainError("no_outlet")
        if not tx.aml.reviewers(outlet_id, reviewer_role(ws), actor.id):  # nobody would read it
            contact = ws.policy.aml.contact.strip()
            raise DomainError("aml_no_reviewer_call", contact=contact) if contact else DomainError("aml_no_reviewer")
        report = tx.aml.add(
            NewAmlReport(
                client_id=client_id, staff_id=actor.id, outlet_id=outlet_id, signs=chosen, text=text, filed_at=now
            )
        )
        tx.audit.record("aml.file", ENTITY, str(report.id))  # the id only: never the client's name or the text
        record_confirmed(tx, hits, confirmed, entity=ENTITY, entity_id=str(report.id))
        tx.commit()
    return report


def decide(ws: Workstation, report_id: int, status: AmlStatus, reason: str) -> AmlReport:
    """The reviewer's one decision on an open report: reported or dismissed, with a reason."""
    reason = reason.strip()
    if status not in DECISIONS:
        raise DomainError("aml_decision")
    if not reason:
        raise DomainError("aml_reason_required")
    if len(reason) > REASON_MAX:
        raise DomainError("aml_reason_long", max=REASON_MAX)
    role = reviewer_role(ws)
    with ws.uow(write=True) as tx:
        tx.aml.lock(report_id)
        report = tx.aml.get(report_id, role)  # its author or a reviewer; anyone else: AccessDenied
        if tx.actor is not None and tx.actor.id == report.staff_id:
            raise AccessDenied("aml")  # nobody reviews their own report
        if report.status is not AmlStatus.OPEN:
            raise DomainError("aml_decided", status=report.status.value)
        now = ws.time.now().datetime
        if now < report.filed_at:  # a clock set back: the database refuses it too
            raise DomainError("aml_decided_early", filed=ws.time.local(report.filed_at).format("YYYY-MM-DD HH:mm"))
        decided = tx.aml.decide(report_id, role, status, reason, now)
        tx.audit.record("aml.decide", ENTITY, str(report_id), status=status.value)
        tx.commit()
    return decided


def _entry(tx: UnitOfWork, report: AmlReport) -> AmlEntry:
    client = tx.clients.summary(report.client_id)
    author = tx.staff.get(report.staff_id)
    decider = tx.staff.get(report.decided_by) if report.decided_by is not None else None
    return AmlEntry(
        report=report, client_number=client.number if client else "", client_name=client.name if client else "",
        author=author.name if author else "", decided_by=decider.name if decider else "",
    )  # fmt: skip


def to_review(ws: Workstation, *, open_only: bool = False) -> list[AmlEntry]:
    """The reports the signed-in reviewer decides, open ones first (``AccessDenied`` to anyone else)."""
    with ws.uow() as tx:
        return [_entry(tx, r) for r in tx.aml.to_review(reviewer_role(ws), open_only=open_only)]


def mine(ws: Workstation) -> list[AmlEntry]:
    """The reports the signed-in staff member filed, newest first."""
    with ws.uow() as tx:
        return [_entry(tx, r) for r in tx.aml.mine()]


def get(ws: Workstation, report_id: int) -> AmlEntry:
    """One report, to its author or a reviewer (``AccessDenied`` to anyone else)."""
    with ws.uow() as tx:
        return _entry(tx, tx.aml.get(report_id, reviewer_role(ws)))
