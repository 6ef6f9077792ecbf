"""The child process of the start-up figures: ``python -m bench.launch workstation URL``, ``... baseline`` or
``... stack``.

It starts the app headless at 80×24 and, once the first screen shows its data, prints the seconds since the parent
spawned it (``BENCH_SPAWNED_AT``, a ``time.time()``), so the interpreter's start and every import count. ``stack`` is
the bare app after importing the product's data stack (SQLAlchemy's ORM and pydantic) and nothing of the app: the
least any app on this stack can start in.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App

SPAWNED_AT = "BENCH_SPAWNED_AT"
BASELINE_ROWS = 100


def _baseline() -> tuple[App[None], str]:
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

    return Baseline(), "DataTable"


def _stack() -> tuple[App[None], str]:
    import pydantic  # noqa: F401
    import sqlalchemy.orm  # noqa: F401

    return _baseline()


def _workstation(url: str) -> tuple[App[None], str]:
    """The workstation as the bench opens it: frozen clock, default policy, csm01; its first screen is the checklist.
    Like the ``csm`` entry point, it pauses the garbage collector before importing the app."""
    from csm_tui import gc_pause

    gc_pause.pause()
    from bench.desk import workstation
    from csm_tui.app import CsmApp
    from storage.engine import make_engine

    return CsmApp(workstation(make_engine(url))), "#checklist"


async def _ready_after(app: App[None], table: str) -> float:
    from textual.widgets import DataTable

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        while not any(found.row_count for found in app.screen.query(table).results(DataTable)):
            await app.workers.wait_for_complete()
            await pilot.pause()
        return time.time() - float(os.environ[SPAWNED_AT])


def main(argv: list[str]) -> None:
    kind = argv[0]
    app, table = _workstation(argv[1]) if kind == "workstation" else _stack() if kind == "stack" else _baseline()
    print(f"{asyncio.run(_ready_after(app, table)):.6f}")


if __name__ == "__main__":
    main(sys.argv[1:])
