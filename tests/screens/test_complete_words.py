"""Complete words: every screen, in each language, shows no word of the other one except the bank's own data (names,
products, notes); Textual's own strings (the palette's "no match", ctrl+c's "how to quit") are said in the user's
language; one punctuation style per language in the catalogs; F1 lists Enter and explains every word of the queue;
the keys a screen needs are in view at 80×24, and every line of F1 whole; every empty list says what it would
hold."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.binding import Binding
from textual.command import CommandPalette
from textual.pilot import Pilot

from csm_tui.domain.enums import QueueReason
from csm_tui.i18n import catalog, label, set_language, t
from csm_tui.policy import PolicyError, load_policy
from screens.dialogs import TextDialog
from screens.help import HelpScreen
from tests.support.pilot import make_app, settle, table_rows, whole_rows
from tests.support.words import ASCII_BESIDE_CJK, CJK, FULL_WIDTH, LATIN, foreign_words, screen_text, stored_text
from widgets.empty_note import EmptyNote
from widgets.key_bar import KeyBar

Step = Callable[[Pilot[None]], Awaitable[None]]


def keys(*pressed: str) -> Step:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)

    return run


def then_call(action: str, *pressed: str, arg: str | None = None) -> Step:
    """An action of the app (one the palette runs), then keys."""

    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        getattr(pilot.app, action)(*([arg] if arg else []))
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)

    return run


# (name, who, how to get there): every screen and the dialogs a CSM opens all day (the events' too, the door's list
# and the invite dialog's clients found: Enter means something else there), and the other roles' homes.
SCREENS: list[tuple[str, str, Step]] = [
    ("checklist", "csm01", keys()),
    ("checklist help", "csm01", keys("f1")),
    ("queue", "csm01", keys("2")),
    ("queue help", "csm01", keys("2", "f1")),
    ("sms", "csm01", keys("2", "m")),
    ("call session", "csm01", keys("2", "c")),
    ("call session help", "csm01", keys("2", "c", "f1")),
    ("snooze", "csm01", keys("2", "c", "z")),
    ("skip", "csm01", keys("2", "c", "s")),
    ("agreed to buy", "csm01", keys("2", "c", "b")),
    ("service done", "csm01", keys("2", "c", "d")),
    ("clients", "csm01", keys("3")),
    ("client overview", "csm01", keys("3", "enter")),
    ("client assets", "csm01", keys("3", "enter", "right_square_bracket")),
    ("client contacts", "csm01", keys("3", "enter", *["right_square_bracket"] * 2)),
    ("client tasks", "csm01", keys("3", "enter", *["right_square_bracket"] * 3)),
    ("client referrals", "csm01", keys("3", "enter", *["right_square_bracket"] * 4)),
    ("reveal", "csm01", keys("3", "enter", "r")),
    ("log a contact", "csm01", keys("3", "enter", "l")),
    ("suitability", "csm01", keys("4")),
    ("wizard", "csm01", keys("4", "n")),
    ("scoreboard", "csm01", keys("5")),
    ("scoreboard year", "csm01", keys("5", "y")),
    ("records of a figure", "csm01", keys("5", "enter")),
    ("referrals", "csm01", keys("6")),
    ("search", "csm01", keys("f3")),
    ("palette", "csm01", keys("ctrl+p")),
    ("agenda", "csm01", then_call("action_agenda")),
    ("shelf", "csm01", then_call("action_shelf")),
    ("leave", "csm01", then_call("action_leave")),
    ("export", "csm01", then_call("action_export", arg="tasks")),
    ("supervisor checklist", "sup01", keys()),
    ("supervisor team", "sup01", keys("5")),
    ("lobby", "lobby01", keys("6")),
    ("admin import", "admin", then_call("action_import")),
    ("events", "csm01", keys("7")),
    ("event", "csm01", keys("7", "enter")),
    ("event door", "csm01", keys("7", "c")),
    ("event door list", "csm01", keys("7", "c", "down")),
    ("new event", "csm01", keys("7", "n")),
    ("invite", "csm01", keys("7", "enter", "i")),
    ("invite found", "csm01", keys("7", "enter", "i", "tab")),
    ("prospects", "csm01", keys("9")),
    ("suspicion reports", "csm01", keys("8")),
    ("supervisor events", "sup01", keys("7")),
    ("lobby door", "lobby01", keys("7", "c")),
    ("admin checklist", "admin", keys()),
    ("wealth manager checklist", "wm01", keys()),
    ("wealth manager queue", "wm01", keys("2")),
    ("teller", "teller01", keys()),
]  # fmt: skip


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_no_screen_shows_words_of_the_other_language_except_the_banks_data(demo_url: str, lang: str) -> None:
    data = stored_text(demo_url)
    found: dict[str, list[str]] = {}
    for name, login, step in SCREENS:
        app = make_app(demo_url, lang=lang, login=login)
        async with app.run_test(size=(120, 40)) as pilot:
            await step(pilot)
            words = foreign_words(screen_text(app), lang, data)
            if words:
                found[name] = words
    assert found == {}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_palette_says_no_command_matches_in_the_users_language(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"qqqxz")
        await pilot.pause(0.8)
        assert isinstance(app.screen, CommandPalette)
        text = screen_text(app)
        assert t("palette.no_matches") in text and "No matches found" not in text
        await pilot.press("enter")  # choosing the line only closes the palette
        await settle(pilot)
        assert not isinstance(app.screen, CommandPalette) and app.current_mode == "checklist"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_ctrl_c_outside_a_text_field_says_how_to_quit_in_the_users_language(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    notes: list[tuple[str, str]] = []
    app.notify = lambda message, title="", **_: notes.append((str(message), title))  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert notes == [(t("app.quit_how", key="ctrl+q"), t("app.quit_title"))]


def test_one_punctuation_style_per_language_in_the_catalogs() -> None:
    zh = [f"{k} = {v}" for k, v in catalog("zh_CN").items() if ASCII_BESIDE_CJK.search(v)]
    en = [f"{k} = {v}" for k, v in catalog("en").items() if FULL_WIDTH.search(v) or CJK.search(v)]
    assert (zh, en) == ([], [])


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_f1_lists_enter_and_explains_every_word_of_the_queue(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await keys("2", "f1")(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = {row[0]: row[1] for row in whole_rows(app)}
        assert rows[app.get_key_display(Binding("enter", ""))] == t("enter.open_client")
        for reason in QueueReason:
            assert rows[label(reason)] == t(f"queue_help.{reason.value}")
        assert rows["+1"] == t("queue_help.also")
        assert rows[t("queue.overdue")] == t("queue_help.overdue")
        await pilot.press("escape", "3", "f1")
        await settle(pilot)
        rows = {row[1]: row[0] for row in whole_rows(app)}
        assert t("enter.open_client") in rows  # the clients list: Enter opens the highlighted client


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_reveal_dialog_asks_to_write_the_reason_it_takes_as_text(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await keys("3", "enter", "r")(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press("enter")
        await pilot.pause()
        error = str(app.screen.query_one("#dialog-error").render())
        assert error == t("error.reason_required") and error != t("error.choose_reason")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(("name", "login", "step"), [s for s in SCREENS if "help" not in s[0]], ids=lambda v: v)
async def test_the_key_bar_is_whole_at_80x24(demo_url: str, lang: str, name: str, login: str, step: Step) -> None:
    """At 80×24 the key bar takes a second line rather than cutting a key in half; F1 and the palette stay in view."""
    app = make_app(demo_url, lang=lang, login=login)
    async with app.run_test(size=(80, 24)) as pilot:
        await step(pilot)
        bars = list(app.screen.query(KeyBar))
        for bar in bars:
            text = str(bar.render())
            assert text.rstrip().endswith(t("key.palette")), (name, text)
            assert f"f1 {t('key.help')}" in text, (name, text)  # how to find every other key, always in view
            assert bar.region.height <= 2


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_an_empty_list_says_what_it_would_hold_and_how_to_fill_it(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang, login="csm06")  # the demo's CSM with the fewest meetings
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_agenda()
        await settle(pilot)
        for _day in range(7):  # a day without meetings
            if not table_rows(app):
                break
            await pilot.press("right_square_bracket")
            await settle(pilot)
        note = app.screen.query_one(EmptyNote)
        assert note.display and note.text == t("empty.agenda")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("2", "slash", *"zzzzqq", "enter")  # a filter matching no one
        await settle(pilot)
        note = app.screen.query_one(EmptyNote)
        assert note.display and note.text == t("empty.queue")


POLICY_KEYS = [
    ("calls", "daily_target"), ("calls", "snooze_minutes"), ("calls", "idle_deposit_min"), ("tiers", "wode"),
    ("calendar", "tz"), ("calendar", "work_start"), ("calendar", "holidays"), ("assessment", "validity_months"),
    ("risk", "outflow_share"), ("scorecard", "grade_a_share"),
]  # fmt: skip
TOML_VALUES = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.booleans().map(lambda b: str(b).lower()),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12).map(
        lambda s: '"' + s.replace("\\\\", "").replace('"', "") + '"'
    ),
    st.just("[1, 2]"),
    st.just('["a"]'),
    st.just("2026-01-01"),
    st.just("{ x = 1 }"),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(POLICY_KEYS), value=TOML_VALUES)
def test_a_refused_policy_value_is_explained_in_chinese_without_pydantic_s_english(
    tmp_path: Path, where: tuple[str, str], value: str
) -> None:
    set_language("zh_CN")
    section, key = where
    path = tmp_path / "policy.toml"
    path.write_text(f"[{section}]\n{key} = {value}\n", encoding="utf-8")
    try:
        load_policy(path)
    except PolicyError as refused:
        ours = "\n".join(catalog("zh_CN").values()).casefold()  # the catalog's own terms (TOML, ID, …)
        words = [w for w in LATIN.findall(refused.reason) if w.casefold() not in ours]
        assert words == [] or all(w in value for w in words), (value, refused.reason)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_every_line_f1_shows_is_whole_at_80x24(demo_url: str, lang: str) -> None:
    """F1 over every screen and dialog (over each field or list that gives Enter its own meaning, each role's
    home): no key, word or explanation is cut with … (the help box is as narrow at 120×40)."""
    cut: dict[str, list[str]] = {}
    for name, login, step in SCREENS:
        if "help" in name or name == "palette":  # F1 itself, and the palette's own list
            continue
        app = make_app(demo_url, lang=lang, login=login)
        async with app.run_test(size=(80, 24)) as pilot:
            await step(pilot)
            await keys("f1")(pilot)
            assert isinstance(app.screen, HelpScreen), name
            shown = table_rows(app)
            cut_here = [" ".join(row) for row in whole_rows(app) if row not in shown]
            if cut_here:
                cut[name] = cut_here
    assert cut == {}
