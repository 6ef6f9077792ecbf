"""Every key a screen gives a meaning is said: F1 explains every word of the queue with a sentence of the catalog
(never the catalog's key), F1 and the key bar name Enter where a list's Enter does the screen's work (the checklist
goes to the item, the agenda opens the client, the team list opens a member's list), F1 over a list names the list's
own movement keys (a row, a page, the first or last row), together and ahead of what opens the row (its whole text,
Enter), and F1 over a form field does not, and the agenda's no-show mark is in view at 80×24 beside the held mark."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from csm_tui.domain.enums import QueueReason
from csm_tui.i18n import catalog, label, t
from screens.agenda import AgendaScreen
from screens.help import HelpScreen
from screens.team_checklist import TeamChecklistScreen
from tests.support.pilot import make_app, press_settled, settle, whole_rows
from widgets.key_bar import KeyBar


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_f1_in_the_call_session_explains_every_queue_reason_in_words(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "2", "c", "f1")
        assert isinstance(app.screen, HelpScreen)
        rows = {row[0]: row[1] for row in whole_rows(app)}
        sentences = set(catalog(lang).values())
        unexplained = [label(r) for r in QueueReason if rows.get(label(r)) not in sentences]
        assert unexplained == []


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(
    ("login", "where", "does"),
    [("csm01", "checklist", "key.go"), ("csm01", "agenda", "key.open"), ("sup01", "team", "key.open_list")],
)
async def test_f1_and_the_key_bar_name_what_enter_does_on_a_list(
    demo_url: str, lang: str, login: str, where: str, does: str
) -> None:
    app = make_app(demo_url, lang=lang, login=login)
    enter = app.get_key_display(Binding("enter", ""))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        if where == "agenda":
            app.action_agenda()
            await settle(pilot)
            assert isinstance(app.screen, AgendaScreen)
        if where == "team":
            assert isinstance(app.screen, TeamChecklistScreen)
        bar = str(app.screen.query_one(KeyBar).render())
        assert f"{enter} {t(does)}" in bar
        await pilot.press("f1")
        await settle(pilot)
        rows = {row[0]: row[1] for row in whole_rows(app)}
        assert rows.get(enter) == t(does)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(
    ("keys", "moves"),
    [(("2",), True), (("3", "down"), True), (("2", "c", "z"), False)],
    ids=["queue", "clients", "snooze dialog's field"],
)
async def test_f1_names_a_lists_movement_keys_only_over_a_list(
    demo_url: str, lang: str, keys: tuple[str, ...], moves: bool
) -> None:
    app = make_app(demo_url, lang=lang)
    said = {  # each movement's words, one row with every key that does it: Textual's and the list's own letters
        "key.row_step": ("up", "down", "j", "k"),
        "key.page": ("pageup", "pagedown"),
        "key.first_last": ("ctrl+home", "ctrl+end", "g", "G"),
    }
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, *keys, "f1")
        assert isinstance(app.screen, HelpScreen)
        keys_by_words = {row[1]: row[0].split() for row in whole_rows(app)}
        for words, moving in said.items():
            shown = [app.get_key_display(Binding(key, "")) for key in moving]
            assert sorted(keys_by_words.get(t(words), [])) == (sorted(shown) if moves else [])


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("keys", [("2",), ("3", "down")], ids=["queue", "clients"])
async def test_f1_over_a_list_says_its_movement_keys_together_then_what_opens_the_row(
    demo_url: str, lang: str, keys: tuple[str, ...]
) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, *keys, "f1")
        assert isinstance(app.screen, HelpScreen)
        rows = whole_rows(app)
    moves = [t("key.row_step"), t("key.page"), t("key.first_last")]
    assert [row[1] for row in rows[:4]] == [*moves, t("key.row_detail")]
    assert rows[4][0] == app.get_key_display(Binding("enter", ""))  # the row's Enter: what it opens here
    assert not {row[1] for row in rows[5:]} & {*moves, t("key.row_detail")}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_agenda_shows_the_no_show_key_beside_held_at_80x24(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_agenda()
        await settle(pilot)
        bar = str(app.screen.query_one(KeyBar).render())
        assert f"d {t('key.meeting_done')}" in bar and f"o {t('key.no_show')}" in bar


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(
    ("keys", "enter"), [(("2", "c", "z"), "enter.save"), (("f3",), "enter.search")], ids=["snooze dialog", "search"]
)
async def test_f1_in_a_dialog_or_the_search_lists_its_keys(
    demo_url: str, lang: str, keys: tuple[str, ...], enter: str
) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, *keys)
        under = app.screen
        await press_settled(pilot, "f1")
        assert isinstance(app.screen, HelpScreen) and app.screen.under is under
        rows = {row[0]: row[1] for row in whole_rows(app)}
        assert rows.get(app.get_key_display(Binding("enter", ""))) == t(enter)
        assert app.get_key_display(Binding("escape", "")) in rows
        await press_settled(pilot, "escape")
        assert app.screen is under
