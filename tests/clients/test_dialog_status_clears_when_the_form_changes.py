"""A dialog's refusal line ("Nothing was changed", a missing reason) speaks of the form as it was: it clears as soon
as a field is typed into or a box ticked, in the client's edit dialog and the reveal dialog alike, and shows again on
the next refused save. Pilot tests on the demo branch (csm01's first own client), at 80×24, in both languages."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from csm_tui.i18n import catalog
from screens.dialogs import CheckedTextDialog, EditClientDialog, SavingDialog
from tests.support.pilot import first_own_client, make_app, open_client_page, press_settled


def _said(dialog: SavingDialog[object]) -> str:
    return str(dialog.query_one("#dialog-error", Static).render())


async def _dialog(pilot: Pilot[None], url: str, key: str) -> SavingDialog[object]:
    await open_client_page(pilot, first_own_client(url).client_id)
    await press_settled(pilot, key)
    dialog = pilot.app.screen
    assert isinstance(dialog, SavingDialog)
    return dialog


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("change", ["typed", "ticked"])
async def test_nothing_was_changed_clears_once_the_form_changes(demo_url: str, lang: str, change: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _dialog(pilot, demo_url, "e")
        assert isinstance(dialog, EditClientDialog)
        await press_settled(pilot, "enter")
        assert _said(dialog) == catalog(lang)["error.nothing_changed"]
        if change == "typed":
            dialog.query_one("#address", Input).focus()
            await press_settled(pilot, "end", "x")
        else:
            dialog.query_one("#sms_opt_out").focus()
            await press_settled(pilot, "space")
        assert _said(dialog) == ""
        if change == "typed":  # as it was again: the next save says so again
            await press_settled(pilot, "backspace", "enter")
            assert _said(dialog) == catalog(lang)["error.nothing_changed"]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_missing_reason_clears_once_one_is_typed(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _dialog(pilot, demo_url, "r")
        assert isinstance(dialog, CheckedTextDialog)
        await press_settled(pilot, "enter")
        assert app.screen is dialog and _said(dialog) != ""
        await press_settled(pilot, "a")
        assert _said(dialog) == ""
