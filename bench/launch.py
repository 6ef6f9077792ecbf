"""The child process of the start-up figures: ``python -m bench.launch workstation URL LOGIN``, ``... baseline`` or
``... stack``.

It starts the app headless at 80×24 and prints two figures, in seconds since the parent spawned it
(``BENCH_SPAWNED_AT``, a ``time.time()``), so the interpreter's start and every import count:

- *painted*: the first frame the app renders (and encodes for the terminal, as it would outside headless mode) that
  shows the first screen's table with rows in it; every kind is timed by this same frame hook;
- *ready*: when every key does what it does (the workstation signed in and its first screen shown by the full
  service); for the bare apps, their first painted frame.

``stack`` is the bare app after importing the product's data stack (SQLAlchemy's ORM and pydantic) and nothing of
the app: the least an app that reads its first screen through that stack can start in.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from textual.app import App

SPAWNED_AT = "BENCH_SPAWNED_AT"
BASELINE_ROWS = 100
TIMEOUT_S = 60  # a first screen that never comes fails the figure instead of hanging the run
AppT = TypeVar("AppT", bound="App[Any]")


class Clocked:
    """When the first frame with data was rendered, and when the app was ready for every key."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.painted = asyncio.Event()
        self.painted_at = 0.0

    def frame(self, app: App[Any], renderable: object) -> None:
        from textual._compositor import CompositorUpdate
        from textual.widgets import DataTable

        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(app.console)  # what a real terminal's frame costs on top (headless skips it)
        if self.painted.is_set() or renderable is None:
            return
        if any(found.row_count for found in app.screen.query(self.table).results(DataTable)):
            self.painted_at = time.time()
            self.painted.set()


def _clocked(base: type[AppT], table: str) -> tuple[type[AppT], Clocked]:
    clocked = Clocked(table)

    class Watched(base):  # type: ignore[valid-type,misc]
        if isinstance(base.CSS_PATH, str):  # relative to the app's own module, not to this one
            CSS_PATH = str(Path(inspect.getfile(base)).with_name(base.CSS_PATH))

        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            clocked.frame(self, renderable)

    return Watched, clocked


def _baseline() -> tuple[App[None], Clocked]:
    """A bare Textual app: a header, a 100-row table filled on mount, a footer."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header

    class Baseline(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("due", "client", "reason", "time", "assets")
            table.add_rows(
                (f"row {n}", f"client {n}", "callback", "10:00", f"{n * 1.5:.1f}") for n in range(BASELINE_ROWS)
            )

    watched, clocked = _clocked(Baseline, "DataTable")
    return watched(), clocked


def _stack() -> tuple[App[None], Clocked]:
    import pydantic  # noqa: F401
    import sqlalchemy.orm  # noqa: F401

    return _baseline()


def _workstation(url: str, login: str) -> tuple[App[None], Clocked]:
    """The workstation as the bench opens it (``bench.desk``): frozen clock, default policy, the CSM timed, its first
    screen the checklist. Like the ``csm`` entry point, it pauses the garbage collector before importing the app."""
    from csm_tui import gc_pause

    gc_pause.pause()
    from bench.desk import opening

    started = opening(url, login)  # the first screen is read while the app's modules load, as ``csm`` does
    from csm_tui.app import CsmApp

    watched, clocked = _clocked(CsmApp, "#checklist")
    return watched(started), clocked


async def _timed(app: App[None], clocked: Clocked) -> tuple[float, float]:
    spawned = float(os.environ[SPAWNED_AT])
    async with app.run_test(size=(80, 24)):
        await asyncio.wait_for(clocked.painted.wait(), TIMEOUT_S)
        ready = getattr(app, "ready", None)
        if ready is not None:
            await asyncio.wait_for(ready.wait(), TIMEOUT_S)
        ready_at = time.time()
    return clocked.painted_at - spawned, (ready_at if ready is not None else clocked.painted_at) - spawned


def main(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "workstation":
        app, clocked = _workstation(argv[1], argv[2])
    else:
        app, clocked = _stack() if kind == "stack" else _baseline()
    painted, ready = asyncio.run(_timed(app, clocked))
    print(f"{painted:.6f} {ready:.6f}")


if __name__ == "__main__":
    main(sys.argv[1:])
