""" "Agreed to buy": the box that books a visit says whether it is ticked, in either language at 80×24 — by its mark
(✓ or an empty box, not a colour alone) and by its words (no visit / the visit booked) —, and the visit's date and
time are dimmed while it is not ticked."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from csm_tui.i18n import t
from screens.dialogs import OutcomeDialog
from tests.support.calls_branch import CallsBranch
from tests.support.pilot import make_app, open_session
from tests.support.words import screen_text
from widgets.said_checkbox import TICKED, SaidCheckbox


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_will_come_in_box_says_whether_it_is_ticked(calls_branch: CallsBranch, lang: str) -> None:
    app = make_app(calls_branch.url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        await pilot.press("b")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        box = dialog.query_one("#visit", SaidCheckbox)
        times = [dialog.query_one(f"#{name}", Input) for name in ("date", "time")]

        def shown() -> str:
            return next(line for line in screen_text(app).splitlines() if str(box.label) in line)

        assert t("outcome.no_visit") in shown() and TICKED not in shown()
        assert all(field.has_class("unused") for field in times)
        box.focus()
        await pilot.press("space")
        await pilot.pause()
        assert box.value and t("outcome.will_visit") in shown() and TICKED in shown()
        assert not any(field.has_class("unused") for field in times)
        await pilot.press("space")
        await pilot.pause()
        assert not box.value and t("outcome.no_visit") in shown() and TICKED not in shown()
