"""The appraisal's records: mystery-shopper checks, training, qualifications, D grades, closed quarters and their
snapshots. ORM writes, so the audit log records each one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from csm_tui.domain.appraisal import (
    GradeDecision,
    MysteryCheck,
    NewGradeDecision,
    NewMysteryCheck,
    NewTrainingRecord,
    QuarterClose,
    ScoreSnapshot,
    TrainingRecord,
)
from csm_tui.domain.enums import Role
from csm_tui.domain.models import Qualification
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import ScoreWindow
from storage import score_tallies
from storage.access import Access
from storage.orm import (
    GradeDecisionRow,
    KeptAverageRow,
    MysteryCheckRow,
    QualificationRow,
    QuarterCloseRow,
    ScoreSnapshotRow,
    TrainingRow,
)
from storage.score_views import SqlScoreViews, average_query


class SqlScoreRecords:
    """Written by the system, or in one's own name by a supervisor of the CSM's team (mystery-shopper checks, D
    grades, closing a quarter) or the admin (training, qualifications); read by those with a scoreboard."""

    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def _add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row

    def add_mystery_check(self, check: NewMysteryCheck) -> MysteryCheck:
        self.access.require_appraiser(check.staff_id, Role.SUPERVISOR)
        self.access.require_own(check.checked_by, "appraisal")
        data = check.model_dump(exclude={"id", "passed"})
        row = self._add(MysteryCheckRow(**data, passed={"items": [item.value for item in check.passed]}))
        return MysteryCheck(id=row.id, **check.model_dump())

    def add_training(self, record: NewTrainingRecord) -> TrainingRecord:
        self.access.require_appraiser(record.staff_id, Role.ADMIN)
        self.access.require_own(record.recorded_by, "appraisal")
        row = self._add(TrainingRow(**record.model_dump(exclude={"id"})))
        return TrainingRecord.model_validate(row, from_attributes=True)

    def add_qualification(self, staff_id: int, qualification: Qualification) -> None:
        self.access.require_appraiser(staff_id, Role.ADMIN)
        self._add(QualificationRow(staff_id=staff_id, **qualification.model_dump()))

    def decide_grade(self, decision: NewGradeDecision) -> GradeDecision:
        """Records the decision, replacing an earlier one for the same CSM and year."""
        self.access.require_appraiser(decision.staff_id, Role.SUPERVISOR)
        self.access.require_own(decision.decided_by, "appraisal")
        row = self.session.scalar(
            select(GradeDecisionRow).where(
                GradeDecisionRow.staff_id == decision.staff_id, GradeDecisionRow.year == decision.year
            )
        )
        data = decision.model_dump(exclude={"id"})
        if row is None:
            row = self._add(GradeDecisionRow(**data))
        else:
            for key, value in data.items():
                setattr(row, key, value)
            self.session.flush()
        return GradeDecision.model_validate(row, from_attributes=True)

    def grade_decisions(self, year: int) -> dict[int, GradeDecision]:
        self.access.require_scoreboard()
        rows = self.session.scalars(select(GradeDecisionRow).where(GradeDecisionRow.year == year))
        return {r.staff_id: GradeDecision.model_validate(r, from_attributes=True) for r in rows}

    def closed(self, year: int, quarter: int) -> QuarterClose | None:
        self.access.require_scoreboard()
        row = self.session.get(QuarterCloseRow, (year, quarter))
        return None if row is None else QuarterClose.model_validate(row, from_attributes=True)

    def close(self, closing: QuarterClose, snapshots: list[ScoreSnapshot]) -> None:
        if not (self.access.actor is None or self.access.has_role(Role.SUPERVISOR)):
            raise AccessDenied("appraisal")
        self.access.require_own(closing.closed_by, "appraisal")
        self._add(QuarterCloseRow(**closing.model_dump()))
        for snapshot in snapshots:
            data = snapshot.model_dump(exclude={"lines"})
            self.session.add(ScoreSnapshotRow(**data, lines={"lines": snapshot.lines}))
        self.session.flush()

    def keep_averages(self, day: dt.date, first: dt.date) -> int:
        """Keep every client's 3-month average over ``first`` … ``day`` (once: nothing if already kept)."""
        self.access.require_scoreboard()
        if SqlScoreViews(self.session, self.access).averages_kept(day):
            return 0
        columns = ["as_of", "client_id", "avg_3m_fen"]
        self.session.execute(insert(KeptAverageRow).from_select(columns, average_query(day, first)))
        if self.session.get_bind().dialect.name == "postgresql":
            # PostgreSQL's planner sees the rows just kept (a hash join, not 60,000 index probes); SQLite's plan,
            # driven by the kept rows, is best without statistics.
            self.session.execute(text("ANALYZE kept_averages"))
        return self.session.scalar(select(func.count()).where(KeptAverageRow.as_of == day)) or 0

    def tally_assets(self, window: ScoreWindow) -> bool:
        """Keep the quarter's asset growth per CSM in the running tallies (once); whether it kept them."""
        self.access.require_scoreboard()
        key = score_tallies.asset_key(window)
        return key is not None and score_tallies.keep_assets(self.session, key)

    def snapshots(self, year: int, quarter: int) -> list[ScoreSnapshot]:
        self.access.require_scoreboard()
        rows = self.session.scalars(
            select(ScoreSnapshotRow).where(ScoreSnapshotRow.year == year, ScoreSnapshotRow.quarter == quarter)
        )
        return [
            ScoreSnapshot(year=r.year, quarter=r.quarter, staff_id=r.staff_id, lines=r.lines["lines"]) for r in rows
        ]
