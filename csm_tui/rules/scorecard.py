"""The scorecard's rules: how one indicator's actual becomes a score, and a CSM's card of a quarter.

Pure logic over the policy: no I/O. A score is the percent of the indicator's weight earned (at most ``cap`` × 100
for a linear indicator); its contribution is the points it adds to the total (weight × score / 100), rounded to
the hundredth of a point. An indicator with no data in the quarter (no 回访 to average, no mystery-shopper check,
no balances) is shown as such and earns nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from csm_tui.domain.enums import Grade
from csm_tui.policy import Dimension, Indicator, Measure, Scorecard, ScoringMethod

HUNDREDTH = Decimal("0.01")
HUNDRED = Decimal(100)


def points(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def earned(indicator: Indicator, actual: Decimal | None, target: Decimal) -> Decimal:
    """The share of the weight earned (0 … cap) by the indicator's scoring method."""
    if actual is None:
        return Decimal(0)
    match indicator.method:
        case ScoringMethod.LINEAR:
            if target <= 0:
                return Decimal(1) if actual >= 0 else Decimal(0)
            return min(indicator.cap, max(Decimal(0), actual / target))
        case ScoringMethod.THRESHOLD:
            return Decimal(1) if actual >= target else Decimal(0)
        case ScoringMethod.PENALTY:
            lost = indicator.deduction * max(Decimal(0), actual - target)
            return max(Decimal(0), indicator.weight - lost) / indicator.weight


@dataclass(frozen=True)
class Line:
    """One indicator on a CSM's card."""

    code: str
    dimension: Dimension
    measure: Measure
    weight: Decimal
    actual: Decimal | None
    target: Decimal
    score: Decimal  # percent of the weight earned
    contribution: Decimal  # points

    def to_json(self) -> dict[str, Any]:
        data = {k: str(v) if isinstance(v, Decimal) else v for k, v in self.__dict__.items()}
        return {**data, "dimension": self.dimension.value, "measure": self.measure.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Line:
        def number(key: str) -> Decimal:
            return Decimal(data[key])

        return cls(
            code=data["code"], dimension=Dimension(data["dimension"]), measure=Measure(data["measure"]),
            weight=number("weight"), actual=None if data["actual"] is None else number("actual"),
            target=number("target"), score=number("score"), contribution=number("contribution"),
        )  # fmt: skip


def score_line(code: str, indicator: Indicator, grade: Grade, actual: Decimal | None) -> Line:
    target = indicator.targets[grade]
    share = earned(indicator, actual, target)
    return Line(
        code=code, dimension=indicator.dimension, measure=indicator.measure, weight=indicator.weight, actual=actual,
        target=target, score=points(share * HUNDRED), contribution=points(share * indicator.weight),
    )  # fmt: skip


@dataclass(frozen=True)
class Card:
    """A CSM's scores of one quarter: the lines in the policy's order, by dimension."""

    staff_id: int
    lines: tuple[Line, ...]

    def subtotal(self, dimension: Dimension) -> Decimal:
        return sum((line.contribution for line in self.lines if line.dimension is dimension), Decimal(0))

    @property
    def total(self) -> Decimal:
        return sum((line.contribution for line in self.lines), Decimal(0))

    @property
    def ranking_key(self) -> tuple[Decimal, ...]:
        """What the ranking compares, in order: the total, then the dimensions' subtotals in the scorecard's order
        (financial first). CSMs equal on all of these are tied."""
        return (self.total, *(self.subtotal(d) for d in Dimension))

    def line(self, code: str) -> Line:
        return next(line for line in self.lines if line.code == code)

    def to_json(self) -> list[dict[str, Any]]:
        return [line.to_json() for line in self.lines]

    @classmethod
    def from_json(cls, staff_id: int, data: Sequence[Mapping[str, Any]]) -> Card:
        return cls(staff_id, tuple(Line.from_json(item) for item in data))


def score_card(staff_id: int, grade: Grade, actuals: Mapping[Measure, Decimal | None], scorecard: Scorecard) -> Card:
    """The card of a CSM of ``grade`` whose quarter's measures are ``actuals``; dimensions in the scorecard's order."""
    lines = [
        score_line(code, indicator, grade, actuals.get(indicator.measure))
        for code, indicator in scorecard.indicators.items()
    ]
    order = list(Dimension)
    lines.sort(key=lambda line: order.index(line.dimension))  # stable: the policy's order within a dimension
    return Card(staff_id, tuple(lines))
