"""Records of the performance appraisal: mystery-shopper checks, training, grade decisions, closed quarters.

As in ``domain.models``: ``New<E>`` before it is stored, ``<E>`` (with its id) as stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from csm_tui.domain.enums import AppraisalGrade, MysteryItem
from csm_tui.domain.models import Entity


class NewMysteryCheck(Entity):
    """A supervisor's mystery-shopper (神秘客) check of a CSM in a quarter: the checklist items the CSM did."""

    staff_id: int
    checked_by: int
    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)
    checked_on: dt.date
    passed: tuple[MysteryItem, ...] = ()
    score: int = Field(ge=0, le=100)
    note: str = Field(default="", max_length=500)


class MysteryCheck(NewMysteryCheck):
    """As stored: the id is the database's."""

    id: int


class NewTrainingRecord(Entity):
    staff_id: int
    day: dt.date
    minutes: int = Field(gt=0, le=24 * 60)
    topic: str = Field(min_length=1, max_length=100)
    recorded_by: int


class TrainingRecord(NewTrainingRecord):
    """As stored: the id is the database's."""

    id: int


class NewGradeDecision(Entity):
    """A supervisor grades a CSM's year D, with the reason recorded."""

    staff_id: int
    year: int = Field(ge=2000, le=2100)
    grade: AppraisalGrade = AppraisalGrade.D
    reason: str = Field(min_length=1, max_length=500)
    decided_by: int
    decided_at: dt.datetime


class GradeDecision(NewGradeDecision):
    """As stored: the id is the database's."""

    id: int


class ScoreSnapshot(Entity):
    """A CSM's card of a closed quarter, frozen as it stood when the quarter was closed."""

    year: int
    quarter: int
    staff_id: int
    lines: list[dict[str, Any]]


class QuarterClose(Entity):
    year: int
    quarter: int
    closed_at: dt.datetime
    closed_by: int
