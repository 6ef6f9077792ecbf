"""Booking a meeting: the dialog's title asks for a date, a time and a purpose, and its fields are just those."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from csm_tui.i18n import t
from screens.dialogs import MeetingDialog
from tests.support.pilot import make_app, press_settled


@pytest.mark.parametrize(("lang", "purpose"), [("zh_CN", "事由（可选）"), ("en", "Purpose (optional)")])
async def test_the_book_meeting_dialog_asks_for_the_purpose_its_title_names(
    demo_url: str, lang: str, purpose: str
) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3", "enter", "o")
        dialog = app.screen
        assert isinstance(dialog, MeetingDialog)
        assert dialog.title_text == t("detail.book_title")
        assert [box.placeholder for box in dialog.query(Input)] == ["YYYY-MM-DD", "HH:MM", purpose]
