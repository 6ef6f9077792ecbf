"""Figures timed through the real app, headless at 80×24: from the key press to the frame that shows the result.

The call session: ``c`` on the queue to the first client's card painted, and an outcome saved (``i``, then Enter in
its dialog) to the next client's card painted. Each includes the workers' database work and Textual's own.

The clock stops at the first frame the app renders (and encodes for the terminal, as it would outside headless mode)
with the card of the client the session is on. ``Pilot.press`` and ``Pilot.pause`` are not used for the timed part:
they wait for the process to look idle in 20 ms slices, so a timing through them is a count of slices, never less
than five (100 ms) for a key that does any work.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from pathlib import Path
from typing import Any

from rich.console import RenderableType
from textual import events
from textual._compositor import CompositorUpdate
from textual.pilot import Pilot
from textual.screen import Screen

from bench.desk import workstation
from bench.figures import OUTCOME_PAINTED, SESSION_PAINTED, Measured
from bench.plan import Bench
from bench.stats import Samples
from csm_tui.app import CsmApp
from screens.call_session import CallSession

CARD_TIMEOUT_S = 30  # a card that never comes (a failed load) fails the figure instead of hanging the run


class WatchedApp(CsmApp):
    """The app, noting when a frame first shows the call session with the card of the client it is on."""

    CSS_PATH = str(Path(inspect.getfile(CsmApp)).with_name(str(CsmApp.CSS_PATH)))  # a relative path would be read here
    card_painted: asyncio.Event | None = None
    painted_at = 0.0

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(self.console)  # what a real terminal's frame costs on top (headless skips it)
        waiting = self.card_painted
        if waiting is not None and not waiting.is_set() and renderable is not None and _shows_card(screen):
            self.painted_at = time.perf_counter()
            waiting.set()


def _shows_card(screen: Screen[Any]) -> bool:
    if not isinstance(screen, CallSession) or not screen.is_current:
        return False
    return screen.card is not None and screen.card.client_id == screen.item.client_id


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


CHARACTERS = {"c": "c", "enter": "\r"}  # what a terminal sends for each key pressed


async def _press_to_card(app: WatchedApp, key: str) -> float:
    """Milliseconds from ``key`` sent (as the terminal driver sends it) to the frame with the card painted."""
    app.card_painted = painted = asyncio.Event()
    event = events.Key(key, CHARACTERS[key])
    event.set_sender(app)
    started = time.perf_counter()
    app.post_message(event)
    try:
        await asyncio.wait_for(painted.wait(), CARD_TIMEOUT_S)
    except TimeoutError:
        raise RuntimeError("the call session showed no card") from None
    finally:
        app.card_painted = None
    return (app.painted_at - started) * 1000


async def _session(bench: Bench) -> tuple[Samples, Samples]:
    app = WatchedApp(workstation(bench.engine, bench.csm.login))
    opened, saved = [], []
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("2")
        await _settle(pilot)
        for n in range(bench.plan.runs + 1):  # the first of each is a warm-up
            took = await _press_to_card(app, "c")
            if n:
                opened.append(took)
            await _settle(pilot)
            await pilot.press("i")
            await _settle(pilot)
            took = await _press_to_card(app, "enter")
            if n:
                saved.append(took)
            await _settle(pilot)
            await pilot.press("escape")
            await _settle(pilot)
    return Samples(tuple(opened)), Samples(tuple(saved))


def call_session_painted(bench: Bench) -> list[Measured]:
    opened, saved = asyncio.run(_session(bench))
    return [Measured(SESSION_PAINTED, opened), Measured(OUTCOME_PAINTED, saved)]
