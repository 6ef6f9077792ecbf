"""How much to measure, and what on: the repetitions of one run and the database it runs against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine


@dataclass(frozen=True)
class Plan:
    runs: int = 15  # timed calls per in-process figure (after one warm-up)
    startups: int = 7  # start-up rounds (workstation, baseline, stack alone), after one warm-up round
    moves: int = 20  # queue cursor moves over the pty
    switch_rounds: int = 2  # rounds of pressing 1, 3, 4, 5, 2 over the pty
    import_clients: int = 100_000
    import_days: int = 182  # days of balances for every client (six months)


@dataclass(frozen=True)
class TimedCsm:
    """The CSM every per-CSM figure is timed for (``bench.database.timed_csm``), with what makes their day's work."""

    login: str
    book: int  # clients they manage
    open_tasks: int

    def note(self) -> str:
        """Printed beside the queue figure, so that a reader sees like compared with like at every size."""
        return f"{self.login}, a book of {self.book:,} clients and {self.open_tasks:,} open tasks"


@dataclass(frozen=True)
class Bench:
    """One run: the database (a working copy for SQLite), an engine on it, the plan, a scratch directory, the cache
    and the CSM timed."""

    url: str
    engine: Engine
    plan: Plan
    scratch: Path
    cache: Path  # files kept between runs (the import's)
    csm: TimedCsm
