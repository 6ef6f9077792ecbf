"""Driving the real app headless: open it on a database, wait for its workers, read its tables."""

from __future__ import annotations

from textual.pilot import Pilot

from csm_tui.app import CsmApp
from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from storage.engine import make_engine
from tests.support.clock import FROZEN_AT
from widgets.table import KeyTable


def make_app(url: str, *, lang: str = "zh_CN", login: str = "csm01", keymap: dict[str, str] | None = None) -> CsmApp:
    ws = open_workstation(make_engine(url), FrozenClock(FROZEN_AT), Policy(), login)
    return CsmApp(ws, lang=lang, keymap=keymap)


async def settle(pilot: Pilot[None]) -> None:
    """Wait for the screen's data to arrive (workers, then the messages they posted)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def table_rows(app: CsmApp) -> list[list[str]]:
    table = app.screen.query_one(KeyTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def open_own_client(pilot: Pilot[None]) -> None:
    """From the start: the clients list (``3``), then the first client, one of the signed-in CSM's own."""
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
