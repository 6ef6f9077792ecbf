"""A probe measures some of the figures; one not built yet, or one that fails, still gives their rows."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from bench.figures import Figure, Measured
from bench.plan import Bench


@dataclass(frozen=True)
class Probe:
    figures: tuple[Figure, ...]
    measure: Callable[[Bench], list[Measured]] | None = None  # None: not yet measurable

    def run(self, bench: Bench) -> list[Measured]:
        """The figures measured; when measuring fails, rows that say why (the traceback goes to stderr)."""
        if self.measure is None:
            return [Measured(figure) for figure in self.figures]
        try:
            return self.measure(bench)
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0]}" if str(exc) else type(exc).__name__
            return [Measured(figure, error=reason) for figure in self.figures]
