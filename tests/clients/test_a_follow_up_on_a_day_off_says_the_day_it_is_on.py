"""``t`` on a client's page for a day off (a weekend, a public holiday): the follow-up goes on the next working day,
and the saved notice says so — the day asked, why, and the day it is on — in both languages; a working day is simply
saved. The demo's clock is Friday 27 November 2026: Saturday the 28th is a day off, Monday the 30th the next working
day."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Input

from csm_tui.i18n import catalog
from csm_tui.services.calls import appointments
from tests.support.pilot import first_own_client, make_app, notices, open_own_client, press_settled

SATURDAY, MONDAY = dt.date(2026, 11, 28), dt.date(2026, 11, 30)


async def _follow_up_on(url: str, lang: str, day: dt.date) -> str:
    app = make_app(url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        await press_settled(pilot, "t")
        app.screen.query_one("#date", Input).value = day.isoformat()
        app.screen.query_one("#note", Input).focus()
        await press_settled(pilot, "enter")
        return notices(app)[-1]


@pytest.mark.parametrize(
    ("lang", "moved"),
    [
        ("zh_CN", "11-28 是休息日，已安排在 11-30（周一）。"),
        ("en", "11-28 is a day off: the follow-up is on 11-30 (Mon)."),
    ],
)
async def test_a_follow_up_asked_for_a_day_off_says_it_went_to_the_next_working_day(
    demo_url: str, lang: str, moved: str
) -> None:
    said = await _follow_up_on(demo_url, lang, SATURDAY)
    assert said == f"{catalog(lang)['call.saved']}\n{moved}"


async def test_a_follow_up_on_a_working_day_is_simply_saved(demo_url: str) -> None:
    assert await _follow_up_on(demo_url, "zh_CN", MONDAY) == catalog("zh_CN")["call.saved"]


def test_the_service_returns_the_day_asked_when_it_put_the_follow_up_on_another(demo_url: str) -> None:
    ws = make_app(demo_url).ws
    client_id = first_own_client(demo_url).client_id
    added = appointments.add_follow_up(ws, client_id, SATURDAY)
    assert (added.moved_from, added.task.due_on) == (SATURDAY, MONDAY)
    kept = appointments.add_follow_up(ws, client_id, MONDAY)
    assert (kept.moved_from, kept.task.due_on) == (None, MONDAY)
