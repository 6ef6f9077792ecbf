"""Suspicion reports (反洗钱可疑交易报告) in the database: filed by a client's CSM, read and decided by the outlet's
AML reviewer. Who may file, read and decide is asked of ``storage.access`` (the one access module); the service
(``csm_tui.services.clients.aml``) decides the rest inside its write transaction, and the database's triggers
(migrations 0011 and 0016) refuse any other change to a report, and a decision by anyone but an active reviewer
other than its author, whatever path it takes. Who reviews is asked at each reading and each decision, as the
staff stand then: the outlet's supervisors, or the admins, by policy, the other when nobody of that role is active.

No tipping off: nothing here is joined into any other read model (the client's page, the call card, the queue,
search, exports, the scoreboard); a report is read only through this store, by its author or a reviewer.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from csm_tui.domain.enums import AmlSign, AmlStatus, Role
from csm_tui.domain.models import AmlReport, NewAmlReport
from csm_tui.services.ports import AccessDenied
from storage.access import Access
from storage.orm import AmlReportRow


def _model(row: AmlReportRow) -> AmlReport:
    return AmlReport(
        id=row.id, client_id=row.client_id, staff_id=row.staff_id, outlet_id=row.outlet_id,
        signs=tuple(AmlSign(s) for s in row.signs.split(",") if s), text=row.text, filed_at=row.filed_at,
        status=AmlStatus(row.status), decided_by=row.decided_by, decided_at=row.decided_at,
        decision_reason=row.decision_reason,
    )  # fmt: skip


class SqlAml:
    """Suspicion reports. ``reviewer`` (the policy's ``[aml] reviewer``) names the role that decides an outlet's
    reports: its supervisors, or the branch admin."""

    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def add(self, report: NewAmlReport) -> AmlReport:
        self.access.require_aml_filer(report.client_id, report.staff_id)
        row = AmlReportRow(
            client_id=report.client_id, staff_id=report.staff_id, outlet_id=report.outlet_id,
            signs=",".join(s.value for s in report.signs), text=report.text, filed_at=report.filed_at,
            status=AmlStatus.OPEN.value, decision_reason="",
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()  # audited (the insert, by its id: never its content)
        return _model(row)

    def reviewers(self, outlet_id: int, reviewer: Role, author_id: int) -> tuple[int, ...]:
        """The ids of who reviews a report of the outlet by ``author_id`` now (``Access.aml_reviewers``); empty:
        nobody can."""
        return self.access.aml_reviewers(outlet_id, reviewer, author_id)

    def get(self, report_id: int, reviewer: Role) -> AmlReport:
        """The report, to its author or a reviewer of its outlet; anyone else is refused (``AccessDenied``), and a
        report that does not exist reads the same as one they may not see."""
        row = self.session.get(AmlReportRow, report_id)
        if row is None or not self.access.may_read_aml(row.staff_id, row.outlet_id, reviewer):
            raise AccessDenied("aml")
        return _model(row)

    def lock(self, report_id: int) -> None:
        """Decisions of one report take turns (PostgreSQL: a row lock; SQLite's write transaction is one already)."""
        self.session.execute(select(AmlReportRow.id).where(AmlReportRow.id == report_id).with_for_update())

    def decide(self, report_id: int, reviewer: Role, status: AmlStatus, reason: str, at: dt.datetime) -> AmlReport:
        row = self.session.get(AmlReportRow, report_id)
        if row is None or not self.access.is_aml_reviewer(row.outlet_id, reviewer, row.staff_id):
            raise AccessDenied("aml")
        row.status = status.value
        row.decided_by = self.access.actor_id
        row.decided_at = at
        row.decision_reason = reason
        self.session.flush()  # the database's trigger holds it to the one decision
        return _model(row)

    def mine(self) -> list[AmlReport]:
        """The reports the acting staff member filed, newest first."""
        if self.access.actor_id is None:
            return []
        rows = self.session.scalars(
            select(AmlReportRow)
            .where(AmlReportRow.staff_id == self.access.actor_id)
            .order_by(AmlReportRow.filed_at.desc(), AmlReportRow.id.desc())
        )
        return [_model(r) for r in rows]

    def to_review(self, reviewer: Role, *, open_only: bool = False) -> list[AmlReport]:
        """The reports the acting reviewer decides now (their outlet's, or the outlets' an admin reviews): open ones
        first, oldest first; refused to anyone whose role never reviews."""
        outlets = self.access.aml_review_scope()
        if outlets is None:
            raise AccessDenied("aml")
        query = select(AmlReportRow)
        if outlets != "all":
            query = query.where(AmlReportRow.outlet_id.in_(outlets))
        if open_only:
            query = query.where(AmlReportRow.status == AmlStatus.OPEN.value)
        rows = self.session.scalars(query.order_by(AmlReportRow.status != AmlStatus.OPEN.value, AmlReportRow.filed_at))
        # each report asked of (a handful a year): its reviewers depend on its outlet's staff and on its author
        return [_model(r) for r in rows if self.access.is_aml_reviewer(r.outlet_id, reviewer, r.staff_id)]
