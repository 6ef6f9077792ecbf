"""Samples of one figure: the median and the spread (min–max) of several runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Samples:
    values: tuple[float, ...]
    center: float | None = None  # the figure, when it is not the values' median (one run's overall rate)

    @property
    def median(self) -> float:
        """The figure: the values' median, or the ``center`` given."""
        return statistics.median(self.values) if self.center is None else self.center

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)


def time_ms(action: Callable[[], object], runs: int, warmups: int = 1) -> Samples:
    """Milliseconds per call of ``action`` over ``runs`` calls, after ``warmups`` calls that are not counted."""
    for _ in range(warmups):
        action()
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        values.append((time.perf_counter() - started) * 1000)
    return Samples(tuple(values))
