"""Every box a user ticks says its state in words as well as by its mark: the words beside it read differently
ticked and not ticked (a client's opt-outs, a suspicion report's signs, a prospect's consent, the wizard's regular
plan and its confirmations, a sale's visit), in both languages, and in full at 80 columns; "agreed to buy" opens on
its first decision, the visit box: Space ticks it, Enter saves.

The demo branch (Friday 27 November 2026, 10:00 in Shanghai); the call session's branch for agreed to buy.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from csm_tui.services.workstation import Workstation
from screens.dialogs import AmlReportDialog, EditClientDialog, OutcomeDialog, ProspectDialog
from screens.suitability_wizard import SuitabilityWizard
from storage.engine import make_engine
from storage.orm import AppointmentRow
from tests.support.calls_branch import CallsBranch
from tests.support.pilot import (
    first_own_client,
    make_app,
    open_client_page,
    open_session,
    press_settled,
    settle,
)
from tests.support.words import screen_text
from widgets.said_checkbox import SaidCheckbox

Opens = Callable[[Workstation, int, str], Screen[object]]
SCREENS: dict[str, Opens] = {
    "suspicion report": lambda ws, client, name: AmlReportDialog(ws, client, name),
    "prospect": lambda ws, _client, _name: ProspectDialog(ws, 0),
    "wizard": lambda ws, client, _name: SuitabilityWizard(ws, client),
}


async def _each_box_reads_differently(pilot: Pilot[None]) -> None:
    boxes = list(pilot.app.screen.query(SaidCheckbox))
    assert boxes
    for box in boxes:
        assert box.ticked_words != box.unticked_words, box.id
        before = str(box.label)
        box.toggle()
        await pilot.pause()
        assert str(box.label) != before and str(box.label) == (box.ticked_words if box.value else box.unticked_words), (
            box.id
        )


async def _each_box_says_its_words_whole(pilot: Pilot[None]) -> None:
    """Each box the screen shows says its words, ticked and not, in full (not cut at the box's edge). The wizard
    shows none on its first step (its box is on the product's)."""
    for box in [box for box in pilot.app.screen.query(SaidCheckbox) if box.region.area]:
        for _ in range(2):
            await pilot.pause()
            assert str(box.label) in screen_text(pilot.app), (box.id, str(box.label))
            box.toggle()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("where", list(SCREENS))
async def test_each_box_reads_differently_ticked_and_not_and_whole_at_80(demo_url: str, lang: str, where: str) -> None:
    own = first_own_client(demo_url)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(SCREENS[where](app.ws, own.client_id, own.name))
        await settle(pilot)
        await _each_box_reads_differently(pilot)
        await _each_box_says_its_words_whole(pilot)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_edit_dialogs_opt_outs_read_differently_ticked_and_not_and_whole_at_80(
    demo_url: str, lang: str
) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, first_own_client(demo_url).client_id)
        await press_settled(pilot, "e")
        assert isinstance(app.screen, EditClientDialog)
        await _each_box_reads_differently(pilot)
        await _each_box_says_its_words_whole(pilot)


async def test_agreed_to_buy_opens_on_the_visit_box_space_ticks_it_and_enter_saves(calls_branch: CallsBranch) -> None:
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        await press_settled(pilot, "b")  # agreed to buy: its dialog, the focus on its first decision
        assert isinstance(dialog := app.screen, OutcomeDialog) and isinstance(box := dialog.focused, SaidCheckbox)
        assert box.id == "visit"
        await pilot.press("space")
        await pilot.pause()
        assert box.value and box.unticked_words not in screen_text(app)
        assert not any(f.has_class("unused") for f in dialog.query(Input) if f.id in ("date", "time"))
        await pilot.press("enter")  # saves, the visit booked at the time suggested
        await settle(pilot)
        assert not isinstance(app.screen, OutcomeDialog)
    engine = make_engine(calls_branch.url)
    with engine.connect() as conn:
        booked = list(conn.execute(select(AppointmentRow.client_id)).scalars())
    engine.dispose()
    assert booked == [calls_branch.clients[0]]
