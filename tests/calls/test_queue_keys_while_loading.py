"""The queue's keys pressed before its first list has arrived (``2`` then ``c`` typed at once, as a CSM does) say
the queue is still being read, never that it is empty; once it has arrived the same key starts the calls."""

from __future__ import annotations

import threading

import pytest

from csm_tui.i18n import t
from screens.call_session import CallSession
from screens.queue import QueueScreen, QueueView
from tests.support.calls_branch import CallsBranch
from tests.support.pilot import make_app, settle


async def test_c_before_the_queue_has_arrived_says_it_is_loading_not_empty(
    calls_branch: CallsBranch, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrived = threading.Event()
    fetch = QueueScreen.fetch

    def slow_fetch(self: QueueScreen) -> QueueView:
        arrived.wait(10)
        return fetch(self)

    monkeypatch.setattr(QueueScreen, "fetch", slow_fetch)
    app = make_app(calls_branch.url)
    notes: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.notify = lambda message, **_: notes.append(str(message))  # type: ignore[method-assign]
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert t("queue.empty") not in notes and notes == [t("queue.loading")]
        assert not isinstance(app.screen, CallSession)
        arrived.set()
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CallSession)
