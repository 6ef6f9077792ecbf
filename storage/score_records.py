"""The appraisal's records: mystery-shopper checks, training, qualifications, D grades, closed quarters and their
snapshots. ORM writes, so the audit log records each one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from csm_tui.domain.appraisal import GradeDecision, MysteryCheck, QuarterClose, ScoreSnapshot, TrainingRecord
from csm_tui.domain.models import Qualification
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
    def __init__(self, session: Session) -> None:
        self.session = session

    def _add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row

    def add_mystery_check(self, check: MysteryCheck) -> MysteryCheck:
        data = check.model_dump(exclude={"id", "passed"})
        row = self._add(MysteryCheckRow(**data, passed={"items": [item.value for item in check.passed]}))
        return check.model_copy(update={"id": row.id})

    def add_training(self, record: TrainingRecord) -> TrainingRecord:
        row = self._add(TrainingRow(**record.model_dump(exclude={"id"})))
        return TrainingRecord.model_validate(row, from_attributes=True)

    def add_qualification(self, staff_id: int, qualification: Qualification) -> None:
        self._add(QualificationRow(staff_id=staff_id, **qualification.model_dump()))

    def decide_grade(self, decision: GradeDecision) -> GradeDecision:
        """Records the decision, replacing an earlier one for the same CSM and year."""
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
        rows = self.session.scalars(select(GradeDecisionRow).where(GradeDecisionRow.year == year))
        return {r.staff_id: GradeDecision.model_validate(r, from_attributes=True) for r in rows}

    def closed(self, year: int, quarter: int) -> QuarterClose | None:
        row = self.session.get(QuarterCloseRow, (year, quarter))
        return None if row is None else QuarterClose.model_validate(row, from_attributes=True)

    def close(self, closing: QuarterClose, snapshots: list[ScoreSnapshot]) -> None:
        self._add(QuarterCloseRow(**closing.model_dump()))
        for snapshot in snapshots:
            data = snapshot.model_dump(exclude={"lines"})
            self.session.add(ScoreSnapshotRow(**data, lines={"lines": snapshot.lines}))
        self.session.flush()

    def keep_averages(self, day: dt.date, first: dt.date) -> int:
        """Keep every client's 3-month average over ``first`` … ``day`` (once: nothing if already kept)."""
        if SqlScoreViews(self.session).averages_kept(day):
            return 0
        columns = ["as_of", "client_id", "avg_3m_fen"]
        self.session.execute(insert(KeptAverageRow).from_select(columns, average_query(day, first)))
        if self.session.get_bind().dialect.name == "postgresql":
            # PostgreSQL's planner sees the rows just kept (a hash join, not 60,000 index probes); SQLite's plan,
            # driven by the kept rows, is best without statistics.
            self.session.execute(text("ANALYZE kept_averages"))
        return self.session.scalar(select(func.count()).where(KeptAverageRow.as_of == day)) or 0

    def snapshots(self, year: int, quarter: int) -> list[ScoreSnapshot]:
        rows = self.session.scalars(
            select(ScoreSnapshotRow).where(ScoreSnapshotRow.year == year, ScoreSnapshotRow.quarter == quarter)
        )
        return [
            ScoreSnapshot(year=r.year, quarter=r.quarter, staff_id=r.staff_id, lines=r.lines["lines"]) for r in rows
        ]
