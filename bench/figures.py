"""What ``make bench`` reports: each figure with its unit and target, and what a measurement of it holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.stats import Samples


@dataclass(frozen=True)
class Target:
    limit: float
    at_least: bool = False  # True: higher is better (a rate); False: the figure must stay at or under the limit

    def met(self, value: float) -> bool:
        return value >= self.limit if self.at_least else value <= self.limit


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str  # "ms", "s", "x" (a ratio), "B" (bytes) or "rows/s"
    target: Target | None = None  # None: reported for information
    per_client: bool = True  # work for one client, keystroke or CSM: should stay flat as the branch grows
    pending: str = ""  # why it cannot be measured yet


@dataclass(frozen=True)
class Measured:
    figure: Figure
    samples: Samples | None = None  # None: not yet measurable, or failed (``error``)
    detail: dict[str, Any] = field(default_factory=dict)
    error: str = ""  # why measuring failed
    note: str = ""  # what it was measured on, printed beside it (the timed CSM's book)

    @property
    def passed(self) -> bool | None:
        if self.samples is None or self.figure.target is None:
            return None
        return self.figure.target.met(self.samples.median)


_STARTUP = "start-up to first frame with data ÷ bare Textual app"
STARTUP_RATIO = Figure("startup_ratio", f"{_STARTUP} (PostgreSQL: ≤ 1.7×)", "x", Target(1.5))
STARTUP_RATIO_PG = Figure("startup_ratio", f"{_STARTUP} (connection set-up included)", "x", Target(1.7))
STARTUP_READY = Figure(
    "startup_ready", "start-up to ready for every key (workstation signed in) ÷ bare Textual app", "x"
)
STARTUP_WORKSTATION = Figure("startup_workstation", "  start-up: workstation, checklist with its rows", "s")
STARTUP_BASELINE = Figure("startup_baseline", "  start-up: bare app (header, 100-row table, footer)", "s")
STARTUP_STACK = Figure(
    "startup_stack", "  the stack alone: bare app that first imports SQLAlchemy's ORM and pydantic ÷ bare app", "x"
)
QUEUE_BUILD = Figure("queue_build", "queue build (today_queue)", "ms", Target(50))
OUTCOME_SAVE = Figure("outcome_save", "outcome save + next client's card (services)", "ms", Target(100))
SESSION_OPEN = Figure("session_open", "open a session: first client's card (services)", "ms", Target(100))
SESSION_PAINTED = Figure("session_painted", "open a session to the first card painted (app)", "ms", Target(100))
OUTCOME_PAINTED = Figure("outcome_painted", "outcome save to the next card painted (app)", "ms", Target(100))
SEARCH = {
    kind: Figure(f"search_{kind}", f"client search, the median client's slowest keystroke: {what}", "ms", Target(30))
    for kind, what in (
        ("name", "name"),
        ("initials", "pinyin initials"),
        ("number", "client number"),
        ("mobile", "mobile"),
    )
}
CLIENT_DETAIL = Figure("client_detail", "client detail open (services)", "ms")
SCOREBOARD = Figure(
    "scoreboard_quarter",
    "scoreboard: the branch quarter table (every CSM's card, ranked)",
    "ms",
    Target(300),
    per_client=False,
)
IMPORT_RATE = Figure(
    "import_rate",
    "import rows per second (clients + daily balances; one run overall, spread: its parts)",
    "rows/s",
    Target(20_000, at_least=True),
    per_client=False,
)
CURSOR_BYTES = Figure("cursor_bytes", "bytes to the terminal per queue cursor move", "B", Target(2048))
SWITCH_BYTES = Figure("switch_bytes", "bytes to the terminal per screen switch", "B")
