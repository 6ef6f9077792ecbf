"""How long the call has lasted; amber once past the target length (about two minutes)."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Static

from csm_tui.clock import Clock


class CallTimer(Static):
    DEFAULT_CSS = """
    CallTimer { width: auto; padding: 0 1; }
    CallTimer.over { color: $warning; text-style: bold; }
    """

    def __init__(self, clock: Clock, target_seconds: int, *, id: str | None = None) -> None:
        super().__init__("⏱ 00:00", id=id)
        self.clock = clock
        self.target = target_seconds
        self.started: dt.datetime = clock.now().datetime

    def on_mount(self) -> None:
        self.set_interval(1, self.tick)

    def restart(self) -> None:
        self.started = self.clock.now().datetime
        self.tick()

    @property
    def seconds(self) -> int:
        return max(0, int((self.clock.now().datetime - self.started).total_seconds()))

    def tick(self) -> None:
        seconds = self.seconds
        self.update(f"⏱ {seconds // 60:02d}:{seconds % 60:02d}")
        self.set_class(seconds >= self.target, "over")
