"""Driving the real app headless: open it on a database, wait for its workers, read its tables."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled

from csm_tui.app import CsmApp
from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import SkipReason
from csm_tui.i18n import catalog
from csm_tui.policy import Policy
from screens.client_detail import ClientDetailScreen
from screens.imports import ImportScreen
from storage.engine import make_engine
from storage.orm import ClientRow, StaffRow
from tests.support.clock import FROZEN_AT
from widgets.table import KeyTable


def make_app(url: str, *, lang: str = "zh_CN", login: str = "csm01", keymap: dict[str, str] | None = None) -> CsmApp:
    ws = open_workstation(make_engine(url), FrozenClock(FROZEN_AT), Policy(), login)
    return recording_notices(CsmApp(ws, lang=lang, keymap=keymap))


# Every notice each app gave, in order. Not read from the app's notifications: those expire by the wall clock
# (``call.saved`` after 2 s), so on a busy machine a notice could be gone before the test looked.
_NOTICES: WeakKeyDictionary[CsmApp, list[str]] = WeakKeyDictionary()


def recording_notices(app: CsmApp) -> CsmApp:
    """``app``, keeping every notice it gives (any screen's ``notify`` goes through the app's) for ``notices``."""
    _NOTICES[app] = kept = []
    notify = app.notify

    def noted(message: str, *args: Any, **kwargs: Any) -> None:
        kept.append(str(message))
        notify(message, *args, **kwargs)

    app.notify = noted  # type: ignore[method-assign]
    return app


def notices(app: CsmApp) -> list[str]:
    """Every notice ``app`` gave so far, oldest first (``make_app`` and ``recording_notices`` keep them)."""
    return list(_NOTICES[app])


async def settle(pilot: Pilot[None], rounds: int = 20) -> None:
    """Wait until the app is at rest: every worker finished, those started by another's result included, and the
    messages they posted handled.

    One ``wait_for_complete`` is not enough: it waits for the workers running when it is called, while a save's
    result often starts a reload (client detail: a meeting confirmed, then the detail read again) that the test then
    reads; so wait again while any worker is left, at most ``rounds`` times (a worker that never ends fails the
    test's own assertion rather than hanging it)."""
    await pilot.pause()
    for _ in range(rounds):
        running = list(pilot.app.workers)
        if not running:
            break
        for worker in running:
            with contextlib.suppress(WorkerCancelled):  # replaced by a newer one of its group: that one is waited for
                await worker.wait()
        await pilot.pause()


async def press_settled(pilot: Pilot[None], *keys: str) -> None:
    """From rest, each key in turn, the app at rest again after each (a screen's data loaded before the next key)."""
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def table_rows(app: CsmApp) -> list[list[str]]:
    table = app.screen.query_one(KeyTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def whole_rows(app: CsmApp) -> list[list[str]]:
    """The rows of the screen's list as given, before any cell was cut with … to fit the width."""
    table = app.screen.query_one(KeyTable)
    return [[cell.plain for cell in row] for row in table.full]


async def open_own_client(pilot: Pilot[None]) -> None:
    """From the start: the clients list (``3``), then the first client, one of the signed-in CSM's own."""
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def skip_said(lang: str, reason: SkipReason, note: str) -> str:
    """A skipped call's reason and note as the screens say them in ``lang``, read from its catalog."""
    words = catalog(lang)
    return words["skip.said_note"].format(reason=words[f"skip_reason.{reason.value}"], note=note)


async def open_client_page(pilot: Pilot[None], client_id: int) -> None:
    """From rest: the page of ``client_id`` (by id, whoever's it is), read and shown."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, CsmApp)
    await app.push_screen(ClientDetailScreen(app.ws, client_id))
    await settle(pilot)


async def open_import(pilot: Pilot[None], title: str = "导入数据") -> ImportScreen:
    """Through the command palette, as an admin finds it."""
    await settle(pilot)
    await pilot.press("ctrl+p")
    await pilot.press(*title)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen)
    return screen


async def dry_run(pilot: Pilot[None], path: Path, title: str = "导入数据") -> ImportScreen:
    """The import screen's dry run of ``path``, its report on the screen."""
    screen = await open_import(pilot, title)
    screen.query_one("#import-path", Input).value = str(path)
    await pilot.press("enter")
    await settle(pilot)
    return screen


async def open_session(pilot: Pilot[None]) -> None:
    """From the start: the queue (``2``), then its session (``c``) on the first client."""
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)


@dataclass(frozen=True)
class OwnClient:
    staff_id: int  # their manager
    client_id: int
    name: str
    outlet_id: int | None


def first_own_client(url: str, login: str = "csm01") -> OwnClient:
    """The first client (by number) the staff member ``login`` manages, read straight from the database."""
    engine = make_engine(url)
    with engine.connect() as conn:
        staff_id = conn.execute(select(StaffRow.id).where(StaffRow.login == login)).scalar_one()
        first = (
            select(ClientRow.id, ClientRow.name, ClientRow.outlet_id)
            .where(ClientRow.manager_id == staff_id)
            .order_by(ClientRow.number)
            .limit(1)
        )
        client_id, name, outlet_id = conn.execute(first).one()
    engine.dispose()
    return OwnClient(staff_id, client_id, name, outlet_id)


def key_bar_text(app: CsmApp) -> str:
    """The key bar of the screen shown, its lines joined with spaces."""
    from widgets.key_bar import KeyBar

    return str(app.screen.query_one(KeyBar).render()).replace("\n", " ")


async def f1_keys(pilot: Pilot[None]) -> set[str]:
    """The keys F1 lists over the screen shown now (F1 opened, read and closed)."""
    from screens.help import HelpScreen

    await press_settled(pilot, "f1")
    assert isinstance(pilot.app.screen, HelpScreen)
    listed = {str(row.value) for row in pilot.app.screen.query_one(KeyTable).rows}
    await press_settled(pilot, "escape")
    return listed
