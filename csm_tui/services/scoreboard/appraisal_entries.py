"""What supervisors and the admin record for the appraisal, each write one transaction, the role checked here:
mystery-shopper checks, D grades and closing a quarter (supervisors); training hours and qualifications (admin)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

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
from csm_tui.domain.enums import AppraisalGrade, MysteryItem, QualificationKind, Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Qualification
from csm_tui.policy import Scorecard
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, said, screen
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.rows import CsmRow
from csm_tui.services.scoreboard.quarter_scores import Quarter, branch_quarter, keep_averages
from csm_tui.services.workstation import Workstation


def mystery_score(passed: set[MysteryItem], scorecard: Scorecard) -> int:
    """The check's score out of 100: the points of the items done over all the checklist's points."""
    checklist = scorecard.mystery_points
    earned = sum(p for item, p in checklist.items() if item in passed)
    share = Decimal(earned * 100) / sum(checklist.values())
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _csm(tx: UnitOfWork, staff_id: int) -> CsmRow:
    csm = next((c for c in tx.score_views.csms() if c.id == staff_id), None)
    if csm is None:
        raise DomainError("not_a_csm")
    if not tx.score_views.visible(csm):
        raise AccessDenied("scores")
    return csm


def _acting(tx: UnitOfWork, *roles: Role) -> int:
    """The acting staff member's id, if their role as the database holds it now (read by this unit of work, not at
    sign-in) is one of ``roles``: a supervisor demoted since signing in records nothing."""
    if tx.actor is None or tx.actor.role not in roles:
        raise AccessDenied("appraisal")
    return tx.actor.id


def record_mystery_check(
    ws: Workstation, staff_id: int, passed: set[MysteryItem], note: str = "", day: dt.date | None = None
) -> MysteryCheck:
    """A supervisor records a mystery-shopper check of a CSM of their team, in the quarter of ``day`` (today)."""
    day = day or ws.time.today()
    if day > ws.time.today():
        raise DomainError("future_date")
    quarter = Quarter.of(day)
    with ws.uow(write=True) as tx:
        me = _acting(tx, Role.SUPERVISOR)
        _csm(tx, staff_id)
        if tx.scores.closed(quarter.year, quarter.number) is not None:
            raise DomainError("quarter_closed", quarter=str(quarter))
        check = tx.scores.add_mystery_check(
            NewMysteryCheck(
                staff_id=staff_id, checked_by=me, year=quarter.year, quarter=quarter.number, checked_on=day,
                passed=tuple(item for item in MysteryItem if item in passed),
                score=mystery_score(passed, ws.policy.scorecard), note=note.strip(),
            )
        )  # fmt: skip
        tx.commit()
    return check


def record_training(ws: Workstation, staff_id: int, day: dt.date, hours: Decimal, topic: str) -> TrainingRecord:
    """The admin records hours of training a CSM attended."""
    if day > ws.time.today():
        raise DomainError("future_date")
    minutes = int((hours * 60).to_integral_value(rounding=ROUND_HALF_UP))
    if not 0 < minutes <= 24 * 60:
        raise DomainError("bad_hours")
    with ws.uow(write=True) as tx:
        me = _acting(tx, Role.ADMIN)
        _csm(tx, staff_id)
        saved = tx.scores.add_training(
            NewTrainingRecord(staff_id=staff_id, day=day, minutes=minutes, topic=topic.strip(), recorded_by=me)
        )
        tx.commit()
    return saved


def record_qualification(
    ws: Workstation, staff_id: int, kind: QualificationKind, number: str, obtained: dt.date, expires: dt.date | None
) -> None:
    """The admin records a qualification (certificate) a CSM holds."""
    if obtained > ws.time.today():
        raise DomainError("future_date")
    if expires is not None and expires < obtained:
        raise DomainError("expires_before_obtained")
    qualification = Qualification(kind=kind, number=number.strip(), obtained_on=obtained, expires_on=expires)
    with ws.uow(write=True) as tx:
        _acting(tx, Role.ADMIN)
        _csm(tx, staff_id)
        tx.scores.add_qualification(staff_id, qualification)
        tx.commit()


def grade_d(
    ws: Workstation, staff_id: int, year: int, reason: str, confirmed: PhrasesConfirmed | None = None
) -> GradeDecision:
    """A supervisor grades a CSM of their team D for the year, with the reason recorded; refused
    (``ForbiddenPhrases``) while the reason holds a forbidden phrase ``confirmed`` does not keep."""
    reason = said(reason)
    if not reason:
        raise DomainError("reason_required")
    hits = screen(ws, {"note": reason}, confirmed, entity="grade_decisions", entity_id=str(staff_id))
    with ws.uow(write=True) as tx:
        me = _acting(tx, Role.SUPERVISOR)
        _csm(tx, staff_id)
        decision = tx.scores.decide_grade(
            NewGradeDecision(
                staff_id=staff_id, year=year, grade=AppraisalGrade.D, reason=reason, decided_by=me,
                decided_at=ws.time.now().datetime,
            )
        )  # fmt: skip
        record_confirmed(tx, hits, confirmed, entity="grade_decisions", entity_id=str(staff_id))
        tx.commit()
    return decision


def close_quarter(ws: Workstation, quarter: Quarter) -> int:
    """A supervisor closes a quarter that has ended: every CSM's card is frozen as it stands. Returns how many."""
    if ws.time.today() < quarter.next.first_day:
        raise DomainError("quarter_not_over", quarter=str(quarter))
    keep_averages(ws, [quarter])
    with ws.uow(write=True) as tx:
        me = _acting(tx, Role.SUPERVISOR)
        if tx.scores.closed(quarter.year, quarter.number) is not None:
            raise DomainError("quarter_closed", quarter=str(quarter))
        cards = branch_quarter(ws, tx, tx.score_views.csms(), quarter).cards
        snapshots = [
            ScoreSnapshot(year=quarter.year, quarter=quarter.number, staff_id=staff_id, lines=card.to_json())
            for staff_id, card in cards.items()
        ]
        closing = QuarterClose(
            year=quarter.year, quarter=quarter.number, closed_at=ws.time.now().datetime, closed_by=me
        )
        tx.scores.close(closing, snapshots)
        tx.commit()
    return len(snapshots)
