"""The call session's cards prepared ahead: keys typed at once reach the session, nothing is audited for a session
that never opened, and an undo racing an outcome leaves the session on the right client."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from textual.pilot import Pilot

from csm_tui.services.calls.outcomes import Receipt
from csm_tui.services.calls.preparation import CallCard
from csm_tui.services.workstation import Workstation
from screens import call_session
from screens.call_session import CallSession
from screens.client_detail import ClientDetailScreen
from screens.dialogs import LogContactDialog
from screens.suitability_wizard import SuitabilityWizard
from storage.engine import make_engine
from storage.orm import AuditRow
from tests.support.calls_branch import CallsBranch
from tests.support.pilot import make_app, settle


def _slow_prepares(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Each card waits for the returned event (at most 5 s): a busy branch server, a lock held by an import."""
    go = threading.Event()
    real = call_session.prepare  # type: ignore[attr-defined]

    def slow(ws: Workstation, client_id: int, task_id: int | None = None) -> CallCard:
        go.wait(5)
        return real(ws, client_id, task_id)

    monkeypatch.setattr(call_session, "prepare", slow)
    return go


async def _on_the_queue(pilot: Pilot[None], go: threading.Event) -> None:
    """The queue shown, its cards' preparation held back again for what the test presses next."""
    await settle(pilot)
    await pilot.press("2")
    go.set()
    await settle(pilot)
    go.clear()


async def test_an_outcome_key_typed_right_after_c_is_the_sessions(
    calls_branch: CallsBranch,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    go = _slow_prepares(monkeypatch)
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _on_the_queue(pilot, go)
        await pilot.press("c", "b")  # the manager starts the session and at once records "agreed to buy"
        go.set()
        await settle(pilot)
        # The bug: [QueueScreen, SuitabilityWizard, CallSession]: b opened the sale wizard, the session on top of it.
        assert not any(isinstance(s, SuitabilityWizard) for s in app.screen_stack)
        assert any(isinstance(s, CallSession) for s in app.screen_stack)


async def test_no_read_of_the_mobile_is_audited_for_a_session_that_never_opened(
    calls_branch: CallsBranch,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    go = _slow_prepares(monkeypatch)
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _on_the_queue(pilot, go)
        await pilot.press("c", "1")  # start a session, then straight back to the checklist
        go.set()
        await settle(pilot)
        stacks = app._screen_stacks.values()  # every mode's: a session left open in the queue's counts as shown
        opened = any(isinstance(s, CallSession) for stack in stacks for s in stack)
    engine = make_engine(calls_branch.url)
    with engine.connect() as conn:
        reads = list(conn.execute(select(AuditRow.entity_id).where(AuditRow.action == "call.open")))
    engine.dispose()
    assert opened or reads == []


@pytest.mark.parametrize(("key", "opened"), [("l", LogContactDialog), ("enter", ClientDetailScreen)])
async def test_a_session_does_not_open_over_a_screen_opened_meanwhile(
    calls_branch: CallsBranch,
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    opened: type,
) -> None:
    go = _slow_prepares(monkeypatch)
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _on_the_queue(pilot, go)
        await pilot.press("c", key)  # start a session, then (changing one's mind) log a visit or open the client
        go.set()
        await settle(pilot)
        # Either the keys went to the session, or the screen they opened is on top: never hidden under a session.
        assert not any(isinstance(s, opened) for s in app.screen_stack[:-1]), app.screen_stack


async def test_an_outcome_typed_while_an_undo_saves_leaves_the_session_on_the_right_client(
    calls_branch: CallsBranch,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    go = threading.Event()
    real = call_session.undo  # type: ignore[attr-defined]

    def slow_undo(ws: Workstation, receipt: Receipt) -> None:
        go.wait(5)
        real(ws, receipt)

    monkeypatch.setattr(call_session, "undo", slow_undo)
    c = calls_branch.clients
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("n")  # client 0: no answer
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CallSession)
        session: CallSession = app.screen
        assert session.item.client_id == c[1]
        await pilot.press("u", "n")  # undo client 0's outcome; at once, client 1 (still shown) did not answer
        go.set()
        await pilot.pause(0.3)  # the undo lands under the dialog
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is session
        # Saved: client 0's outcome undone, client 1's recorded; so client 0 is still to do, client 1 is not.
        assert 0 not in session.done
        assert session.item.client_id != c[1]
