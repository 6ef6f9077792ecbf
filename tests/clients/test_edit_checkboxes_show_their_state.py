"""The client's opt-outs in the edit dialog show whether they are ticked by a mark — a tick or an empty box —, not by
a colour alone, in either language at 80×24."""

from __future__ import annotations

import pytest

from screens.dialogs import EditClientDialog
from tests.support.pilot import make_app, open_own_client, press_settled
from widgets.said_checkbox import TICKED, SaidCheckbox


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_an_opt_out_box_shows_a_tick_only_when_ticked(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        await press_settled(pilot, "e")
        assert isinstance(app.screen, EditClientDialog)
        box = app.screen.query_one("#phone_opt_out", SaidCheckbox)
        before = box.value
        assert (TICKED in str(box.render())) is before
        box.toggle()
        await pilot.pause()
        assert (TICKED in str(box.render())) is not before
