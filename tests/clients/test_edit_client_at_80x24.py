"""The edit-client dialog at 80×24: every field, both opt-outs and the save/Esc hint on the screen at once, the hint
still in view when a note's forbidden phrase is refused and the phrase panel opens above it."""

from __future__ import annotations

import pytest
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Static

from csm_tui.i18n import t
from screens.dialogs import EditClientDialog
from tests.support.pilot import make_app, press_settled
from widgets.phrase_panel import PhrasePanel


def _on_screen(widget: Widget) -> bool:
    region, dialog = widget.region, widget.screen.query_one("EditClientDialog > Vertical").region
    return region.height > 0 and dialog.contains_region(region) and region.bottom <= 24 and region.right <= 80


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_edit_client_dialog_shows_every_field_and_how_to_save_at_80x24(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3", "enter", "e")
        dialog = app.screen
        assert isinstance(dialog, EditClientDialog)
        fields = [*dialog.query(Input), *dialog.query(Checkbox)]
        assert len(fields) == 7
        for field in fields:
            assert _on_screen(field), field.id
        hint = dialog.query_one(".hint", Static)
        assert str(hint.render()) == t("dialog.hint") and _on_screen(hint)
        dialog.query_one("#note", Input).value = "这款产品保本保收益"
        await press_settled(pilot, "enter")
        assert app.screen is dialog and dialog.query(PhrasePanel)  # refused: the phrases are shown in place
        assert _on_screen(hint)
