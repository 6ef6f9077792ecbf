"""Figures timed through the real app, headless at 80×24: from the key press to the frame that shows the result.

The call session: ``c`` on the queue to the first client's card painted, and an outcome saved (``i``, then Enter in
its dialog) to the next client's card painted. Each includes the workers' database work and Textual's own.
"""

from __future__ import annotations

import asyncio
import time

from textual.pilot import Pilot

from bench.desk import workstation
from bench.figures import OUTCOME_PAINTED, SESSION_PAINTED, Measured
from bench.plan import Bench
from bench.stats import Samples
from csm_tui.app import CsmApp
from screens.call_session import CallSession


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


CARD_TIMEOUT_S = 30  # a card that never comes (a failed load) fails the figure instead of hanging the run


async def _card_painted(pilot: Pilot[None]) -> None:
    """Until the session shows the card of the client it is on, then one more frame."""
    deadline = time.monotonic() + CARD_TIMEOUT_S
    while time.monotonic() < deadline:
        screen = pilot.app.screen
        if isinstance(screen, CallSession):
            card = getattr(screen, "card", None)
            if card is not None and card.client_id == screen.item.client_id:
                break
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    else:
        raise RuntimeError("the call session showed no card")
    await pilot.pause()


async def _session(bench: Bench) -> tuple[Samples, Samples]:
    app = CsmApp(workstation(bench.engine))
    opened, saved = [], []
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("2")
        await _settle(pilot)
        for n in range(bench.plan.runs + 1):  # the first of each is a warm-up
            started = time.perf_counter()
            await pilot.press("c")
            await _card_painted(pilot)
            if n:
                opened.append((time.perf_counter() - started) * 1000)
            await pilot.press("i")
            await pilot.pause()
            started = time.perf_counter()
            await pilot.press("enter")
            await _card_painted(pilot)
            if n:
                saved.append((time.perf_counter() - started) * 1000)
            await pilot.press("escape")
            await _settle(pilot)
    return Samples(tuple(opened)), Samples(tuple(saved))


def call_session_painted(bench: Bench) -> list[Measured]:
    opened, saved = asyncio.run(_session(bench))
    return [Measured(SESSION_PAINTED, opened), Measured(OUTCOME_PAINTED, saved)]
