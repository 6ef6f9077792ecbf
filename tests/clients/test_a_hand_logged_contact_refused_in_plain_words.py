"""A contact logged by hand (``l`` on the client page) that cannot be recorded as entered is refused in plain words
of the user's language — a channel or an outcome left unchosen, a satisfaction score outside 1–5, a note too long —
the dialog keeping what was typed; the outcome service called directly gives the same reason, and writes nothing.

The call session's branch: csm01's client 9 has a 回访 due (so 回访完成 is offered); Friday 27 November 2026.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from textual.widgets import Input, Select, Static

from csm_tui.domain.enums import Channel, Disposition
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import catalog, explain, set_language
from csm_tui.services.calls.outcomes import Outcome, record
from screens.client_detail import ClientDetailScreen
from screens.dialogs import LogContactDialog
from storage.engine import make_engine
from storage.orm import ContactRow
from tests.support.branch import open_desk
from tests.support.calls_branch import NOW, CallsBranch
from tests.support.pilot import make_app, press_settled, settle


def _contacts(url: str) -> int:
    with make_engine(url).connect() as conn:
        return conn.scalar(select(func.count()).select_from(ContactRow)) or 0


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(
    ("channel", "outcome", "satisfaction", "refusal"),
    [
        (None, Disposition.INFORMED, "", "choose_channel"),
        (Channel.VISIT, None, "", "choose_outcome"),
        (None, None, "", "choose_channel"),
        (Channel.PHONE, Disposition.SERVICE_DONE, "", "satisfaction_required"),
    ],
)
async def test_the_dialog_says_what_is_missing_in_words_and_keeps_what_was_typed(
    calls_branch: CallsBranch,
    lang: str,
    channel: Channel | None,
    outcome: Disposition | None,
    satisfaction: str,
    refusal: str,
) -> None:
    before = _contacts(calls_branch.url)
    app = make_app(calls_branch.url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ClientDetailScreen(app.ws, calls_branch.clients[9]))
        await press_settled(pilot, "l")
        dialog = app.screen
        assert isinstance(dialog, LogContactDialog)
        if channel is not None:
            dialog.query_one("#channel", Select).value = channel
        if outcome is not None:
            dialog.query_one("#outcome", Select).value = outcome
        dialog.query_one("#feedback", Input).value = "希望到期前提醒"
        dialog.query_one("#note", Input).focus()
        await pilot.press(*"客户来电咨询")
        await press_settled(pilot, "enter")

        assert app.screen is dialog  # still open, nothing lost
        shown = str(dialog.query_one("#dialog-error", Static).render())
        assert shown == catalog(lang)[f"error.{refusal}"]
        assert "must be one of" not in shown and "channel:" not in shown
        assert dialog.query_one("#note", Input).value == "客户来电咨询"
        assert dialog.query_one("#feedback", Input).value == "希望到期前提醒"
        await settle(pilot)
    assert _contacts(calls_branch.url) == before


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"channel": None}, "choose_channel"),
        ({"channel": "phone"}, "choose_channel"),  # the code, not the channel
        ({"disposition": None}, "choose_outcome"),
        ({"satisfaction": 0}, "satisfaction_range"),
        ({"satisfaction": 6}, "satisfaction_range"),
        ({"satisfaction": 4.5}, "satisfaction_range"),
        ({"note": "很" * 2001}, "text_too_long"),
        ({"feedback": "很" * 2001}, "text_too_long"),
    ],
)
def test_the_service_refuses_the_same_in_the_same_words_and_writes_nothing(
    calls_branch: CallsBranch, lang: str, fields: dict[str, Any], refusal: str
) -> None:
    set_language(lang)
    ws = open_desk(calls_branch.url, "csm01")
    before = _contacts(calls_branch.url)
    outcome = Outcome(**{"disposition": Disposition.INFORMED, "channel": Channel.VISIT} | fields)

    with pytest.raises(DomainError) as refused:
        record(ws, calls_branch.clients[9], outcome, started_at=NOW)

    assert refused.value.code == refusal
    said = explain(refused.value)
    assert said == catalog(lang)[f"error.{refusal}"].format(**refused.value.params)
    assert _contacts(calls_branch.url) == before
