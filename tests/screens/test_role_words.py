"""Each role's own words (issue 18, a fresh reviewer's findings): the CSM's call target is not shown to a role that
has none; the queue, client list and assessments of a role with no clients of its own say why they are empty and
where to look; no line of a note starts with a closing mark; the referrals' key bar says what Enter does; the
prospects' "From" is read at 80 columns.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import itertools

import pytest
from rich.cells import cell_len
from textual.binding import Binding

from csm_tui.i18n import catalog, t
from screens.dialogs import WalkInDialog
from screens.referrals import ReferralsScreen
from tests.support.pilot import key_bar_text, make_app, press_settled, settle, table_rows
from tests.support.words import screen_text
from widgets.empty_note import EmptyNote
from widgets.line_breaks import NO_LINE_START, wrap
from widgets.row_detail import RowDetail

ZH = catalog("zh_CN")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("login", ["sup01", "admin"])
async def test_a_role_with_no_clients_of_its_own_is_not_shown_the_call_target_and_is_told_why_its_lists_are_empty(
    demo_url: str, lang: str, login: str
) -> None:
    app = make_app(demo_url, login=login, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "2")
        status = str(app.screen.query_one("#screen-title").render())
        assert t("queue.count_only", count=0) in status
        assert t("queue.count", count=0, target=10) not in status
        for key, note in (  # the client list last: its search takes the digits typed
            ("2", "empty.queue_no_book"),
            ("4", "empty.assessments_no_book"),
            ("3", "empty.clients_no_book"),
        ):
            await press_settled(pilot, key)
            shown = app.screen.query_one(EmptyNote)
            assert shown.display and shown.text == t(note), key


async def test_a_csm_sees_the_days_call_target_beside_the_queue(demo_url: str) -> None:
    app = make_app(demo_url, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "2")
        status = str(app.screen.query_one("#screen-title").render())
        assert "daily target 10 calls" in status


async def test_no_line_of_an_empty_lists_note_starts_with_a_closing_mark_at_80_columns(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash", *"zzzzqq", "enter")  # a filter matching no one: the queue's note
        await settle(pilot)
        note = app.screen.query_one(EmptyNote)
        assert note.display and note.text == ZH["empty.queue"]
        shown = screen_text(app).split("\n")
        assert [line for line in shown if line.strip()[:1] in NO_LINE_START] == []


def test_a_note_broken_at_any_width_keeps_every_character_and_starts_no_line_with_a_closing_mark() -> None:
    notes = ("empty.queue", "empty.clients", "empty.queue_no_book", "empty.queue_wode")
    for width, key in itertools.product(range(6, 121), notes):
        lines = wrap(ZH[key], width)
        assert "".join(lines).replace(" ", "") == ZH[key].replace(" ", "")  # a break at a space takes the space
        assert [line for line in lines if line[:1] in NO_LINE_START or cell_len(line) > width] == []


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_referrals_key_bar_says_what_enter_does_and_enter_does_it(demo_url: str, lang: str) -> None:
    enter = "⏎"
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "6")
        assert isinstance(app.screen, ReferralsScreen)
        assert app.get_key_display(Binding("enter", "")) == enter
        assert f"{enter} {t('key.row_detail')}" in key_bar_text(app)
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, RowDetail)


async def test_the_counters_key_bar_says_enter_refers_the_client_found(demo_url: str) -> None:
    lobby = make_app(demo_url, login="lobby01")
    async with lobby.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = lobby.screen
        assert isinstance(screen, ReferralsScreen)
        assert f"⏎ {t('key.row_detail')}" in key_bar_text(lobby)
        await pilot.press("n")
        screen.query_one("#walk-in-search").value = "王"  # type: ignore[attr-defined]
        await press_settled(pilot, "enter")
        assert screen.found and screen.focused is not None and screen.focused.id == "walk-in-found"
        assert f"⏎ {t('key.refer_walk_in')}" in key_bar_text(lobby)
        await press_settled(pilot, "enter")
        assert isinstance(lobby.screen, WalkInDialog)


async def test_the_prospects_list_says_whom_a_prospect_came_through_whole_at_80_columns(demo_url: str) -> None:
    app = make_app(demo_url, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "9")
        sources = [row[2] for row in table_rows(app)]
        introduced = [s for s in sources if s.startswith("by ")]
        assert introduced and all("…" not in s for s in introduced)
        assert not [s for s in sources if s.startswith(("Event:", "Introduc"))]  # no cut word before the name
