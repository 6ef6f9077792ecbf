"""Ranking and the forced distribution of grades.

The documented tie rule: CSMs are ranked by total score, then by the dimensions' subtotals in order (financial,
customer, internal process, learning & growth). CSMs equal on all of these share a rank (1, 2, 2, 4) and a grade:
where a grade's cut would separate them, they all take B, so neither the A nor the C share is ever exceeded.
Shares are ceilings, rounded down (7 CSMs at 15 % give one A; fewer than 20 at 5 % give no C). A D is a
supervisor's decision with a recorded reason; CSMs graded D are left out of the distribution of the others.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from csm_tui.domain.enums import AppraisalGrade

Key = tuple[Decimal, ...]


def ranks(keys: Mapping[int, Key]) -> dict[int, int]:
    """Competition ranks (1 is best; equal keys share a rank, the next rank skips)."""
    ordered = sorted(keys.items(), key=lambda item: item[1], reverse=True)
    result: dict[int, int] = {}
    position = 0
    for _, group in groupby(ordered, key=lambda item: item[1]):
        members = [staff_id for staff_id, _ in group]
        for staff_id in members:
            result[staff_id] = position + 1
        position += len(members)
    return result


def forced_grades(
    keys: Mapping[int, Key], a_share: Decimal, c_share: Decimal, graded_d: Collection[int] = ()
) -> dict[int, AppraisalGrade]:
    """Each CSM's grade: the top ``a_share`` A, the bottom ``c_share`` C, the rest B; D where decided."""
    pool = {staff_id: key for staff_id, key in keys.items() if staff_id not in graded_d}
    count = len(pool)
    a_count = math.floor(count * a_share)
    c_count = math.floor(count * c_share)
    grades = {staff_id: AppraisalGrade.D for staff_id in keys if staff_id in graded_d}
    ordered = sorted(pool.items(), key=lambda item: item[1], reverse=True)
    position = 0
    for _, group in groupby(ordered, key=lambda item: item[1]):
        members = [staff_id for staff_id, _ in group]
        if position + len(members) <= a_count:
            grade = AppraisalGrade.A
        elif position >= count - c_count:
            grade = AppraisalGrade.C
        else:
            grade = AppraisalGrade.B
        for staff_id in members:
            grades[staff_id] = grade
        position += len(members)
    return grades


def annual_score(quarters: Sequence[Decimal | None]) -> Decimal | None:
    """The mean of the quarters scored (a quarter not scored, the CSM not on staff, is left out, not counted as 0)."""
    scored = [q for q in quarters if q is not None]
    if not scored:
        return None
    return (sum(scored, Decimal(0)) / len(scored)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
